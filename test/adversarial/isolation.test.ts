// Issue #6, part 2: tenant isolation as a property. Random interleavings of create, get
// (by name over HTTP and by id by direct invocation), list, update, expire and delete by
// several profiles whose secret names collide. Each profile has a model of its own secrets
// only, and every answer it gets must be exactly what that model predicts, whatever the
// others did: nothing reveals another profile's secret, its existence or its metadata.
// Ops of different profiles run concurrently. A list cursor presented by another profile is a 400.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponse } from '../support/http.js';
import { useHandlers } from '../support/harness.js';
import { RUNS, expectNoPlaintext, expectProblem, fcParams, marker, timeoutFor } from './support.js';

const harness = useHandlers({ env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' }, captureLogs: true });
const { call, direct, summary } = harness;
let notFoundHeaders: string[];

beforeAll(async () => {
  // The headers of an answer about a name nobody ever had: every 404 must look the same.
  notFoundHeaders = Object.keys((await call({ method: 'GET', path: '/secrets/neverCreated', profile: 'nobody' })).headers).sort();
});

// ---------------------------------------------------------------------------------------
// The model: one profile's own secrets, nothing else.

interface ModelSecret {
  id: string;
  value: string;
  description: string;
  tags: string[];
  revision: number;
  expired: boolean;
  expiresAt: 'none' | 'future' | 'past';
  accessed: boolean;
}
type Model = Map<string, ModelSecret>;

const NAMES = ['apiKey', 'apiKeyOld', 'dbPassword'];
const TAGS = ['prod', 'dev'];
// Three profiles; the third is built to look like another profile's key if keys were concatenated.
const PROFILE_SUFFIXES = ['alice', 'bob', 'alice#SECRET#apiKey'];

type Op =
  | { kind: 'create'; p: number; name: string; tag: string | null; expiring: boolean }
  | { kind: 'get'; p: number; name: string }
  | { kind: 'getById'; p: number; owner: number; name: string }
  | { kind: 'list'; p: number; limit: number; tag: string | null; expired: 'exclude' | 'include' | 'only'; prefix: string | null }
  | { kind: 'update'; p: number; name: string; change: 'description' | 'value' | 'tags' | 'clearExpiry' }
  | { kind: 'expire'; p: number; name: string }
  | { kind: 'delete'; p: number; name: string }
  | { kind: 'stealCursor'; p: number; thief: number };

const p = fc.nat(PROFILE_SUFFIXES.length - 1);
const name = fc.constantFrom(...NAMES);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('create' as const), p, name, tag: fc.option(fc.constantFrom(...TAGS)), expiring: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('get' as const), p, name }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('getById' as const), p, owner: p, name }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('list' as const),
      p,
      limit: fc.integer({ min: 1, max: 3 }),
      tag: fc.option(fc.constantFrom(...TAGS)),
      expired: fc.constantFrom('exclude' as const, 'include' as const, 'only' as const),
      prefix: fc.option(fc.constantFrom('api', 'db', 'apiKeyO')),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('update' as const), p, name, change: fc.constantFrom('description' as const, 'value' as const, 'tags' as const, 'clearExpiry' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('expire' as const), p, name }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), p, name }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stealCursor' as const), p, thief: p }).filter((o) => o.p !== o.thief) },
);

/**
 * A hand-written interleaving run before the random ones, so that every way another profile's
 * secret could show through is met in every run, whatever the seed.
 */
