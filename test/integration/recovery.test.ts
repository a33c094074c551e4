// The recovery window with the clock moved (a fake Date): a deleted secret is restored up to the
// last millisecond before purgesAt and not from then on; the sweep after the window removes it with
// every version item; RECOVERY_DAYS=0 deletes at once; an expired secret's sweep destroys every
// version's ciphertext, and so does a deleted secret's pending expiry once it is restored; the name
// is held while deleted and force frees it; rotation re-encrypts every version item. Events are
// read from the publisher's log lines, the table's stream feeding it as in AWS.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpCaller, loadHandlers, type Handler, type Operation } from '../support/handlers.js';
import { json, lambdaContext, type HttpRequest, type HttpResponse } from '../support/http.js';
import { useHandlers } from '../support/harness.js';
import { TEST_KEYS } from '../support/store.js';
import { profilePartition, secretKey, versionSortPrefix } from '../../lib/store/table.js';

const harness = useHandlers({ env: { POWERTOOLS_LOG_LEVEL: 'INFO', RETENTION_DAYS: '7' }, captureLogs: true, auditStream: true });
const { call, direct } = harness;

const DAY = 86_400_000;
const RECOVERY = 7 * DAY;

afterEach(() => vi.useRealTimers());

/** Moves the clock the functions read (Date only: timers, and so the stream's poller, run as usual). */
function clockAt(ms: number) {
  vi.useRealTimers();
  vi.useFakeTimers({ now: ms, toFake: ['Date'] });
}

type Call = (request: HttpRequest) => Promise<HttpResponse>;

/** A secret with `values.length` versions, each value in turn. */
async function withVersions(profile: string, name: string, values: string[], extra: Record<string, unknown> = {}, send: Call = call) {
  const created = await send({ method: 'POST', path: '/secrets', profile, body: { name, value: values[0], ...extra } });
  expect(created.statusCode, created.body).toBe(201);
  for (const value of values.slice(1)) {
    const changed = await send({ method: 'PATCH', path: `/secrets/${name}`, profile, body: { value } });
    expect(changed.statusCode, changed.body).toBe(200);
  }
}

const values = (name: string, count: number) => Array.from({ length: count }, (_, i) => `recovery-plaintext-${name}-v${i + 1}`);

/** The deleted secret as the list of deleted ones shows it. */
async function deletedEntry(profile: string, name: string): Promise<{ deletedAt: string; purgesAt: string }> {
  const listed = json(await call({ method: 'GET', path: '/secrets', profile, query: { deleted: 'only', prefix: name } }));
  const entry = listed.items.find((s: { name: string }) => s.name === name);
  expect(entry, `${profile}'s ${name} listed as deleted`).toBeDefined();
  return entry;
}

/** Every raw item of the secret: the secret's own and its version items. */
async function rawItems(profile: string, name: string) {
  const items = await harness.store.scanAll();
  const mine = items.filter((i) => i.pk === profilePartition(profile));
  return {
    secret: mine.find((i) => i.sk === secretKey(profile, name).sk),
    versions: mine.filter((i) => String(i.sk).startsWith(versionSortPrefix(name))),
  };
}

const expectNotFound = (response: HttpResponse, name: string) => {
  expect(response.statusCode, response.body).toBe(404);
  expect(json(response)).toMatchObject({ code: 'SecretNotFound', detail: `No secret named '${name}'.` });
};

const sweep = async () => (await direct('sweep', {})) as { examined: number; expired: number; more: boolean };

/** The audit events published for the secret, in order, reads left out. */
async function events(profile: string, name: string): Promise<string[] | undefined> {
  if (!harness.audited) {
    console.log('recovery: the store has no stream (dynalite): events not checked');
    return undefined;
  }
  await harness.drainAudit();
  return harness.logs
    .lines()
    .filter((line) => line.includes('"message":"audit event"'))
    .map((line) => JSON.parse(line) as { event: string; profileId: string; name: string })
    .filter((e) => e.profileId === profile && e.name === name && e.event !== 'secret.accessed')
    .map((e) => e.event);
}

