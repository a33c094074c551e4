// Fuzzing direct invocation: every outcome is a success payload or an error named by a 4xx code.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BODY_FIELDS, PROFILES, VALUE_MARK, jsonish, key, nearValid, scalar, trapObject, useSeededHandlers, type CallerOperation, type Field } from './fuzz-support.js';
import { CLIENT_ERROR_CODES, RUNS, expectNoPlaintext, fcParams, timeoutFor } from './support.js';

// Random payloads to every function callers invoke, mostly near a valid input, through the real handlers on a real dynalite.
const harness = useSeededHandlers();
const { direct, summary } = harness;

const DIRECT_FIELDS: Record<CallerOperation, Field[]> = {
  ...BODY_FIELDS,
  get: ['name', 'id'],
  update: ['name', ...BODY_FIELDS.update],
  expire: ['name', 'at'],
  delete: ['name'],
  versions: ['name'],
  restore: ['name'],
};
const DIRECT_REQUIRED: Record<CallerOperation, Field[]> = {
  create: ['name', 'value'], get: ['name'], update: ['name'], expire: ['name'], delete: ['name'], versions: ['name'], restore: ['name'], list: [], sweep: [], rotate: [],
};
const profileArb = (op: CallerOperation) => {
  const invalid = fc.oneof(scalar, trapObject, fc.constantFrom('x'.repeat(257), 'a b', '\u0007', ''));
  // sweep and rotate run for no profile: naming one is the mistake.
  return op === 'sweep' || op === 'rotate'
    ? fc.oneof({ weight: 10, arbitrary: fc.constant(undefined) }, fc.constantFrom(...PROFILES), invalid)
    : fc.oneof({ weight: 20, arbitrary: fc.constantFrom(...PROFILES) }, fc.constant(undefined), invalid);
};

// sweep and rotate read the whole expiry index or table: fewer of them keeps the run short.
const directOp = fc.oneof({ weight: 3, arbitrary: fc.constantFrom<CallerOperation>('create', 'get', 'list', 'update', 'expire', 'delete', 'versions', 'restore') }, fc.constantFrom<CallerOperation>('sweep', 'rotate'));
const directCase = directOp.chain((op) =>
  fc.record({
    op: fc.constant(op),
    payload: fc.oneof(
      { weight: 8, arbitrary: fc.tuple(profileArb(op), nearValid(DIRECT_FIELDS[op], DIRECT_REQUIRED[op])).map(([profile, rest]) => (profile === undefined ? rest : Object.assign({ userProfileId: profile }, rest))) },
      { weight: 1, arbitrary: fc.dictionary(key, jsonish, { maxKeys: 5 }) },
      { weight: 1, arbitrary: jsonish },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
  }),
);

describe('direct-invocation fuzzing', () => {
  it('returns a success payload or fails with a 4xx code, no stack frames and no value', async () => {
    const outcomes = new Map<string, number>();
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(directCase, async ({ op, payload }) => {
        cases += 1;
        // Lambda hands the function a freshly parsed JSON payload.
        let event: unknown;
        try {
          event = payload === undefined ? undefined : JSON.parse(JSON.stringify(payload));
        } catch {
          event = payload;
        }
        let result: unknown;
        try {
          result = await direct(op, event);
        } catch (error) {
          const e = error as Error;
          outcomes.set(e.name, (outcomes.get(e.name) ?? 0) + 1);
          expect(e).toBeInstanceOf(Error);
          expect(CLIENT_ERROR_CODES.has(e.name), `${op} failed with ${e.name}: ${e.message}`).toBe(true);
          expect(e.stack).toBe(`${e.name}: ${e.message}`);
          expect(e.message).not.toContain(VALUE_MARK);
          return;
        }
        outcomes.set('success', (outcomes.get('success') ?? 0) + 1);
        const text = JSON.stringify(result) ?? '';
        if (op === 'get') {
          expect(typeof (result as { value?: unknown }).value).toBe('string');
          expect(JSON.stringify({ ...(result as object), value: undefined })).not.toContain(VALUE_MARK);
        } else {
          expect(text).not.toContain(VALUE_MARK);
        }
        if (op === 'create' || op === 'update') {
          // What was accepted is what was stored: nothing silently dropped or altered.
          const input = event as Record<string, unknown>;
          const secret = result as Record<string, unknown>;
          for (const field of ['description', 'version', 'tags', 'annotations'] as const) {
            if (input[field] !== undefined) expect(secret[field], field).toEqual(input[field]);
          }
          if (typeof input.value === 'string') {
            const read = (await direct('get', { userProfileId: input.userProfileId, name: secret.name }).catch((e: Error) => e)) as { value?: string } | Error;
            if (!(read instanceof Error)) expect(read.value === input.value, 'the value reads back exactly as sent').toBe(true);
          }
        }
      }),
      fcParams(RUNS),
    );
    const breakdown = [...outcomes].sort().map(([k, n]) => `${k}:${n}`).join(' ');
    const failures = [...outcomes].filter(([k]) => !CLIENT_ERROR_CODES.has(k) && k !== 'success').length;
    summary.push(`fuzz: ${cases} cases, ${failures} 5xx (direct invocation; ${breakdown})`);
    expect(outcomes.get('success') ?? 0).toBeGreaterThan(0);
  }, timeoutFor(RUNS, 1_500));
});

describe('after fuzzing', () => {
  it('leaves no plaintext in the table or the logs', async () => {
    const seen = await expectNoPlaintext(harness);
    summary.push(`fuzz (direct invocation): no plaintext in ${seen.items} raw items or ${seen.logLines} log lines (${seen.markers} plaintexts used)`);
  });
});
