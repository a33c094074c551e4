// Value history and recoverable deletes as a property: no sequence of value changes, rollbacks,
// scheduled and forced deletes and restores, within the recovery window, loses a value a user
// could still ask for, or shows one to anyone else.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Operation } from '../support/handlers.js';
import type { HttpRequest, HttpResponse } from '../support/http.js';
import { useHandlers } from '../support/harness.js';
import { profilePartition, secretKey, versionKey, versionSortPrefix } from '../../lib/store/table.js';
import {
  ACCOUNT_SUFFIXES,
  EVERY_SITUATION,
  KEEP,
  NAMES,
  PROFILE_SUFFIXES,
  RECOVERY_MS,
  current,
  expectedVersions,
  isHeld,
  opArb,
  readable,
  type ModelSecret,
  type Op,
  type Via,
  type World,
} from './history-model.js';
import { INTERNALS, MARKER_PATTERN, RUNS, expectNoPlaintext, fcParams, marker, timeoutFor } from './support.js';

// Three profiles with colliding names run random sequences of ops, each over HTTP or by direct
// invocation; each profile's model holds, per name, every value by version, the current version
// and whether it is deleted. After every op, the profile's secret of that name answers exactly what
// the model says: every version held (the last KEEP) its exact value with ?version=N, older ones
// 410 VersionDestroyed, the next one 404 VersionNotFound, the versions list exactly the model's, a
// deleted secret 404 to every read and listed only with deleted=only, and after a restore every
// value and its history as before. The other profiles see that name exactly as the model says:
// nothing of a secret not shared with them, as if nobody had the name; their PATCH, DELETE and
// restore of it answer 404 and change nothing. No answer carries a value but the get that asked for
// it, and no log line any.

const harness = useHandlers({ env: { POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_LOGGER_LOG_EVENT: 'true' }, captureLogs: true, auditStream: true });
const { call, direct, summary } = harness;

// Random sequences per run (a hundredth of ADVERSARIAL_RUNS, at least 2), besides the hand-written
// one: each op is followed by some twenty reads, so a sequence costs seconds, not milliseconds.
const SEQUENCES = Math.max(2, Math.round(RUNS / 100));
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const TITLES: Record<string, [number, string]> = {
  SecretNotFound: [404, 'Secret not found'],
  SecretAlreadyExists: [409, 'Secret already exists'],
  VersionNotFound: [404, 'Version not found'],
  VersionDestroyed: [410, 'Version destroyed'],
};

let notFoundHeaders: string[];

beforeAll(async () => {
  // The headers of an answer about a name nobody ever had: every 404 must look the same.
  notFoundHeaders = Object.keys((await call({ method: 'GET', path: '/secrets/neverCreated', profile: 'nobody' })).headers).sort();
});

/** What one call answered, whichever way it was made. */
type Answer = { via: Via; ok: true; status?: number; body: Record<string, unknown> | undefined } | { via: Via; ok: false; status?: number; code: string; detail: string; title?: string; headers?: Record<string, string> };

const stats = { calls: 0, sequences: 0, ops: 0 };
const outcomes: Record<string, number> = {};

/** No value anywhere in `text`. */
function expectNoValueIn(text: string, what: string) {
  expect(text, `${what} carries a value`).not.toMatch(MARKER_PATTERN);
}

/**
 * Sends one request over HTTP or as a direct invocation. Only a get's answer may carry a value,
 * in its `value` field (which the caller compares with the model's): nothing else in any answer.
 */
