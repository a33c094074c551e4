// Shared pieces of the adversarial suite: run counts, plaintext markers, and the
// checks every HTTP answer and every direct-invocation outcome must pass.
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Harness } from '../support/harness.js';
import type { HttpResponse } from '../support/http.js';

/**
 * Scale of the randomised tests: fast-check runs per fuzzing property (200 by default), a tenth
 * of that for the isolation property's op sequences. A long campaign:
 * `ADVERSARIAL_RUNS=5000 npx vitest run test/adversarial`.
 */
export const RUNS = (() => {
  const raw = process.env.ADVERSARIAL_RUNS;
  const runs = raw === undefined ? 200 : Number(raw);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`ADVERSARIAL_RUNS must be a positive integer, not '${raw}'`);
  return runs;
})();

/** A fixed seed can be replayed: ADVERSARIAL_SEED=<n> (fast-check prints the seed of a failure). */
export const SEED = process.env.ADVERSARIAL_SEED === undefined ? undefined : Number(process.env.ADVERSARIAL_SEED);
/**
 * Shrinking replays many cases against the store and can outlast the test timeout on a slow
 * machine, so a failure reports its first counterexample; ADVERSARIAL_SHRINK=1 shrinks it.
 */
const SHRINK = process.env.ADVERSARIAL_SHRINK === '1';
export const fcParams = (numRuns: number) => ({ numRuns, endOnFailure: !SHRINK, ...(SEED !== undefined && { seed: SEED }) });

/** A test timeout that grows with the number of runs, generous for a loaded 2-core machine (at least vitest's 90 s). */
export const timeoutFor = (runs: number, msPerRun: number) => Math.max(90_000, runs * msPerRun) * (SHRINK ? 4 : 1);

// ---------------------------------------------------------------------------------------
// Plaintext markers: every secret value the suite stores contains one, so a single
// substring check over raw items and logs finds any plaintext that leaked.
// '~' is outside the base64url alphabet of Fernet tokens and bindings.

const MARKER_PREFIX = 'PT~';
const markers = new Set<string>();

/** A fresh, distinctive plaintext (ASCII), remembered for the leak checks. */
export function marker(label = ''): string {
  const value = `${MARKER_PREFIX}${label}${label ? '~' : ''}${randomBytes(8).toString('hex')}~`;
  markers.add(value);
  return value;
}

export const usedMarkers = (): string[] => [...markers];

/** The markers found in `text` (none, for a clean text). */
export function leakedMarkers(text: string): string[] {
  if (!text.includes(MARKER_PREFIX)) return [];
  return usedMarkers().filter((m) => text.includes(m));
}

/** Any marker-like substring, even one the suite did not register (e.g. a fuzzed value). */
export const MARKER_PATTERN = /PT~[^"\\]{0,40}/;

// ---------------------------------------------------------------------------------------
// The contract's error codes.

export const STATUS_OF_CODE: Record<string, number> = {
  ValidationError: 400,
  Unauthorized: 401,
  SecretNotFound: 404,
  SecretAlreadyExists: 409,
  AmbiguousSecretName: 409,
  SecretExpired: 410,
  VersionNotFound: 404,
  VersionDestroyed: 410,
  PreconditionFailed: 412,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  DecryptionFailed: 500,
  SecretDamaged: 500,
  ServiceUnavailable: 503,
  InternalError: 500,
};

/** Codes a direct invocation may fail with for a caller's mistake (Unauthorized is HTTP-only). */
export const CLIENT_ERROR_CODES = new Set([
  'ValidationError',
  'SecretNotFound',
  'SecretAlreadyExists',
  'AmbiguousSecretName',
  'SecretExpired',
  'VersionNotFound',
  'VersionDestroyed',
  'PreconditionFailed',
  'PayloadTooLarge',
  'UnsupportedMediaType',
]);

/** Text that would betray internals: stack frames, file paths, SDK or runtime error names. */
export const INTERNALS = /\bat .+:\d+:\d+|\.[cm]?[jt]s:\d+|node_modules|file:\/\/|TypeError|ReferenceError|RangeError|SyntaxError|Exception\b|\$metadata/;

/** Problem details exactly as the contract shapes them; returns the parsed body. */
export function expectProblem(response: HttpResponse, status?: number): Record<string, unknown> {
  if (status !== undefined) expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['Content-Type']).toBe('application/problem+json');
  expect(response.headers['Cache-Control']).toBe('no-store');
  const problem = JSON.parse(response.body ?? '') as Record<string, unknown>;
  expect(problem.type).toBe('about:blank');
  expect(problem.status).toBe(response.statusCode);
  expect(typeof problem.title).toBe('string');
  expect(typeof problem.detail).toBe('string');
  expect(STATUS_OF_CODE[problem.code as string], `unknown code ${String(problem.code)}`).toBe(response.statusCode);
  const withErrors = problem.code === 'ValidationError' || problem.code === 'Unauthorized';
  const allowed = ['type', 'title', 'status', 'code', 'detail', ...(withErrors ? ['errors'] : []), ...(problem.code === 'AmbiguousSecretName' ? ['owners'] : [])];
  expect(Object.keys(problem).filter((k) => !allowed.includes(k))).toEqual([]);
  if (withErrors) {
    expect(Array.isArray(problem.errors)).toBe(true);
    for (const error of problem.errors as unknown[]) {
      expect(error).toEqual({ path: expect.any(String), message: expect.any(String) });
    }
  }
  expect(ownText(problem)).not.toMatch(INTERNALS);
  return problem;
}

/** The text of a problem that is the store's own, less what merely echoes the caller's names and keys. */
function ownText(problem: Record<string, unknown>): string {
  const paths = errorPaths(problem);
  let detail = String(problem.detail).replace(/'[^']*'/g, "''");
  for (const path of [...paths].sort((a, b) => b.length - a.length)) detail = detail.split(path).join('');
  const messages = ((problem.errors as { message: string }[] | undefined) ?? []).map((e) => e.message);
  return [problem.title, detail, ...messages].join('\n');
}

/** The field paths a ValidationError names. */
export const errorPaths = (problem: Record<string, unknown>): string[] =>
  ((problem.errors as { path: string }[] | undefined) ?? []).map((e) => e.path);

// ---------------------------------------------------------------------------------------
// The leak check every file ends with.

/**
 * No registered plaintext in any raw item or captured log line, the audit events the stream's
 * publisher logged included; where the store has streams, the capture saw those events.
 */
export async function expectNoPlaintext(harness: Pick<Harness, 'store' | 'logs' | 'audited' | 'drainAudit'>): Promise<{ items: number; logLines: number; markers: number }> {
  await harness.drainAudit();
  const items = await harness.store.scanAll();
  const raw = JSON.stringify(items);
  const logText = harness.logs.text();
  // The capture works: every change reaches the publisher, which logs an audit line.
  if (harness.audited) expect(logText).toContain('"message":"audit event"');
  expect(leakedMarkers(raw)).toEqual([]);
  expect(leakedMarkers(logText)).toEqual([]);
  expect(raw).not.toMatch(MARKER_PATTERN);
  expect(logText).not.toMatch(MARKER_PATTERN);
  return { items: items.length, logLines: harness.logs.lines().length, markers: usedMarkers().length };
}