const list = (pi: number, expired: 'exclude' | 'include' | 'only', limit = 3): Op => ({ kind: 'list', p: pi, limit, tag: null, expired, prefix: null });
const EVERY_SITUATION: Op[] = [
  { kind: 'create', p: 0, name: 'apiKey', tag: 'prod', expiring: true },
  { kind: 'create', p: 1, name: 'apiKey', tag: 'prod', expiring: false },
  { kind: 'create', p: 1, name: 'dbPassword', tag: null, expiring: false },
  { kind: 'get', p: 2, name: 'apiKey' },
  { kind: 'getById', p: 2, owner: 0, name: 'apiKey' },
  { kind: 'getById', p: 0, owner: 0, name: 'apiKey' },
  { kind: 'update', p: 2, name: 'dbPassword', change: 'value' },
  { kind: 'expire', p: 2, name: 'apiKey' },
  { kind: 'delete', p: 2, name: 'dbPassword' },
  list(2, 'include'),
  { kind: 'expire', p: 0, name: 'apiKey' },
  { kind: 'get', p: 0, name: 'apiKey' },
  { kind: 'update', p: 0, name: 'apiKey', change: 'description' },
  { kind: 'getById', p: 0, owner: 0, name: 'apiKey' },
  { kind: 'getById', p: 1, owner: 0, name: 'apiKey' },
  { kind: 'expire', p: 0, name: 'apiKey' },
  list(0, 'only'),
  list(1, 'exclude', 1),
  { kind: 'stealCursor', p: 1, thief: 0 },
  { kind: 'create', p: 0, name: 'apiKey', tag: null, expiring: false },
  { kind: 'delete', p: 0, name: 'apiKey' },
  { kind: 'get', p: 1, name: 'apiKey' },
  { kind: 'update', p: 1, name: 'apiKey', change: 'clearExpiry' },
  { kind: 'list', p: 1, limit: 1, tag: 'prod', expired: 'include', prefix: 'api' },
];

const problemOf = (code: 'SecretNotFound' | 'SecretExpired' | 'SecretAlreadyExists', reference: string) =>
  ({
    SecretNotFound: { type: 'about:blank', title: 'Secret not found', status: 404, code, detail: `No secret named '${reference}'.` },
    SecretExpired: { type: 'about:blank', title: 'Secret expired', status: 410, code, detail: `The secret '${reference}' has expired.` },
    SecretAlreadyExists: { type: 'about:blank', title: 'Secret already exists', status: 409, code, detail: `A secret named '${reference}' already exists.` },
  })[code];

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** What this profile's model says the public view of `name` is. */
function expectedSecret(model: Model, secretName: string) {
  const s = model.get(secretName)!;
  return {
    id: s.id,
    name: secretName,
    description: s.description,
    version: '1.0.0',
    annotations: {},
    tags: s.tags,
    createdAt: expect.stringMatching(TIMESTAMP),
    updatedAt: expect.stringMatching(TIMESTAMP),
    lastAccessed: s.accessed ? expect.stringMatching(TIMESTAMP) : null,
    expiresAt: s.expiresAt === 'none' ? null : expect.stringMatching(TIMESTAMP),
    expired: s.expired,
    revision: s.revision,
  };
}

function expectMissing(response: HttpResponse, code: 'SecretNotFound' | 'SecretExpired' | 'SecretAlreadyExists', reference: string) {
  expectProblem(response);
  expect(JSON.parse(response.body!)).toEqual(problemOf(code, reference));
  if (code === 'SecretNotFound') expect(Object.keys(response.headers).sort()).toEqual(notFoundHeaders);
}

interface World {
  profiles: string[];
  models: Model[];
  /** Every id any profile ever created in this run, by owner. */
  ids: Map<string, number>;
  counts: Record<string, number>;
  /** How often each op met each situation: the generator must reach the interesting ones. */
  outcomes: Record<string, number>;
}

async function listAll(profile: string, query: Record<string, string>, limit: number) {
  const items: Array<Record<string, unknown>> = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const response = await call({ method: 'GET', path: '/secrets', profile, query: { ...query, limit: String(limit), ...(cursor && { cursor }) } });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.body).not.toContain('"value"');
    const page = JSON.parse(response.body!) as { items: Array<Record<string, unknown>>; nextCursor: string | null };
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages += 1;
    expect(pages).toBeLessThan(20);
  } while (cursor !== null);
  return items;
}