async function send(world: World, p: number, via: Via, http: HttpRequest, op: Operation, payload: Record<string, unknown>): Promise<Answer> {
  stats.calls += 1;
  if (via === 'http') {
    const response: HttpResponse = await call({ ...http, profile: world.profiles[p]!, claims: { account: world.accounts[p]! } });
    const body = response.body ? (JSON.parse(response.body) as Record<string, unknown>) : undefined;
    const { value, ...rest } = body ?? {};
    expectNoValueIn(JSON.stringify(rest), `${http.method} ${http.path}`);
    if (value !== undefined) expect(`${http.method} ${op}`).toBe('GET get');
    if (response.statusCode < 400) return { via, ok: true, status: response.statusCode, body };
    expect(response.headers['Content-Type']).toBe('application/problem+json');
    expect(response.body).not.toMatch(INTERNALS);
    expect(Object.keys(body!).sort()).toEqual(['code', 'detail', 'status', 'title', 'type']);
    expect(body).toMatchObject({ type: 'about:blank', status: response.statusCode });
    return { via, ok: false, status: response.statusCode, code: String(body!.code), detail: String(body!.detail), title: String(body!.title), headers: response.headers };
  }
  try {
    const result = (await direct(op, { userProfileId: world.profiles[p]!, accountId: world.accounts[p]!, ...payload })) as Record<string, unknown> | undefined;
    const { value, ...rest } = result ?? {};
    expectNoValueIn(JSON.stringify(rest), `direct ${op}`);
    if (value !== undefined) expect(op).toBe('get');
    return { via, ok: true, body: result ?? undefined };
  } catch (error) {
    const e = error as Error;
    expectNoValueIn(`${e.name} ${e.message} ${JSON.stringify(e)}`, `direct ${op}'s error`);
    expect(`${e.message}`).not.toMatch(INTERNALS);
    return { via, ok: false, code: e.name, detail: e.message };
  }
}

/** The answer is exactly the problem `code` with `detail` (over HTTP: its status, title, and for a 404 the headers of any 404). */
function expectError(answer: Answer, code: keyof typeof TITLES, detail: string) {
  expect(answer.ok ? { ok: true, body: answer.body } : { code: answer.code, detail: answer.detail }).toEqual({ code, detail });
  if (answer.ok || answer.via === 'direct') return;
  const [status, title] = TITLES[code]!;
  expect([answer.status, answer.title]).toEqual([status, title]);
  if (code === 'SecretNotFound') expect(Object.keys(answer.headers!).sort()).toEqual(notFoundHeaders);
}

/** The body of a success; a failure fails the test, naming its code. */
function succeeded(answer: Answer): Record<string, unknown> | undefined {
  if (!answer.ok) expect.fail(`expected a success, got ${answer.code}: ${answer.detail}`);
  return answer.body;
}

const notFound = (answer: Answer, name: string) => expectError(answer, 'SecretNotFound', `No secret named '${name}'.`);

/** The Secret the model says `s`, owned by `owner`, is (lastAccessed aside, which any read sets). */
function expectedSecret(world: World, owner: number, name: string, s: ModelSecret) {
  return {
    id: s.id,
    name,
    description: '',
    version: '1.0.0',
    annotations: {},
    tags: [],
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    expiresAt: null,
    expired: false,
    revision: s.revision,
    visibility: s.visibility,
    owner: world.profiles[owner],
    valueVersion: current(s),
    deletedAt: s.deleted?.deletedAt ?? null,
    purgesAt: s.deleted?.purgesAt ?? null,
  };
}

function expectSecret(answer: Answer, expected: Record<string, unknown>, status?: number) {
  const { lastAccessed, ...rest } = succeeded(answer)!;
  if (status !== undefined && answer.via === 'http') expect(answer.status).toBe(status);
  expect(lastAccessed === null || TIMESTAMP.test(String(lastAccessed)), `lastAccessed ${String(lastAccessed)}`).toBe(true);
  expect(rest).toEqual(expected);
}

const versionQuery = (version: number | undefined): Record<string, string> | undefined => (version === undefined ? undefined : { version: String(version) });

/** A get of `name` by `p` (of version `version`, else the current value), checked against the model. */
async function expectRead(world: World, p: number, name: string, version: number | undefined, via: Via) {
  const answer = await send(world, p, via, { method: 'GET', path: `/secrets/${name}`, query: versionQuery(version) }, 'get', { name, ...(version !== undefined && { version }) });
  const target = readable(world, p, name);
  if (!target) return notFound(answer, name);
  const { owner, secret } = target;
  const v = version ?? current(secret);
  if (v > current(secret)) return expectError(answer, 'VersionNotFound', `The secret '${name}' has no version ${v}.`);
  if (!isHeld(secret, v)) return expectError(answer, 'VersionDestroyed', `Version ${v} of the secret '${name}' is destroyed.`);
  expectSecret(answer, { ...expectedSecret(world, owner, name, secret), valueVersion: v, value: secret.versions[v - 1]!.value }, 200);
}

