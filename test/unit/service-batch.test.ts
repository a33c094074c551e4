// The batch jobs of SecretService on the memory store: the sweep (destroys due ciphertext within a
// time budget, safe to repeat) and key rotation (re-encrypts under the primary key, never loses a token).
import { beforeEach, describe, expect, it } from 'vitest';
import { keyFingerprint, Sealer } from '../../lib/crypto/sealer.js';
import type { SecretItem } from '../../lib/domain/secret.js';
import { SWEEP_CONCURRENCY } from '../../lib/secrets/service.js';
import { expiryShard } from '../../lib/store/table.js';
import { CLOCK_START, iso, memoryService, UNIT_KEYS } from '../support/memory-store.js';

const HOUR = 3_600_000;
let h: ReturnType<typeof memoryService>;
beforeEach(() => {
  h = memoryService();
});

const create = (name: string, expiresAt?: string, profile = 'alice') =>
  h.service.create(profile, { name, value: `value-of-${name}`, ...(expiresAt && { expiresAt }) });
const plenty = () => 60_000;
const sweep = (dryRun = false, timeLeft = plenty) => h.service.sweep({ dryRun, timeLeft, reserveMs: 1_000, retentionDays: 7 });
/** Names of the secrets whose ciphertext a sweep destroyed. */
const swept = () => h.store.namesWhere((item) => item.sweptAt !== undefined);

describe('sweep', () => {
  beforeEach(async () => {
    await create('dueA', iso(HOUR));
    await create('dueB', iso(HOUR), 'bob');
    await create('notYet', iso(HOUR + 1));
    await create('forever');
    h.clock.ms = CLOCK_START + HOUR;
  });

  it('in a dry run counts what is due at or before now and changes nothing', async () => {
    const before = ['dueA', 'notYet', 'forever'].map((name) => h.store.peek({ profileId: 'alice', name }));
    expect(await sweep(true)).toEqual({ examined: 2, expired: 2, more: false });
    expect(['dueA', 'notYet', 'forever'].map((name) => h.store.peek({ profileId: 'alice', name }))).toEqual(before);
    expect(h.store.calls.sweep).toBe(0);
  });

  it('destroys the ciphertext of due secrets once each and leaves a tombstone', async () => {
    expect(await sweep()).toEqual({ examined: 2, expired: 2, more: false });
    const tombstone = h.store.peek({ profileId: 'alice', name: 'dueA' })!;
    expect(['token', 'binding', 'expiryShard', 'expiryDue'].filter((a) => a in tombstone)).toEqual([]);
    expect(tombstone).toMatchObject({ sweptAt: iso(HOUR), purgeAt: Math.floor((CLOCK_START + HOUR) / 1000) + 7 * 86_400, revision: 1 });
    expect(h.store.peek({ profileId: 'alice', name: 'notYet' })!.token).toEqual(expect.any(String));
    expect(swept()).toEqual(['dueA', 'dueB']);
    // Repeating finds nothing; the metadata stays listed as expired.
    expect(await sweep()).toEqual({ examined: 0, expired: 0, more: false });
    expect(h.store.calls.sweep).toBe(2);
    expect((await h.service.list('alice', { expired: 'only' })).items).toMatchObject([{ name: 'dueA', expired: true }]);
    await expect(h.service.get('alice', { name: 'dueA' })).rejects.toMatchObject({ name: 'SecretExpired' });
    h.clock.ms += 1;
    expect(await sweep()).toEqual({ examined: 1, expired: 1, more: false });
  });

  it('counts only what it swept itself when two runs meet the same due secrets', async () => {
    const [a, b] = await Promise.all([sweep(), sweep()]);
    expect(a.examined + b.examined).toBeGreaterThan(2);
    expect(a.expired + b.expired).toBe(2);
    expect(swept()).toEqual(['dueA', 'dueB']);
  });

  it('stops with more: true when the time left drops under the reserve, and resumes without double counting', async () => {
    const batch = Array.from({ length: 10 }, (_, i) => `batch${i}`);
    for (const name of batch) await create(name, iso(HOUR + 1), 'carol');
    h.clock.ms += 1;
    expect(await sweep(false, () => 999)).toEqual({ examined: 0, expired: 0, more: true });
    expect(h.store.calls.dueInShard).toBe(0);
    let expired = 0;
    let runs = 0;
    let report;
    do {
      // A budget that lets each run take a few steps.
      let checks = 0;
      report = await sweep(false, () => (checks++ < 4 ? 60_000 : 0));
      expired += report.expired;
      runs += 1;
    } while (report.more && runs < 20);
    expect(runs).toBeGreaterThan(2);
    expect(expired).toBe(13);
    expect(swept()).toEqual([...batch, 'dueA', 'dueB', 'notYet'].sort());
    expect(await sweep()).toEqual({ examined: 0, expired: 0, more: false });
  });

  it('reads a shard page after page when more are due than one page holds', async () => {
    const shard = expiryShard('dave', 'k0');
    const names = Array.from({ length: 3_000 }, (_, i) => `k${i}`).filter((name) => expiryShard('dave', name) === shard).slice(0, 130);
    expect(names).toHaveLength(130);
    for (const name of names) await create(name, iso(HOUR + 10), 'dave');
    h.clock.ms += 10;
    expect(await sweep(true)).toEqual({ examined: 133, expired: 133, more: false });
    expect(await sweep()).toEqual({ examined: 133, expired: 133, more: false });
    expect(await sweep()).toEqual({ examined: 0, expired: 0, more: false });
  });
});