async function expectEvents(profile: string, name: string, expected: string[]) {
  const seen = await events(profile, name);
  if (seen !== undefined) expect(seen).toEqual(expected);
}

describe('the recovery window (RECOVERY_DAYS 7 by default)', () => {
  it('restores a deleted secret up to the last millisecond before purgesAt, with its value and its whole history', async () => {
    const [profile, name] = ['wendy', 'windowKey'];
    const written = values(name, 3);
    await withVersions(profile, name, written);
    expect((await call({ method: 'DELETE', path: `/secrets/${name}`, profile })).statusCode).toBe(204);
    const { deletedAt, purgesAt } = await deletedEntry(profile, name);
    expect(Date.parse(purgesAt) - Date.parse(deletedAt)).toBe(RECOVERY);

    clockAt(Date.parse(purgesAt) - 1);
    // Not due yet: the sweep leaves it, with its versions.
    await sweep();
    const held = await rawItems(profile, name);
    expect(typeof held.secret?.token).toBe('string');
    expect(held.versions).toHaveLength(2);
    expectNotFound(await call({ method: 'GET', path: `/secrets/${name}`, profile }), name);

    const restored = await call({ method: 'POST', path: `/secrets/${name}/restore`, profile });
    expect(restored.statusCode, restored.body).toBe(200);
    expect(json(restored)).toMatchObject({ name, valueVersion: 3, revision: 3, deletedAt: null, purgesAt: null, expired: false });
    for (const [i, value] of written.entries()) {
      const read = await call({ method: 'GET', path: `/secrets/${name}`, profile, query: { version: String(i + 1) } });
      expect(json(read)).toMatchObject({ value, valueVersion: i + 1 });
    }
    expect(json(await call({ method: 'GET', path: `/secrets/${name}`, profile })).value).toBe(written[2]);
    const versions = json(await call({ method: 'GET', path: `/secrets/${name}/versions`, profile })).items;
    expect(versions.map((v: { version: number; destroyed: boolean; current: boolean }) => [v.version, v.current, v.destroyed])).toEqual([
      [3, true, false],
      [2, false, false],
      [1, false, false],
    ]);
    await expectEvents(profile, name, ['secret.created', 'secret.edited', 'secret.edited', 'secret.deleted', 'secret.restored']);
  });

  it('refuses a restore at purgesAt and after; the sweep then removes the secret and every version item, and frees the name', async () => {
    const [profile, name] = ['petra', 'purgedKey'];
    await withVersions(profile, name, values(name, 4));
    expect((await call({ method: 'DELETE', path: `/secrets/${name}`, profile })).statusCode).toBe(204);
    const { purgesAt } = await deletedEntry(profile, name);

    for (const at of [Date.parse(purgesAt), Date.parse(purgesAt) + 3_600_000]) {
      clockAt(at);
      expectNotFound(await call({ method: 'POST', path: `/secrets/${name}/restore`, profile }), name);
      await expect(direct('restore', { userProfileId: profile, name })).rejects.toMatchObject({ name: 'SecretNotFound' });
      expectNotFound(await call({ method: 'GET', path: `/secrets/${name}/versions`, profile }), name);
      expectNotFound(await call({ method: 'GET', path: `/secrets/${name}`, profile, query: { version: '1' } }), name);
    }
    expect((await rawItems(profile, name)).versions).toHaveLength(3);

    const report = await sweep();
    expect(report.expired).toBeGreaterThanOrEqual(1);
    expect(report.more).toBe(false);
    const left = await rawItems(profile, name);
    expect(left.secret).toBeUndefined();
    expect(left.versions).toEqual([]);
    expect(JSON.stringify(await harness.store.scanAll())).not.toContain(`recovery-plaintext-${name}`);
    expectNotFound(await call({ method: 'POST', path: `/secrets/${name}/restore`, profile }), name);
    expect(json(await call({ method: 'GET', path: '/secrets', profile, query: { deleted: 'include' } })).items).toEqual([]);

    // The name is free, and the new secret's history starts again.
    const again = await call({ method: 'POST', path: '/secrets', profile, body: { name, value: 'recovery-plaintext-again' } });
    expect(again.statusCode, again.body).toBe(201);
    expect(json(again)).toMatchObject({ valueVersion: 1, revision: 1 });
    expect(json(await call({ method: 'GET', path: `/secrets/${name}/versions`, profile })).items).toEqual([
      { version: 1, createdAt: json(again).createdAt, current: true, destroyed: false },
    ]);
    const earlier = await call({ method: 'GET', path: `/secrets/${name}`, profile, query: { version: '2' } });
    expect(earlier.statusCode).toBe(404);
    expect(json(earlier).code).toBe('VersionNotFound');
    await expectEvents(profile, name, ['secret.created', 'secret.edited', 'secret.edited', 'secret.edited', 'secret.deleted', 'secret.purged', 'secret.created']);
  });

  it('holds the name while deleted (409 naming purgesAt), and force=true frees it at once with every version', async () => {
    const [profile, name] = ['hana', 'heldKey'];
    await withVersions(profile, name, values(name, 3));
    expect((await call({ method: 'DELETE', path: `/secrets/${name}`, profile })).statusCode).toBe(204);
    const { purgesAt } = await deletedEntry(profile, name);
    const detail = `A secret named '${name}' is deleted and keeps its name until ${purgesAt}: restore it, or delete it with force=true.`;

    // Days later, still within the window: still held, over HTTP, directly and by apply.
    clockAt(Date.parse(purgesAt) - DAY);
    const taken = await call({ method: 'POST', path: '/secrets', profile, body: { name, value: 'recovery-plaintext-newcomer' } });
    expect(taken.statusCode).toBe(409);
    expect(json(taken)).toMatchObject({ code: 'SecretAlreadyExists', detail });
    await expect(direct('create', { userProfileId: profile, name, value: 'recovery-plaintext-newcomer' })).rejects.toMatchObject({ name: 'SecretAlreadyExists', message: detail });
    expect(taken.body).not.toContain('recovery-plaintext');

    expect((await call({ method: 'DELETE', path: `/secrets/${name}`, profile, query: { force: 'true' } })).statusCode).toBe(204);
    const left = await rawItems(profile, name);
    expect(left.secret).toBeUndefined();
    expect(left.versions).toEqual([]);
    expectNotFound(await call({ method: 'POST', path: `/secrets/${name}/restore`, profile }), name);
    const fresh = await call({ method: 'POST', path: '/secrets', profile, body: { name, value: 'recovery-plaintext-newcomer' } });
    expect(fresh.statusCode, fresh.body).toBe(201);
    expect(json(await call({ method: 'GET', path: `/secrets/${name}/versions`, profile })).items.map((v: { version: number }) => v.version)).toEqual([1]);
    expect(json(await call({ method: 'GET', path: `/secrets/${name}`, profile })).value).toBe('recovery-plaintext-newcomer');
  });

  it('with RECOVERY_DAYS=0 deletes at once, with every version', async () => {
    const [profile, name] = ['zoe', 'zeroKey'];
    process.env.RECOVERY_DAYS = '0';
    vi.resetModules();
    const handlers = await loadHandlers().finally(() => delete process.env.RECOVERY_DAYS);
    const send = httpCaller(handlers);
    await withVersions(profile, name, values(name, 3), {}, send);
    expect((await rawItems(profile, name)).versions).toHaveLength(2);

    expect((await send({ method: 'DELETE', path: `/secrets/${name}`, profile })).statusCode).toBe(204);
    const left = await rawItems(profile, name);
    expect(left.secret).toBeUndefined();
    expect(left.versions).toEqual([]);
    expectNotFound(await send({ method: 'POST', path: `/secrets/${name}/restore`, profile }), name);
    expect(json(await send({ method: 'GET', path: '/secrets', profile, query: { deleted: 'only' } })).items).toEqual([]);
    const again = await send({ method: 'POST', path: '/secrets', profile, body: { name, value: 'recovery-plaintext-zero-again' } });
    expect(again.statusCode, again.body).toBe(201);
    expect(json(await send({ method: 'GET', path: `/secrets/${name}/versions`, profile })).items.map((v: { version: number }) => v.version)).toEqual([1]);
    await expectEvents(profile, name, ['secret.created', 'secret.edited', 'secret.edited', 'secret.deleted', 'secret.created']);
  });
});