/** Everything `p` can ask about `name`: every version (held and a few destroyed), the next one, the versions list. */
async function checkFully(world: World, p: number, name: string) {
  const target = readable(world, p, name);
  const versions = target ? current(target.secret) : 3;
  // Every version held; of those destroyed, the oldest and the newest; the one after the current.
  const asked = new Set<number>([1, versions + 1, Math.max(1, versions - KEEP)]);
  for (let v = Math.max(1, versions - KEEP + 1); v <= versions; v += 1) asked.add(v);
  await Promise.all([
    expectRead(world, p, name, undefined, 'http'),
    ...[...asked].map((v, i) => expectRead(world, p, name, v, i % 3 === 2 ? 'direct' : 'http')),
    expectVersions(world, p, name, 'http'),
  ]);
  // A deleted secret answers 404 to every change but a restore or a forced delete too (and so changes not).
  if (world.models[p]!.get(name)?.deleted) {
    notFound(await send(world, p, 'http', { method: 'POST', path: `/secrets/${name}/expire` }, 'expire', { name }), name);
    notFound(await send(world, p, 'direct', { method: 'PATCH', path: `/secrets/${name}`, body: { description: 'changed while deleted' } }, 'update', { name, description: 'changed while deleted' }), name);
  }
}

/** What `p` sees of `name` when the op was not its own: the current value, version 1, and the versions list. */
async function checkView(world: World, p: number, name: string) {
  await Promise.all([expectRead(world, p, name, undefined, 'direct'), expectRead(world, p, name, 1, 'http'), expectVersions(world, p, name, 'direct')]);
}

async function expectVersions(world: World, p: number, name: string, via: Via) {
  const answer = await send(world, p, via, { method: 'GET', path: `/secrets/${name}/versions` }, 'versions', { name });
  // The versions of a secret are its owner's alone: a member reads a shared value, never its list.
  const own = world.models[p]!.get(name);
  if (!own || own.deleted) return notFound(answer, name);
  expect(succeeded(answer)).toEqual({ items: expectedVersions(own) });
}

/** `p`'s lists: its live secrets by default, its deleted ones (deletedAt, purgesAt) with deleted=only. */
async function checkLists(world: World, p: number) {
  const model = world.models[p]!;
  const names = (deleted: boolean) => [...model.entries()].filter(([, s]) => (s.deleted !== null) === deleted).map(([n]) => n).sort();
  await Promise.all((['exclude', 'only'] as const).map(async (deleted) => {
    const answer = await send(world, p, 'http', { method: 'GET', path: '/secrets', query: { deleted, limit: '100' } }, 'list', { deleted, limit: 100 });
    const { items, nextCursor } = succeeded(answer) as { items: Record<string, unknown>[]; nextCursor: string | null };
    expect(nextCursor).toBeNull();
    const listed = names(deleted === 'only');
    expect(items.map((i) => i.name)).toEqual(listed);
    items.forEach((item, i) => {
      expect({ ...item, lastAccessed: null }).toEqual({ lastAccessed: null, ...expectedSecret(world, p, listed[i]!, model.get(listed[i]!)!) });
    });
  }));
}

/** The situation an op met, counted: every one the property is meant to reach must be reached. */
function situation(world: World, op: Op): string {
  const own = world.models[op.p]!.get(op.name);
  const elsewhere = world.models.some((m, q) => q !== op.p && m.has(op.name));
  const label = own ? (own.deleted ? 'deleted' : 'live') : elsewhere ? 'onlyElsewhere' : 'absent';
  const key = `${op.kind}${op.kind === 'delete' && op.force ? 'Forced' : ''}:${label}`;
  outcomes[key] = (outcomes[key] ?? 0) + 1;
  return label;
}

