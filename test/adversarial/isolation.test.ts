// Tenant isolation as a property: each profile's answers are exactly what its own model predicts.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpResponse } from '../support/http.js';
import { useHandlers } from '../support/harness.js';
import {
  EVERY_SITUATION,
  LOOK_ALIKES,
  NAMES,
  PROFILE_SUFFIXES,
  expectedSecret,
  opArb,
  othersHave,
  problemOf,
  rounds,
  visible,
  type Op,
  type World,
} from './isolation-model.js';
import { RUNS, expectNoPlaintext, expectProblem, fcParams, marker, timeoutFor } from './support.js';

// Random interleavings of create, get (by name over HTTP and by id by direct invocation), list,
// update, expire and delete by several profiles whose secret names collide. Each profile has a
// model of its own secrets only, and every answer it gets must be exactly what that model
// predicts, whatever the others did: nothing reveals another profile's secret, its existence or
// its metadata. Ops of different profiles run concurrently. A list cursor presented by another
// profile is a 400.

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
    case 'impostor': {
      // A look-alike of this profile's id: refused before anything is read or written (the final
      // listing of every profile shows that nothing reached its secrets).
      const [label, disguise] = LOOK_ALIKES[op.variant]!;
      const id = disguise(profile);
      expect(id).not.toBe(profile);
      outcome(label);
      const name = NAMES[0]!;
      if (op.via === 'http') {
        const request = {
          create: { method: 'POST', path: '/secrets', body: { name, value: marker('iso') } },
          get: { method: 'GET', path: `/secrets/${name}` },
          list: { method: 'GET', path: '/secrets', query: { expired: 'include' } },
          delete: { method: 'DELETE', path: `/secrets/${name}` },
        }[op.action];
        const problem = expectProblem(await call({ ...request, profile: id }), 401);
        expect(problem.code).toBe('Unauthorized');
        expect((problem.errors as { path: string }[]).map((e) => e.path)).toEqual(['token.sub']);
      } else {
        const payload = { userProfileId: id, ...(op.action === 'create' ? { name, value: marker('iso') } : op.action === 'list' ? {} : { name }) };
        const error = (await direct(op.action, payload).then(() => null, (e: unknown) => e)) as { name: string; errors: { path: string }[] } | null;
        expect(error?.name).toBe('ValidationError');
        expect(error!.errors.map((e) => e.path)).toEqual(['userProfileId']);
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
    for (const [label] of LOOK_ALIKES) expect(outcomes[`impostor:${label}`] ?? 0, label).toBeGreaterThan(0);
  }, timeoutFor(Math.max(5, Math.round(RUNS / 10)), 10_000));

  it('leaves no plaintext in the table or the logs', async () => {
    const seen = await expectNoPlaintext(harness);
    summary.push(`isolation: no plaintext in ${seen.items} raw items or ${seen.logLines} log lines`);
  });
});