function visible(model: Model, op: Extract<Op, { kind: 'list' }>): string[] {
  return [...model.entries()]
    .filter(([, s]) => (op.expired === 'include' ? true : op.expired === 'only' ? s.expired : !s.expired))
    .filter(([n, s]) => (op.tag === null || s.tags.includes(op.tag)) && (op.prefix === null || n.startsWith(op.prefix)))
    .map(([n]) => n)
    .sort();
}

async function run(world: World, op: Op): Promise<void> {
  world.counts[op.kind] = (world.counts[op.kind] ?? 0) + 1;
  const outcome = (label: string) => {
    world.outcomes[`${op.kind}:${label}`] = (world.outcomes[`${op.kind}:${label}`] ?? 0) + 1;
  };
  const profile = world.profiles[op.p]!;
  const model = world.models[op.p]!;
  switch (op.kind) {
    case 'create': {
      const value = marker('iso');
      const body = {
        name: op.name,
        value,
        ...(op.tag && { tags: [op.tag] }),
        ...(op.expiring && { expiresAt: new Date(Date.now() + 3_600_000).toISOString() }),
      };
      const response = await call({ method: 'POST', path: '/secrets', profile, body });
      outcome(model.has(op.name) ? 'exists' : othersHave(world, op.p, op.name) ? 'takenElsewhere' : 'new');
      if (model.has(op.name)) return expectMissing(response, 'SecretAlreadyExists', op.name);
      expect(response.statusCode, response.body).toBe(201);
      const secret = JSON.parse(response.body!) as { id: string };
      expect(world.ids.has(secret.id)).toBe(false);
      world.ids.set(secret.id, op.p);
      model.set(op.name, { id: secret.id, value, description: '', tags: op.tag ? [op.tag] : [], revision: 1, expired: false, expiresAt: op.expiring ? 'future' : 'none', accessed: false });
      expect(secret).toEqual(expectedSecret(model, op.name));
      return;
    }
    case 'get': {
      const response = await call({ method: 'GET', path: `/secrets/${op.name}`, profile });
      const own = model.get(op.name);
      outcome(own ? (own.expired ? 'expired' : 'live') : othersHave(world, op.p, op.name) ? 'onlyElsewhere' : 'absent');
      if (!own) return expectMissing(response, 'SecretNotFound', op.name);
      if (own.expired) return expectMissing(response, 'SecretExpired', op.name);
      expect(response.statusCode, response.body).toBe(200);
      own.accessed = true;
      expect(JSON.parse(response.body!)).toEqual({ ...expectedSecret(model, op.name), value: own.value });
      return;
    }
    case 'getById': {
      // The id of the owner's secret of that name, if any; else a well-formed id nobody has.
      const target = world.models[op.owner]!.get(op.name)?.id ?? '01ARZ3NDEKTSV4RRFFQ69G5FAV';
      const result = await direct('get', { userProfileId: profile, id: target }).then(
        (secret) => ({ secret: secret as Record<string, unknown> }),
        (error: Error) => ({ error }),
      );
      const own = [...model.entries()].find(([, s]) => s.id === target);
      outcome(own ? 'own' : world.ids.has(target) ? 'foreign' : 'unknown');
      if (!own) {
        expect('error' in result && { name: result.error.name, message: result.error.message }).toEqual({
          name: 'SecretNotFound',
          message: `No secret named '${target}'.`,
        });
        return;
      }
      const [ownName, secret] = own;
      if (secret.expired) {
        expect('error' in result && result.error.name).toBe('SecretExpired');
        return;
      }
      secret.accessed = true;
      expect('secret' in result && result.secret).toEqual({ ...expectedSecret(model, ownName), value: secret.value });
      return;
    }
    case 'list': {
      const query = { expired: op.expired, ...(op.tag && { tag: op.tag }), ...(op.prefix && { prefix: op.prefix }) };
      const items = await listAll(profile, query, op.limit);
      outcome(othersHave(world, op.p) ? 'othersHaveSecrets' : 'alone');
      expect(items).toEqual(visible(model, op).map((n) => expectedSecret(model, n)));
      return;
    }
    case 'update': {
      const own = model.get(op.name);
      const value = marker('iso');
      const body = {
        description: { description: `changed by ${op.p}` },
        value: { value },
        tags: { tags: ['dev'] },
        clearExpiry: { expiresAt: null },
      }[op.change];
      const response = await call({ method: 'PATCH', path: `/secrets/${op.name}`, profile, body });
      outcome(own ? (own.expired ? 'expired' : 'live') : othersHave(world, op.p, op.name) ? 'onlyElsewhere' : 'absent');
      if (!own) return expectMissing(response, 'SecretNotFound', op.name);
      if (own.expired) return expectMissing(response, 'SecretExpired', op.name);
      expect(response.statusCode, response.body).toBe(200);
      own.revision += 1;
      if (op.change === 'description') own.description = `changed by ${op.p}`;
      if (op.change === 'value') own.value = value;
      if (op.change === 'tags') own.tags = ['dev'];
      if (op.change === 'clearExpiry') own.expiresAt = 'none';
      expect(JSON.parse(response.body!)).toEqual(expectedSecret(model, op.name));
      expect(response.headers.ETag).toBe(`"${own.revision}"`);
      return;
    }
    case 'expire': {
      const own = model.get(op.name);
      const response = await call({ method: 'POST', path: `/secrets/${op.name}/expire`, profile });
      outcome(own ? (own.expired ? 'expired' : 'live') : othersHave(world, op.p, op.name) ? 'onlyElsewhere' : 'absent');
      if (!own) return expectMissing(response, 'SecretNotFound', op.name);
      if (own.expired) return expectMissing(response, 'SecretExpired', op.name);
      expect(response.statusCode, response.body).toBe(200);
      own.revision += 1;
      own.expired = true;
      own.expiresAt = 'past';
      expect(JSON.parse(response.body!)).toEqual(expectedSecret(model, op.name));
      return;
    }
    case 'delete': {
      const response = await call({ method: 'DELETE', path: `/secrets/${op.name}`, profile });
      outcome(model.has(op.name) ? 'present' : othersHave(world, op.p, op.name) ? 'onlyElsewhere' : 'absent');
      if (!model.has(op.name)) return expectMissing(response, 'SecretNotFound', op.name);
      expect(response.statusCode, response.body).toBe(204);
      model.delete(op.name);
      return;
    }
    case 'stealCursor': {
      // Two secrets at least, so that a first page of one has a next page.
      for (const n of NAMES) {
        if (model.size >= 2) break;
        if (!model.has(n)) await run(world, { kind: 'create', p: op.p, name: n, tag: null, expiring: false });
      }
      const query = { expired: 'include', limit: '1' };
      const first = await call({ method: 'GET', path: '/secrets', profile, query });
      const page = JSON.parse(first.body!) as { items: unknown[]; nextCursor: string | null };
      expect(page.items).toEqual(visible(model, { kind: 'list', p: op.p, limit: 1, tag: null, expired: 'include', prefix: null }).slice(0, 1).map((n) => expectedSecret(model, n)));
      expect(page.nextCursor).toEqual(expect.any(String));
      world.counts.cursorsStolen = (world.counts.cursorsStolen ?? 0) + 1;
      const thief = world.profiles[op.thief]!;
      const stolen = await call({ method: 'GET', path: '/secrets', profile: thief, query: { ...query, cursor: page.nextCursor! } });
      const problem = expectProblem(stolen, 400);
      expect(problem.errors).toEqual([{ path: 'cursor', message: 'is not a cursor this list issued' }]);
      // The same cursor still works for the profile that received it.
      const next = await call({ method: 'GET', path: '/secrets', profile, query: { ...query, cursor: page.nextCursor! } });
      expect(next.statusCode).toBe(200);
      return;
    }
  }
}