/** Runs `op`, checks its answer against `p`'s model, and brings the model along. */
async function run(world: World, op: Op): Promise<void> {
  stats.ops += 1;
  const model = world.models[op.p]!;
  const profile = world.profiles[op.p]!;
  situation(world, op);
  const own = model.get(op.name);
  const live = own && !own.deleted ? own : undefined;
  const path = `/secrets/${op.name}`;
  switch (op.kind) {
    case 'create': {
      const value = marker('hist');
      const visibility = op.shared ? 'account' : 'private';
      const answer = await send(world, op.p, op.via, { method: 'POST', path: '/secrets', body: { name: op.name, value, visibility } }, 'create', { name: op.name, value, visibility });
      if (own?.deleted) {
        return expectError(answer, 'SecretAlreadyExists', `A secret named '${op.name}' is deleted and keeps its name until ${own.deleted.purgesAt}: restore it, or delete it with force=true.`);
      }
      if (own) return expectError(answer, 'SecretAlreadyExists', `A secret named '${op.name}' already exists.`);
      const body = succeeded(answer) as { id: string; createdAt: string };
      const created: ModelSecret = { id: body.id, versions: [{ value, createdAt: body.createdAt }], revision: 1, createdAt: body.createdAt, updatedAt: body.createdAt, visibility, deleted: null };
      expectSecret(answer, expectedSecret(world, op.p, op.name, created), 201);
      model.set(op.name, created);
      return;
    }
    case 'setValue': {
      for (let i = 0; i < op.times; i += 1) {
        const value = marker('hist');
        const answer = await send(world, op.p, op.via, { method: 'PATCH', path, body: { value } }, 'update', { name: op.name, value });
        if (!live) return notFound(answer, op.name);
        const updatedAt = String(succeeded(answer)!.updatedAt);
        live.versions.push({ value, createdAt: updatedAt });
        live.revision += 1;
        live.updatedAt = updatedAt;
        expectSecret(answer, expectedSecret(world, op.p, op.name, live), 200);
      }
      return;
    }
    case 'rollback': {
      const n = Math.max(1, (live ? current(live) : 2) + op.offset);
      const answer = await send(world, op.p, op.via, { method: 'PATCH', path, body: { restoreVersion: n } }, 'update', { name: op.name, restoreVersion: n });
      if (!live) return notFound(answer, op.name);
      const kind = n > current(live) ? 'future' : !isHeld(live, n) ? 'destroyed' : n === current(live) ? 'current' : 'held';
      outcomes[`rollback:live:${kind}`] = (outcomes[`rollback:live:${kind}`] ?? 0) + 1;
      if (kind === 'future') return expectError(answer, 'VersionNotFound', `The secret '${op.name}' has no version ${n}.`);
      if (kind === 'destroyed') return expectError(answer, 'VersionDestroyed', `Version ${n} of the secret '${op.name}' is destroyed.`);
      const updatedAt = String(succeeded(answer)!.updatedAt);
      live.versions.push({ value: live.versions[n - 1]!.value, createdAt: updatedAt });
      live.revision += 1;
      live.updatedAt = updatedAt;
      expectSecret(answer, expectedSecret(world, op.p, op.name, live), 200);
      return;
    }
    case 'delete': {
      const before = new Date().toISOString();
      const answer = await send(world, op.p, op.via, { method: 'DELETE', path, ...(op.force && { query: { force: 'true' } }) }, 'delete', { name: op.name, ...(op.force && { force: true }) });
      // A forced delete ends a pending deletion too; a scheduled one needs a secret not deleted yet.
      if (!(op.force ? own : live)) return notFound(answer, op.name);
      expect(succeeded(answer) ?? null).toBeNull();
      if (answer.via === 'http') expect(answer.status).toBe(204);
      if (op.force) {
        model.delete(op.name);
        return;
      }
      // When it was deleted and until when it can be restored: as the list of deleted secrets shows.
      const listed = await send(world, op.p, 'http', { method: 'GET', path: '/secrets', query: { deleted: 'only', prefix: op.name } }, 'list', {});
      const item = (succeeded(listed)!.items as Record<string, string>[]).find((i) => i.name === op.name);
      expect(item, `${profile}'s deleted ${op.name} listed`).toBeDefined();
      const { deletedAt, purgesAt } = item!;
      expect(deletedAt! >= before && deletedAt! <= new Date().toISOString(), `deletedAt ${deletedAt} is when it was deleted`).toBe(true);
      expect(Date.parse(purgesAt!) - Date.parse(deletedAt!)).toBe(RECOVERY_MS);
      live!.deleted = { deletedAt: deletedAt!, purgesAt: purgesAt! };
      return;
    }
    case 'restore': {
      const answer = await send(world, op.p, op.via, { method: 'POST', path: `${path}/restore` }, 'restore', { name: op.name });
      if (!own) return notFound(answer, op.name);
      // Brought back as it was: revision, values, history and sharing; a live one answered as it is.
      own.deleted = null;
      expectSecret(answer, expectedSecret(world, op.p, op.name, own), 200);
      return;
    }
  }
}

