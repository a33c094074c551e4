// Tenant isolation as a property: each profile's answers are exactly what its own model predicts.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponse } from '../support/http.js';
import { useHandlers } from '../support/harness.js';
import {
  ACCOUNT_SUFFIXES,
  EVERY_SITUATION,
  LOOK_ALIKES,
  NAMES,
  PROFILE_SUFFIXES,
  expectedSecret,
  opArb,
  othersHave,
  problemOf,
  rounds,
  sharers,
  visible,
  visibleInAccount,
  type Op,
  type World,
} from './isolation-model.js';
import { RUNS, expectNoPlaintext, expectProblem, fcParams, marker, timeoutFor } from './support.js';

// Random interleavings of create, get (by name over HTTP and by id by direct invocation), list,
// update, expire and delete by several profiles whose secret names collide. Each profile has a
// model of its own secrets only, and every answer it gets must be exactly what that model
// predicts, whatever the others did: nothing reveals another profile's secret, its existence or
// its metadata. Ops of different profiles run concurrently. A list cursor presented by another
// profile is a 400. Accounts too: five profiles in three accounts (one a look-alike of another),
// secrets shared and unshared at random; a read by name or owner, and a list of the account, show
// exactly what the model says the caller's account shares, never another account's, and two
// sharers of one name are a 409 naming exactly them.