describe('rotate', () => {
  const rotate = (service = h.serviceWith(new Sealer([UNIT_KEYS.new, UNIT_KEYS.old])), timeLeft = plenty) => {
    const failures: SecretItem[] = [];
    return service.rotate({ timeLeft, reserveMs: 1_000, onFailure: (item) => failures.push(item) }).then((report) => ({ report, failures }));
  };
  const token = (name: string, profileId = 'alice') => h.store.peek({ profileId, name })?.token;
  /** The report's keys: the new key (primary), then the old one, with the tokens under each. */
  const keys = (underNew: number, underOld: number) => [
    { fingerprint: keyFingerprint(UNIT_KEYS.new), tokens: underNew },
    { fingerprint: keyFingerprint(UNIT_KEYS.old), tokens: underOld },
  ];

  it('re-encrypts tokens under an older key, skips those under the primary and swept ones', async () => {
    const withBoth = h.serviceWith(new Sealer([UNIT_KEYS.new, UNIT_KEYS.old]));
    await create('oldA');
    await create('oldB', undefined, 'bob');
    await withBoth.create('alice', { name: 'fresh', value: 'value-of-fresh' });
    await create('gone', iso(HOUR));
    h.clock.ms += HOUR;
    await sweep();
    const before = { oldA: token('oldA'), fresh: token('fresh') };
    const { report, failures } = await rotate(withBoth);
    expect(report).toEqual({ examined: 3, rotated: 2, failed: 0, more: false, keys: keys(3, 0) });
    expect(failures).toEqual([]);
    expect(token('oldA')).not.toBe(before.oldA);
    expect(token('fresh')).toBe(before.fresh);
    expect(h.store.calls.replaceToken).toBe(2);
    // The old key can go: every value still reads under the new key alone.
    const newOnly = h.serviceWith(new Sealer([UNIT_KEYS.new]));
    for (const [profile, name] of [['alice', 'oldA'], ['bob', 'oldB'], ['alice', 'fresh']] as const) {
      expect((await newOnly.get(profile, { name })).value).toBe(`value-of-${name}`);
    }
    expect((await rotate(withBoth)).report).toEqual({ examined: 3, rotated: 0, failed: 0, more: false, keys: keys(3, 0) });
  });

  it('counts and reports tokens it cannot decrypt, leaves them in place and goes on', async () => {
    for (const name of ['good', 'moved', 'alien', 'mangled']) await create(name);
    const moved = h.store.peek({ profileId: 'alice', name: 'good' })!;
    h.store.tamper({ profileId: 'alice', name: 'moved' }, { token: moved.token, binding: moved.binding });
    h.store.tamper({ profileId: 'alice', name: 'alien' }, new Sealer([UNIT_KEYS.stranger]).seal({ profileId: 'alice', name: 'alien' }, 'x'));
    h.store.tamper({ profileId: 'alice', name: 'mangled' }, { token: 42 });
    const before = ['moved', 'alien', 'mangled'].map((name) => token(name));
    const { report, failures } = await rotate();
    // 'moved' still carries the old key's MAC; the stranger's and the mangled token carry none listed.
    expect(report).toEqual({ examined: 4, rotated: 1, failed: 3, more: false, keys: keys(1, 1) });
    expect(failures.map((item) => item.name).sort()).toEqual(['alien', 'mangled', 'moved']);
    expect(['moved', 'alien', 'mangled'].map((name) => token(name))).toEqual(before);
    expect(h.store.calls.replaceToken).toBe(1);
  });

  it('works page by page within the time budget; a rerun finishes the job', async () => {
    for (let i = 0; i < 150; i += 1) await create(`s${i}`);
    expect(await rotate(undefined, () => 999)).toMatchObject({ report: { examined: 0, rotated: 0, more: true } });
    expect(h.store.calls.sealedSecretsPage).toBe(0);
    let checks = 0;
    expect((await rotate(undefined, () => (checks++ < 1 ? 60_000 : 0))).report).toEqual({ examined: 100, rotated: 100, failed: 0, more: true, keys: keys(100, 0) });
    expect((await rotate()).report).toEqual({ examined: 150, rotated: 50, failed: 0, more: false, keys: keys(150, 0) });
  });

  it('changes nothing and answers more until the key change has settled on every instance', async () => {
    await create('waiting');
    const before = token('waiting');
    const settlesAt = h.clock.ms + 60_000;
    const waiting = h.serviceWith(new Sealer([UNIT_KEYS.new, UNIT_KEYS.old]), { settlesAt });
    const { report } = await rotate(waiting);
    expect(report).toEqual({
      examined: 0,
      rotated: 0,
      failed: 0,
      more: true,
      settlesAt: new Date(settlesAt).toISOString(),
      keys: [
        { fingerprint: keyFingerprint(UNIT_KEYS.new), tokens: null },
        { fingerprint: keyFingerprint(UNIT_KEYS.old), tokens: null },
      ],
    });
    expect(h.store.calls.sealedSecretsPage).toBe(0);
    expect(token('waiting')).toBe(before);
    h.clock.ms = settlesAt;
    expect((await rotate(waiting)).report).toMatchObject({ examined: 1, rotated: 1, more: false, keys: keys(1, 0) });
  });

  it('counts a token under the primary that is bound to another secret as failed', async () => {
    const primaryOnly = h.serviceWith(new Sealer([UNIT_KEYS.new, UNIT_KEYS.old]));
    await primaryOnly.create('alice', { name: 'source', value: 'value-of-source' });
    await create('target');
    const source = h.store.peek({ profileId: 'alice', name: 'source' })!;
    h.store.tamper({ profileId: 'alice', name: 'target' }, { token: source.token, binding: source.binding });
    const { report, failures } = await rotate(primaryOnly);
    expect(report).toEqual({ examined: 2, rotated: 0, failed: 1, more: false, keys: keys(2, 0) });
    expect(failures.map((item) => item.name)).toEqual(['target']);
  });

  it('does not overwrite a token changed after it was read', async () => {
    await create('busy');
    const store = h.store;
    const read = store.sealedSecretsPage.bind(store);
    store.sealedSecretsPage = async (...args) => {
      const page = await read(...args);
      await h.service.update('alice', 'busy', { value: 'written-meanwhile' });
      return page;
    };
    expect((await rotate()).report).toMatchObject({ examined: 1, rotated: 0, failed: 0 });
    expect((await h.service.get('alice', { name: 'busy' })).value).toBe('written-meanwhile');
  });

  it('counts a damaged row as failed and goes on: a token or binding that is not a string, a row named by something else', async () => {
    const primaryOnly = h.serviceWith(new Sealer([UNIT_KEYS.new, UNIT_KEYS.old]));
    for (const name of ['noToken', 'badBinding', 'badProfile', 'badName', 'fine']) await create(name);
    h.store.tamper({ profileId: 'alice', name: 'noToken' }, { token: 42 });
    h.store.tamper({ profileId: 'alice', name: 'badBinding' }, { binding: ['b'] });
    h.store.tamper({ profileId: 'alice', name: 'badProfile' }, { profileId: 7 });
    h.store.tamper({ profileId: 'alice', name: 'badName' }, { name: { n: 1 } });
    const { report, failures } = await rotate(primaryOnly);
    expect(report).toMatchObject({ examined: 5, rotated: 1, failed: 4, more: false });
    expect(failures).toHaveLength(4);
    // The primary's count holds the rotated token only; the damaged rows' tokens under the old key count there.
    expect(report.keys.map((k) => k.tokens)).toEqual([1, 2]);
  });
});