describe('expiry and the history', () => {
  /** After the sweep, an expired secret holds no value of any version: none in the table, every one listed destroyed, every get 410. */
  async function expectAllDestroyed(profile: string, name: string, versions: number) {
    const raw = await rawItems(profile, name);
    expect(raw.secret).toBeDefined();
    expect(raw.secret!.token).toBeUndefined();
    expect(raw.secret!.binding).toBeUndefined();
    expect(raw.versions).toEqual([]);
    expect(JSON.stringify(await harness.store.scanAll())).not.toContain(`recovery-plaintext-${name}-`);
    const listed = json(await call({ method: 'GET', path: `/secrets/${name}/versions`, profile })).items;
    expect(listed).toEqual(Array.from({ length: versions }, (_, i) => ({ version: versions - i, createdAt: null, current: i === 0, destroyed: true })));
    for (let v = 1; v <= versions; v += 1) {
      const read = await call({ method: 'GET', path: `/secrets/${name}`, profile, query: { version: String(v) } });
      expect(read.statusCode).toBe(410);
      expect(json(read)).toMatchObject({ code: 'SecretExpired' });
      expect(read.body).not.toContain('recovery-plaintext');
    }
  }

  it("the sweep of a secret that expired with time destroys the ciphertext of every version", async () => {
    const [profile, name] = ['ella', 'expiringKey'];
    const now = Date.now();
    await withVersions(profile, name, values(name, 4), { expiresAt: new Date(now + 3_600_000).toISOString() });

    clockAt(now + 2 * 3_600_000);
    // Expired at once for reads, every version alike; the values are still in the table until the sweep.
    const before = await call({ method: 'GET', path: `/secrets/${name}`, profile, query: { version: '2' } });
    expect(before.statusCode).toBe(410);
    expect(json(before).code).toBe('SecretExpired');
    expect((await rawItems(profile, name)).versions).toHaveLength(3);

    await sweep();
    await expectAllDestroyed(profile, name, 4);
    await expectEvents(profile, name, ['secret.created', 'secret.edited', 'secret.edited', 'secret.edited', 'secret.expired']);
  });

  it('a secret deleted with its expiry pending, then restored, still expires and is swept', async () => {
    const profile = 'dora';
    const now = Date.now();
    const expiresAt = new Date(now + DAY).toISOString();
    // One restored after its expiry passed while it was deleted, one restored before it.
    const [late, early] = ['lateRestore', 'earlyRestore'];
    for (const name of [late, early]) {
      await withVersions(profile, name, values(name, 2), { expiresAt });
      expect((await call({ method: 'DELETE', path: `/secrets/${name}`, profile })).statusCode).toBe(204);
    }

    clockAt(now + DAY / 2);
    expect(json(await call({ method: 'POST', path: `/secrets/${early}/restore`, profile }))).toMatchObject({ expired: false, expiresAt, deletedAt: null });

    clockAt(now + DAY + 3_600_000);
    // While deleted, past its expiry: the sweep leaves it (its window has not passed), values and versions.
    await sweep();
    expect(typeof (await rawItems(profile, late)).secret?.token).toBe('string');
    expect((await rawItems(profile, late)).versions).toHaveLength(1);
    const restored = await call({ method: 'POST', path: `/secrets/${late}/restore`, profile });
    expect(restored.statusCode, restored.body).toBe(200);
    expect(json(restored)).toMatchObject({ expired: true, expiresAt, deletedAt: null, purgesAt: null });
    for (const name of [late, early]) {
      const read = await call({ method: 'GET', path: `/secrets/${name}`, profile });
      expect(read.statusCode).toBe(410);
      expect(json(read).code).toBe('SecretExpired');
    }

    await sweep();
    for (const name of [late, early]) await expectAllDestroyed(profile, name, 2);
    for (const name of [late, early]) {
      await expectEvents(profile, name, ['secret.created', 'secret.edited', 'secret.deleted', 'secret.restored', 'secret.expired']);
    }
  });
});