/** Runs the sequence, checking after each op everything the model says of that name, for every profile. */
async function runSequence(ops: Op[]) {
  stats.sequences += 1;
  const prefix = `hist${stats.sequences}-${Date.now().toString(36)}-`;
  const world: World = {
    profiles: PROFILE_SUFFIXES.map((s) => prefix + s),
    accounts: ACCOUNT_SUFFIXES.map((s) => prefix + s),
    models: PROFILE_SUFFIXES.map(() => new Map()),
  };
  for (const op of ops) {
    await run(world, op);
    await Promise.all([checkFully(world, op.p, op.name), checkLists(world, op.p), ...world.profiles.flatMap((_, q) => (q === op.p ? [] : [checkView(world, q, op.name)]))]);
  }
  // Finally every name, as every profile sees it.
  for (const p of world.profiles.keys()) {
    for (const name of NAMES) await checkFully(world, p, name);
    await checkLists(world, p);
  }
  // And in the table: exactly the earlier versions the model holds, each with its token; nothing
  // left of a secret deleted at once, or of a version destroyed.
  const raw = (await harness.store.scanAll()).filter((item) => world.profiles.some((profile) => item.pk === profilePartition(profile)));
  for (const [p, profile] of world.profiles.entries()) {
    for (const name of NAMES) {
      const s = world.models[p]!.get(name);
      const held = s ? Array.from({ length: current(s) - 1 }, (_, i) => i + 1).filter((v) => isHeld(s, v)) : [];
      const items = raw.filter((item) => item.pk === profilePartition(profile) && String(item.sk).startsWith(versionSortPrefix(name)));
      expect(items.map((item) => item.sk).sort(), `${profile}'s version items of ${name}`).toEqual(held.map((v) => versionKey(profile, name, v).sk));
      for (const item of items) expect(typeof item.token === 'string' && typeof item.binding === 'string').toBe(true);
      expect(raw.some((item) => item.pk === profilePartition(profile) && item.sk === secretKey(profile, name).sk), `${profile}'s ${name} in the table`).toBe(s !== undefined);
    }
  }
}

describe('value history and recoverable deletes', () => {
  it('loses no value a user could still ask for, and shows none to anyone else, whatever the sequence', async () => {
    // Most ops of a sequence aim at one profile's secret, so that its history grows, is deleted and
    // restored; the others meet it from the other profiles, or meet their own.
    const focused = fc.tuple(fc.nat(PROFILE_SUFFIXES.length - 1), fc.constantFrom(...NAMES), fc.array(fc.tuple(opArb, fc.nat(9)), { minLength: 4, maxLength: 14 }));
    const creates = fc.array(opArb.filter((o) => o.kind === 'create'), { maxLength: 3 });
    const sequence = fc.tuple(focused, creates).map(([[p, name, ops], others]): Op[] => [
      { kind: 'create', p, name, shared: true, via: 'http' },
      ...others,
      ...ops.map(([op, aim]) => (aim < 6 ? { ...op, p, name } : aim < 8 ? { ...op, name } : op)),
    ]);
    await fc.assert(
      fc.asyncProperty(sequence, (ops) => runSequence(ops)),
      { ...fcParams(SEQUENCES + 1), examples: [[EVERY_SITUATION]] },
    );
    summary.push(`history: ${stats.sequences} sequences, ${stats.ops} ops, ${stats.calls} calls, every value held answered exactly, nothing of another profile's`);
    summary.push(`history: situations met: ${Object.entries(outcomes).sort().map(([k, n]) => `${k}:${n}`).join(' ')}`);
    for (const met of [
      'create:deleted', 'create:onlyElsewhere', 'setValue:live', 'setValue:deleted', 'setValue:onlyElsewhere',
      'rollback:live:held', 'rollback:live:current', 'rollback:live:destroyed', 'rollback:live:future', 'rollback:deleted', 'rollback:onlyElsewhere',
      'delete:live', 'delete:deleted', 'delete:onlyElsewhere', 'deleteForced:live', 'deleteForced:deleted', 'deleteForced:onlyElsewhere',
      'restore:deleted', 'restore:live', 'restore:onlyElsewhere', 'restore:absent',
    ]) {
      expect(outcomes[met] ?? 0, met).toBeGreaterThan(0);
    }
  }, timeoutFor(SEQUENCES + 1, 30_000));

  it('leaves no plaintext in the table or the logs', async () => {
    const seen = await expectNoPlaintext(harness);
    summary.push(`history: no plaintext in ${seen.items} raw items or ${seen.logLines} log lines`);
  });
});