describe('the time budget', () => {
  it('is spent only below the reserve: exactly the reserve left still works', async () => {
    await create('due', iso(HOUR));
    await create('live');
    h.clock.ms = CLOCK_START + HOUR;
    expect(await h.service.sweep({ dryRun: false, timeLeft: () => 1_000, reserveMs: 1_000, retentionDays: 7 })).toEqual({ examined: 1, expired: 1, more: false });
    const rotated = await h.serviceWith(new Sealer([UNIT_KEYS.new, UNIT_KEYS.old])).rotate({ timeLeft: () => 1_000, reserveMs: 1_000, onFailure: () => {} });
    expect(rotated).toMatchObject({ examined: 1, rotated: 1, more: false });
  });

  it('stops a sweep whose write fails, with no further writes, and fails the run', async () => {
    for (let i = 0; i < 40; i++) await create(`due${i}`, iso(HOUR));
    h.clock.ms = CLOCK_START + HOUR;
    let writes = 0;
    h.store.sweep = async () => {
      writes += 1;
      throw new Error('database down');
    };
    await expect(h.service.sweep({ dryRun: false, timeLeft: () => 60_000, reserveMs: 1_000, retentionDays: 7 })).rejects.toThrow('database down');
    // One write per worker at most (SWEEP_CONCURRENCY): after the first failure no worker starts another.
    expect(writes).toBeLessThanOrEqual(SWEEP_CONCURRENCY);
  });
});