const harness = useHandlers({ env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' }, captureLogs: true, auditStream: true });
const { call, direct, summary } = harness;
let notFoundHeaders: string[];

beforeAll(async () => {
  // The headers of an answer about a name nobody ever had: every 404 must look the same.
  notFoundHeaders = Object.keys((await call({ method: 'GET', path: '/secrets/neverCreated', profile: 'nobody' })).headers).sort();
});

function expectMissing(response: HttpResponse, code: 'SecretNotFound' | 'SecretExpired' | 'SecretAlreadyExists', reference: string) {
  expectProblem(response);
  expect(JSON.parse(response.body!)).toEqual(problemOf(code, reference));
  if (code === 'SecretNotFound') expect(Object.keys(response.headers).sort()).toEqual(notFoundHeaders);
}

/** A profile's token: its profile and its account. */
const caller = (world: World, p: number) => ({ profile: world.profiles[p]!, claims: { account: world.accounts[p]! } });

async function listAll(who: { profile: string; claims?: Record<string, string> }, query: Record<string, string>, limit: number) {
  const items: Array<Record<string, unknown>> = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const response = await call({ method: 'GET', path: '/secrets', ...who, query: { ...query, limit: String(limit), ...(cursor && { cursor }) } });
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

async function run(world: World, op: Op): Promise<void> {
  world.counts[op.kind] = (world.counts[op.kind] ?? 0) + 1;
  const outcome = (label: string) => {
    world.outcomes[`${op.kind}:${label}`] = (world.outcomes[`${op.kind}:${label}`] ?? 0) + 1;
  };
  const profile = world.profiles[op.p]!;
  const who = caller(world, op.p);
  const model = world.models[op.p]!;
  switch (op.kind) {
    case 'create': {
      const value = marker('iso');
      const body = {
        name: op.name,
        value,
        ...(op.tag && { tags: [op.tag] }),
        ...(op.expiring && { expiresAt: new Date(Date.now() + 3_600_000).toISOString() }),
        ...(op.shared && { visibility: 'account' }),
      };
      const response = await call({ method: 'POST', path: '/secrets', ...who, body });
      outcome(model.has(op.name) ? 'exists' : othersHave(world, op.p, op.name) ? 'takenElsewhere' : 'new');
      if (model.has(op.name)) return expectMissing(response, 'SecretAlreadyExists', op.name);
      expect(response.statusCode, response.body).toBe(201);
      const secret = JSON.parse(response.body!) as { id: string };
      expect(world.ids.has(secret.id)).toBe(false);
      world.ids.set(secret.id, op.p);
      model.set(op.name, {
        id: secret.id, value, description: '', tags: op.tag ? [op.tag] : [], revision: 1, expired: false,
        expiresAt: op.expiring ? 'future' : 'none', accessed: false, visibility: op.shared ? 'account' : 'private', valueVersion: 1,
      });
      expect(secret).toEqual(expectedSecret(model, op.name, profile));
      return;
    }
    case 'get': {
      const owner = op.owner === undefined ? undefined : world.profiles[op.owner]!;
      const response = await call({ method: 'GET', path: `/secrets/${op.name}`, ...who, ...(owner && { query: { owner } }) });
      // Whose secret the answer must be: the caller's own, else the one its account shares under
      // that name (live ones first); several is a 409 naming them; with `owner`, that one's if shared.
      const ownerP = op.owner ?? op.p;
      let readFrom: number | undefined;
      if (world.models[ownerP]!.has(op.name) && (ownerP === op.p || (world.accounts[ownerP] === world.accounts[op.p] && world.models[ownerP]!.get(op.name)!.visibility === 'account'))) {
        readFrom = ownerP;
      } else if (op.owner === undefined) {
        const shared = sharers(world, op.p, op.name);
        const live = shared.filter((i) => !world.models[i]!.get(op.name)!.expired);
        const candidates = live.length > 0 ? live : shared;
        if (candidates.length > 1) {
          outcome('ambiguous');
          const problem = expectProblem(response, 409);
          expect(problem).toMatchObject({ code: 'AmbiguousSecretName', owners: candidates.map((i) => world.profiles[i]) });
          return;
        }
        readFrom = candidates[0];
      }
      const label = readFrom === undefined ? (othersHave(world, op.p, op.name) ? 'onlyElsewhere' : 'absent') : readFrom === op.p ? 'own' : 'sharedInAccount';
      outcome(op.owner === undefined || readFrom !== undefined ? label : `${label}WithOwner`);
      if (readFrom === undefined) return expectMissing(response, 'SecretNotFound', op.name);
      const secret = world.models[readFrom]!.get(op.name)!;
      if (secret.expired) return expectMissing(response, 'SecretExpired', op.name);
      expect(response.statusCode, response.body).toBe(200);
      secret.accessed = true;
      expect(JSON.parse(response.body!)).toEqual({ ...expectedSecret(world.models[readFrom]!, op.name, world.profiles[readFrom]!), value: secret.value });
      return;
    }
    case 'share': {
      const own = model.get(op.name);
      const response = await call({ method: 'PATCH', path: `/secrets/${op.name}`, ...who, body: { visibility: op.visibility } });
      outcome(own ? (own.expired ? 'expired' : op.visibility) : 'absent');
      if (!own) return expectMissing(response, 'SecretNotFound', op.name);
      if (own.expired) return expectMissing(response, 'SecretExpired', op.name);
      expect(response.statusCode, response.body).toBe(200);
      own.revision += 1;
      own.visibility = op.visibility;
      expect(JSON.parse(response.body!)).toEqual(expectedSecret(model, op.name, profile));
      return;
    }
    case 'getById': {
      // The id of the owner's secret of that name, if any; else a well-formed id nobody has.
      const target = world.models[op.owner]!.get(op.name)?.id ?? '01ARZ3NDEKTSV4RRFFQ69G5FAV';
      const result = await direct('get', { userProfileId: profile, accountId: world.accounts[op.p], id: target }).then(
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
      expect('secret' in result && result.secret).toEqual({ ...expectedSecret(model, ownName, profile), value: secret.value });
      return;
    }
    case 'list': {
      const query = { expired: op.expired, ...(op.tag && { tag: op.tag }), ...(op.prefix && { prefix: op.prefix }), ...(op.scope === 'account' && { scope: 'account' }) };
      const items = await listAll(who, query, op.limit);
      if (op.scope === 'account') {
        outcome(othersHave(world, op.p) ? 'accountOthersHaveSecrets' : 'accountAlone');
        expect(items).toEqual(visibleInAccount(world, op.p, op).map(({ owner, name: n }) => expectedSecret(world.models[owner]!, n, world.profiles[owner]!)));
        return;
      }
      outcome(othersHave(world, op.p) ? 'othersHaveSecrets' : 'alone');
      expect(items).toEqual(visible(model, op).map((n) => expectedSecret(model, n, profile)));
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
      const response = await call({ method: 'PATCH', path: `/secrets/${op.name}`, ...who, body });
      outcome(own ? (own.expired ? 'expired' : 'live') : othersHave(world, op.p, op.name) ? 'onlyElsewhere' : 'absent');
      if (!own) return expectMissing(response, 'SecretNotFound', op.name);
      if (own.expired) return expectMissing(response, 'SecretExpired', op.name);
      expect(response.statusCode, response.body).toBe(200);
      own.revision += 1;
      if (op.change === 'description') own.description = `changed by ${op.p}`;
      if (op.change === 'value') {
        own.value = value;
        own.valueVersion += 1;
      }
      if (op.change === 'tags') own.tags = ['dev'];
      if (op.change === 'clearExpiry') own.expiresAt = 'none';
      expect(JSON.parse(response.body!)).toEqual(expectedSecret(model, op.name, profile));
      expect(response.headers.ETag).toBe(`"${own.revision}"`);
      return;
    }
    case 'expire': {
      const own = model.get(op.name);
      const response = await call({ method: 'POST', path: `/secrets/${op.name}/expire`, ...who });
      outcome(own ? (own.expired ? 'expired' : 'live') : othersHave(world, op.p, op.name) ? 'onlyElsewhere' : 'absent');
      if (!own) return expectMissing(response, 'SecretNotFound', op.name);
      if (own.expired) return expectMissing(response, 'SecretExpired', op.name);
      expect(response.statusCode, response.body).toBe(200);
      own.revision += 1;
      own.expired = true;
      own.expiresAt = 'past';
      expect(JSON.parse(response.body!)).toEqual(expectedSecret(model, op.name, profile));
      return;
    }
    case 'delete': {
      // Forced, so the name is free again at once (scheduled deletes: test/adversarial/history.test.ts).
      const response = await call({ method: 'DELETE', path: `/secrets/${op.name}`, query: { force: 'true' }, ...who });
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
      const first = await call({ method: 'GET', path: '/secrets', ...who, query });
      const page = JSON.parse(first.body!) as { items: unknown[]; nextCursor: string | null };
      expect(page.items).toEqual(visible(model, { kind: 'list', p: op.p, limit: 1, tag: null, expired: 'include', prefix: null }).slice(0, 1).map((n) => expectedSecret(model, n, profile)));
      expect(page.nextCursor).toEqual(expect.any(String));
      world.counts.cursorsStolen = (world.counts.cursorsStolen ?? 0) + 1;
      const stolen = await call({ method: 'GET', path: '/secrets', ...caller(world, op.thief), query: { ...query, cursor: page.nextCursor! } });
      const problem = expectProblem(stolen, 400);
      expect(problem.errors).toEqual([{ path: 'cursor', message: 'is not a cursor this list issued' }]);
      // The same cursor still works for the profile that received it.
      const next = await call({ method: 'GET', path: '/secrets', ...who, query: { ...query, cursor: page.nextCursor! } });
      expect(next.statusCode).toBe(200);
      return;
    }
    case 'impostor': {
      // A look-alike of this profile's id, or of its account's: refused before anything is read or
      // written (the final listings of every profile and account show that nothing reached them).
      const [label, disguise] = LOOK_ALIKES[op.variant]!;
      const account = world.accounts[op.p]!;
      const disguised = op.disguised ?? 'profile';
      const id = disguise(disguised === 'profile' ? profile : account);
      expect(id).not.toBe(disguised === 'profile' ? profile : account);
      outcome(disguised === 'profile' ? label : `account:${label}`);
      const name = NAMES[0]!;
      if (op.via === 'http') {
        const request = {
          create: { method: 'POST', path: '/secrets', body: { name, value: marker('iso'), visibility: 'account' } },
          get: { method: 'GET', path: `/secrets/${name}` },
          list: { method: 'GET', path: '/secrets', query: { expired: 'include', scope: 'account' } },
          delete: { method: 'DELETE', path: `/secrets/${name}` },
        }[op.action];
        const token = disguised === 'profile' ? { profile: id, claims: { account } } : { profile, claims: { account: id } };
        const problem = expectProblem(await call({ ...request, ...token }), 401);
        expect(problem.code).toBe('Unauthorized');
        expect((problem.errors as { path: string }[]).map((e) => e.path)).toEqual([disguised === 'profile' ? 'token.sub' : 'token.account']);
      } else {
        const identity = disguised === 'profile' ? { userProfileId: id, accountId: account } : { userProfileId: profile, accountId: id };
        const payload = { ...identity, ...(op.action === 'create' ? { name, value: marker('iso') } : op.action === 'list' ? {} : { name }) };
        const error = (await direct(op.action, payload).then(() => null, (e: unknown) => e)) as { name: string; errors: { path: string }[] } | null;
        expect(error?.name).toBe('ValidationError');
        expect(error!.errors.map((e) => e.path)).toEqual([disguised === 'profile' ? 'userProfileId' : 'accountId']);
      }
      return;
    }
  }
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
          accounts: ACCOUNT_SUFFIXES.map((s) => prefix + s),
          models: PROFILE_SUFFIXES.map(() => new Map()),
          ids: new Map(),
          counts: totals,
          outcomes,
        };
        for (const round of rounds(ops)) await Promise.all(round.map((op) => run(world, op)));
        // Finally each profile sees exactly its own secrets, and its account exactly what its members share.
        for (const i of world.profiles.keys()) {
          const all = { kind: 'list', p: i, limit: 100, tag: null, expired: 'include', prefix: null } as const;
          const items = await listAll(caller(world, i), { expired: 'include' }, 100);
          expect(items.map((s) => s.id)).toEqual(visible(world.models[i]!, all).map((n) => world.models[i]!.get(n)!.id));
          const shared = await listAll(caller(world, i), { expired: 'include', scope: 'account' }, 100);
          expect(shared.map((s) => s.id)).toEqual(visibleInAccount(world, i, all).map(({ owner, name: n }) => world.models[owner]!.get(n)!.id));
        }
      }),
      { ...fcParams(runs), examples: [[EVERY_SITUATION]] },
    );
    const ops = Object.entries(totals).filter(([k]) => k !== 'cursorsStolen').reduce((n, [, c]) => n + c, 0);
    summary.push(`isolation: ${sequences} sequences, ${ops} ops (${Object.entries(totals).map(([k, n]) => `${k}:${n}`).join(' ')}), 0 cross-profile leaks`);
    summary.push(`isolation: situations met: ${Object.entries(outcomes).sort().map(([k, n]) => `${k}:${n}`).join(' ')}`);
    // Each way another profile's secret could show through was actually tried.
    for (const situation of [
      'create:takenElsewhere', 'get:onlyElsewhere', 'get:sharedInAccount', 'get:ambiguous', 'get:onlyElsewhereWithOwner', 'getById:foreign',
      'update:onlyElsewhere', 'update:expired', 'expire:onlyElsewhere', 'delete:onlyElsewhere', 'list:othersHaveSecrets', 'list:accountOthersHaveSecrets',
      'share:private', 'share:account',
    ]) {
      expect(outcomes[situation] ?? 0, situation).toBeGreaterThan(0);
    }
    expect(totals.cursorsStolen ?? 0).toBeGreaterThan(0);
    for (const [label] of LOOK_ALIKES) expect(outcomes[`impostor:${label}`] ?? 0, label).toBeGreaterThan(0);
    expect(Object.keys(outcomes).filter((k) => k.startsWith('impostor:account:')).length).toBeGreaterThan(1);
  }, timeoutFor(Math.max(5, Math.round(RUNS / 10)), 10_000));

  it('leaves no plaintext in the table or the logs', async () => {
    const seen = await expectNoPlaintext(harness);
    summary.push(`isolation: no plaintext in ${seen.items} raw items or ${seen.logLines} log lines`);
  });
});