/** Whether another profile holds `name` (or any secret) right now. */
const othersHave = (world: World, self: number, secretName?: string) =>
  world.models.some((m, i) => i !== self && (secretName === undefined ? m.size > 0 : m.has(secretName)));

/** Groups consecutive ops of distinct profiles into rounds that run concurrently. */
function rounds(ops: Op[]): Op[][] {
  const result: Op[][] = [];
  let current: Op[] = [];
  let busy = new Set<number>();
  for (const op of ops) {
    const touches = op.kind === 'stealCursor' ? [op.p, op.thief] : op.kind === 'getById' ? [op.p, op.owner] : [op.p];
    if (touches.some((t) => busy.has(t))) {
      result.push(current);
      current = [];
      busy = new Set();
    }
    current.push(op);
    for (const t of touches) busy.add(t);
  }
  if (current.length > 0) result.push(current);
  return result;
}

describe('tenant isolation', () => {
  it('answers each profile exactly as its own model predicts, whatever the others do', async () => {
    const runs = Math.max(5, Math.round(RUNS / 10));
    const totals: Record<string, number> = {};
    const outcomes: Record<string, number> = {};
    let sequences = 0;
    // A few creates first, so that later ops mostly meet secrets that exist somewhere.
    const creates = fc.array(opArb.filter((o) => o.kind === 'create'), { minLength: 2, maxLength: 6 });
    const sequence = fc.tuple(creates, fc.array(opArb, { minLength: 5, maxLength: 25 })).map(([a, b]) => [...a, ...b]);
    await fc.assert(
      fc.asyncProperty(sequence, async (ops) => {
        sequences += 1;
        const prefix = `iso${sequences}-${Date.now().toString(36)}-`;
        const world: World = {
          profiles: PROFILE_SUFFIXES.map((s) => prefix + s),
          models: PROFILE_SUFFIXES.map(() => new Map()),
          ids: new Map(),
          counts: totals,
          outcomes,
        };
        for (const round of rounds(ops)) await Promise.all(round.map((op) => run(world, op)));
        // Finally each profile sees exactly its own secrets, with its own values.
        for (const [i, profile] of world.profiles.entries()) {
          const items = await listAll(profile, { expired: 'include' }, 100);
          expect(items.map((s) => s.id)).toEqual(visible(world.models[i]!, { kind: 'list', p: i, limit: 100, tag: null, expired: 'include', prefix: null }).map((n) => world.models[i]!.get(n)!.id));
        }
      }),
      { ...fcParams(runs), examples: [[EVERY_SITUATION]] },
    );
    const ops = Object.entries(totals).filter(([k]) => k !== 'cursorsStolen').reduce((n, [, c]) => n + c, 0);
    summary.push(`isolation: ${sequences} sequences, ${ops} ops (${Object.entries(totals).map(([k, n]) => `${k}:${n}`).join(' ')}), 0 cross-profile leaks`);
    summary.push(`isolation: situations met: ${Object.entries(outcomes).sort().map(([k, n]) => `${k}:${n}`).join(' ')}`);
    // Each way another profile's secret could show through was actually tried.
    for (const situation of ['create:takenElsewhere', 'get:onlyElsewhere', 'get:expired', 'getById:foreign', 'update:onlyElsewhere', 'update:expired', 'expire:onlyElsewhere', 'delete:onlyElsewhere', 'list:othersHaveSecrets']) {
      expect(outcomes[situation] ?? 0, situation).toBeGreaterThan(0);
    }
    expect(totals.cursorsStolen ?? 0).toBeGreaterThan(0);
  }, timeoutFor(Math.max(5, Math.round(RUNS / 10)), 10_000));

  it('leaves no plaintext in the table or the logs', async () => {
    const seen = await expectNoPlaintext(harness.store, harness.logs);
    summary.push(`isolation: no plaintext in ${seen.items} raw items or ${seen.logLines} log lines`);
  });
});