describe('rotation across versions', () => {
  it('re-encrypts every version item under the new key, each reading back its exact value', async () => {
    const [oldKey, newKey] = TEST_KEYS as [string, string];
    expect(harness.store.keys).toEqual([oldKey]);
    const profile = 'rosa';
    const long = values('longHistory', 12);
    const short = values('shortHistory', 3);
    await withVersions(profile, 'longHistory', long);
    await withVersions(profile, 'shortHistory', short);
    const tokensBefore = new Map((await harness.store.scanAll()).filter((i) => i.pk === profilePartition(profile)).map((i) => [`${String(i.sk)}`, i.token]));
    // 11 earlier versions of the long one, 10 kept in all: 9 version items; 2 of the short one; and the two secrets.
    expect([...tokensBefore.keys()].filter((sk) => sk.startsWith('VERSION#'))).toHaveLength(11);
    expect(tokensBefore.size).toBe(13);

    const load = async (keys: string[]): Promise<Record<Operation, Handler>> => {
      const saved = process.env.FERNET_KEYS;
      process.env.FERNET_KEYS = keys.join(',');
      vi.resetModules();
      try {
        return await loadHandlers();
      } finally {
        process.env.FERNET_KEYS = saved;
      }
    };
    const withBoth = await load([newKey, oldKey]);
    let rotated = 0;
    let report: { rotated: number; failed: number; more: boolean };
    do {
      report = (await withBoth.rotate({}, lambdaContext())) as typeof report;
      rotated += report.rotated;
      expect(report.failed).toBe(0);
    } while (report.more);
    expect(rotated).toBeGreaterThanOrEqual(tokensBefore.size);
    for (const item of (await harness.store.scanAll()).filter((i) => i.pk === profilePartition(profile))) {
      expect(typeof item.token, String(item.sk)).toBe('string');
      expect(item.token, `${String(item.sk)} re-encrypted`).not.toBe(tokensBefore.get(String(item.sk)));
    }

    // The old key removed: every version held reads back exactly, over HTTP and directly; the pruned ones are destroyed.
    const newOnly = await load([newKey]);
    const send = httpCaller(newOnly);
    for (const [name, written] of [['longHistory', long], ['shortHistory', short]] as const) {
      const oldest = Math.max(1, written.length - 9);
      for (let v = 1; v <= written.length; v += 1) {
        const read = await send({ method: 'GET', path: `/secrets/${name}`, profile, query: { version: String(v) } });
        if (v < oldest) {
          expect(read.statusCode).toBe(410);
          expect(json(read).code).toBe('VersionDestroyed');
          continue;
        }
        expect(read.statusCode, read.body).toBe(200);
        expect(json(read)).toMatchObject({ value: written[v - 1], valueVersion: v });
        expect(await newOnly.get({ userProfileId: profile, name, version: v }, lambdaContext())).toMatchObject({ value: written[v - 1] });
      }
    }
    // A rollback to a rotated version makes it current again, sealed under the new key.
    const rolledBack = await send({ method: 'PATCH', path: '/secrets/longHistory', profile, body: { restoreVersion: 5 } });
    expect(rolledBack.statusCode, rolledBack.body).toBe(200);
    expect(json(await send({ method: 'GET', path: '/secrets/longHistory', profile }))).toMatchObject({ value: long[4], valueVersion: 13 });
    expect(json(await send({ method: 'GET', path: '/secrets/longHistory', profile, query: { version: '12' } })).value).toBe(long[11]);
  });
});
