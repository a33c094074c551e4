// SecretService through its dependency seam: an in-memory store with the repository's condition
// semantics, a real Sealer, a clock the test moves and deterministic ids. Audit events come from the
// table's stream, not the service: test/unit/audit-*.test.ts.
// No database, no handler: each test runs in milliseconds.
import { beforeEach, describe, expect, it } from 'vitest';
import { Sealer } from '../../lib/crypto/sealer.js';
import type { CreateInput } from '../../lib/domain/inputs.js';
import { expiryShard } from '../../lib/store/table.js';
import { CLOCK_START, iso, memoryService, UNIT_KEYS } from '../support/memory-store.js';

const HOUR = 3_600_000;
let h: ReturnType<typeof memoryService>;
beforeEach(() => {
  h = memoryService();
});

const alice = 'alice';
const create = (input: Partial<CreateInput> & { name: string }, profile = alice) =>
  h.service.create(profile, { value: `value-of-${input.name}`, ...input });
const rejection = (promise: Promise<unknown>) => promise.then(() => 'resolved', (e: Error) => e.name);

describe('create', () => {
  it('fills the defaults, starts at revision 1 and stores only the sealed value', async () => {
    const secret = await create({ name: 'apiKey', value: 'sk-plain-1' });
    expect(secret).toEqual({
      id: '01JD8Z7Q2M5K3V9X4T6B8N0001', name: 'apiKey', description: '', version: '1.0.0', annotations: {}, tags: [],
      createdAt: iso(0), updatedAt: iso(0), lastAccessed: null, expiresAt: null, expired: false, revision: 1, visibility: 'private', owner: 'alice', valueVersion: 1, deletedAt: null, purgesAt: null,
    });
    const stored = h.store.peek({ profileId: alice, name: 'apiKey' })!;
    expect(stored.token).toEqual(expect.any(String));
    expect(stored.binding).toEqual(expect.any(String));
    expect(JSON.stringify(stored)).not.toContain('sk-plain-1');
    // Bound to its row and its version: 1.
    expect(stored.valueVersion).toBe(1);
    expect(new Sealer([UNIT_KEYS.old]).open({ profileId: alice, name: 'apiKey', version: 1 }, stored as { token: string; binding: string })).toBe('sk-plain-1');
    expect(() => new Sealer([UNIT_KEYS.old]).open({ profileId: alice, name: 'apiKey' }, stored as { token: string; binding: string })).toThrow('not bound');
  });

  it('keeps given metadata', async () => {
    const secret = await create({ name: 'full', description: 'd', version: '2.1.0', annotations: { owner: 'me' }, tags: ['prod'] });
    expect(secret).toMatchObject({ description: 'd', version: '2.1.0', annotations: { owner: 'me' }, tags: ['prod'] });
  });

  it('refuses an expiresAt that is not in the future, down to the millisecond, and writes nothing', async () => {
    for (const expiresAt of [iso(0), iso(-1)]) {
      await expect(create({ name: 'late', expiresAt })).rejects.toMatchObject({
        name: 'ValidationError',
        errors: [{ path: 'expiresAt', message: 'must be in the future' }],
      });
    }
    expect(h.store.calls.create).toBe(0);
    expect(await create({ name: 'late', expiresAt: iso(1) })).toMatchObject({ expiresAt: iso(1), expired: false });
  });

  it('enters the expiry index only when the secret expires', async () => {
    await create({ name: 'forever' });
    await create({ name: 'shortLived', expiresAt: iso(HOUR) });
    const forever = h.store.peek({ profileId: alice, name: 'forever' })!;
    expect(['expiresAt', 'expiryShard', 'expiryDue'].filter((a) => a in forever)).toEqual([]);
    expect(h.store.peek({ profileId: alice, name: 'shortLived' })).toMatchObject({
      expiresAt: iso(HOUR), expiryDue: iso(HOUR), expiryShard: expiryShard(alice, 'shortLived'),
    });
  });

  it('answers SecretAlreadyExists for a name the profile has, not for another profile', async () => {
    await create({ name: 'dup' });
    expect(await rejection(create({ name: 'dup' }))).toBe('SecretAlreadyExists');
    expect((await create({ name: 'dup' }, 'bob')).revision).toBe(1);
  });
});

describe('get', () => {
  it('decrypts and records the access without a new revision', async () => {
    await create({ name: 'readMe', value: 'плейн-🔑' });
    h.clock.ms += 5_000;
    const secret = await h.service.get(alice, { name: 'readMe' });
    expect(secret).toMatchObject({ value: 'плейн-🔑', lastAccessed: iso(5_000), updatedAt: iso(0), revision: 1 });
    expect(h.store.peek({ profileId: alice, name: 'readMe' })!.lastAccessed).toBe(iso(5_000));
    expect(h.store.calls.recordAccess).toBe(1);
  });

  it('finds a secret by id only within its profile', async () => {
    const { id } = await create({ name: 'byId', value: 'by-id-value' });
    expect((await h.service.get(alice, { id })).value).toBe('by-id-value');
    expect(await rejection(h.service.get('bob', { id }))).toBe('SecretNotFound');
    expect(await rejection(h.service.get(alice, { id: '01JD8Z7Q2M5K3V9X4T6B8N9999' }))).toBe('SecretNotFound');
    expect(await rejection(h.service.get(alice, { name: 'absent' }))).toBe('SecretNotFound');
  });

  it('answers SecretExpired from exactly expiresAt, before any sweep, and records no access', async () => {
    await create({ name: 'shortLived', expiresAt: iso(HOUR) });
    h.clock.ms = CLOCK_START + HOUR - 1;
    expect((await h.service.get(alice, { name: 'shortLived' })).expired).toBe(false);
    h.clock.ms = CLOCK_START + HOUR;
    expect(await rejection(h.service.get(alice, { name: 'shortLived' }))).toBe('SecretExpired');
    expect(h.store.peek({ profileId: alice, name: 'shortLived' })!.lastAccessed).toBe(iso(HOUR - 1));
  });

  it('answers DecryptionFailed for a token bound to another secret or damaged, without the plaintext', async () => {
    await create({ name: 'loot', value: 'victim-plaintext' });
    await create({ name: 'loot', value: 'thief-plaintext' }, 'thief');
    const { token, binding } = h.store.peek({ profileId: alice, name: 'loot' })!;
    h.store.tamper({ profileId: 'thief', name: 'loot' }, { token, binding });
    const error = await h.service.get('thief', { name: 'loot' }).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'DecryptionFailed' });
    expect(JSON.stringify({ ...error, message: String(error) })).not.toContain('plaintext');
    h.store.tamper({ profileId: alice, name: 'loot' }, { token: 42 });
    expect(await rejection(h.service.get(alice, { name: 'loot' }))).toBe('DecryptionFailed');
  });
});

describe('update', () => {
  it('changes only the named fields, bumps the revision and keeps the token', async () => {
    await create({ name: 'patched', description: 'keep me', tags: ['a'], expiresAt: iso(HOUR) });
    const before = h.store.peek({ profileId: alice, name: 'patched' })!;
    h.clock.ms += 1_000;
    const secret = await h.service.update(alice, 'patched', { tags: ['b'] });
    expect(secret).toMatchObject({ description: 'keep me', tags: ['b'], version: '1.0.0', expiresAt: iso(HOUR), revision: 2 });
    expect(secret).toMatchObject({ createdAt: iso(0), updatedAt: iso(1_000) });
    expect(h.store.peek({ profileId: alice, name: 'patched' })).toEqual({ ...before, tags: ['b'], updatedAt: iso(1_000), revision: 2 });
  });

  it('re-seals a new value', async () => {
    await create({ name: 'rotated', value: 'old-value' });
    const before = h.store.peek({ profileId: alice, name: 'rotated' })!;
    await h.service.update(alice, 'rotated', { value: 'new-value' });
    const after = h.store.peek({ profileId: alice, name: 'rotated' })!;
    expect(after.token).not.toBe(before.token);
    expect(after.binding).not.toBe(before.binding);
    expect(JSON.stringify(after)).not.toContain('new-value');
    expect((await h.service.get(alice, { name: 'rotated' })).value).toBe('new-value');
  });

  it('sets and clears the expiry with its index entry', async () => {
    await create({ name: 'timed' });
    await h.service.update(alice, 'timed', { expiresAt: iso(HOUR) });
    expect(h.store.peek({ profileId: alice, name: 'timed' })).toMatchObject({ expiryDue: iso(HOUR), expiryShard: expiryShard(alice, 'timed') });
    const cleared = await h.service.update(alice, 'timed', { expiresAt: null });
    expect(cleared).toMatchObject({ expiresAt: null, revision: 3 });
    const stored = h.store.peek({ profileId: alice, name: 'timed' })!;
    expect(['expiresAt', 'expiryShard', 'expiryDue'].filter((a) => a in stored)).toEqual([]);
  });

  it('is a check-and-set with expectedRevision: a stale one is PreconditionFailed and changes nothing', async () => {
    await create({ name: 'guarded' });
    await h.service.update(alice, 'guarded', { description: 'first' }, [1]);
    const before = h.store.peek({ profileId: alice, name: 'guarded' });
    expect(await rejection(h.service.update(alice, 'guarded', { description: 'second' }, [1]))).toBe('PreconditionFailed');
    expect(h.store.peek({ profileId: alice, name: 'guarded' })).toEqual(before);
  });

  it('answers SecretNotFound when absent and SecretExpired once expired, whatever the revision', async () => {
    await create({ name: 'ending', expiresAt: iso(HOUR) });
    h.clock.ms = CLOCK_START + HOUR;
    expect(await rejection(h.service.update(alice, 'ending', { description: 'x' }))).toBe('SecretExpired');
    expect(await rejection(h.service.update(alice, 'ending', { description: 'x' }, [7]))).toBe('SecretExpired');
    expect(await rejection(h.service.update(alice, 'absent', { description: 'x' }))).toBe('SecretNotFound');
  });
});

describe('expire', () => {
  it('expires at once by default: revision bumped, reads refused', async () => {
    await create({ name: 'doomed' });
    h.clock.ms += 1_000;
    const secret = await h.service.expire(alice, 'doomed');
    expect(secret).toMatchObject({ expiresAt: iso(1_000), expired: true, revision: 2 });
    expect(h.store.peek({ profileId: alice, name: 'doomed' })).toMatchObject({ expiryDue: iso(1_000), expiryShard: expiryShard(alice, 'doomed') });
    expect(await rejection(h.service.get(alice, { name: 'doomed' }))).toBe('SecretExpired');
    expect(await rejection(h.service.expire(alice, 'doomed'))).toBe('SecretExpired');
    expect(await rejection(h.service.expire(alice, 'absent'))).toBe('SecretNotFound');
  });

  it('expires at once for a past time, later for a future one', async () => {
    await create({ name: 'past' });
    await create({ name: 'future' });
    h.clock.ms += 1_000;
    expect((await h.service.expire(alice, 'past', iso(500))).expired).toBe(true);
    expect(await h.service.expire(alice, 'future', iso(HOUR))).toMatchObject({ expiresAt: iso(HOUR), expired: false, revision: 2 });
    expect((await h.service.get(alice, { name: 'future' })).value).toBe('value-of-future');
  });
});

describe('delete', () => {
  it('schedules the deletion: 404 at once, the name kept until the purge, restorable until then', async () => {
    await create({ name: 'temp' });
    await h.service.update(alice, 'temp', { description: 'x' });
    await h.service.delete(alice, 'temp');
    expect(h.store.peek({ profileId: alice, name: 'temp' })).toMatchObject({ deletedAt: iso(0), purgesAt: iso(7 * 86_400_000), expiryDue: iso(7 * 86_400_000) });
    expect(await rejection(h.service.get(alice, { name: 'temp' }))).toBe('SecretNotFound');
    expect(await rejection(h.service.update(alice, 'temp', { description: 'y' }))).toBe('SecretNotFound');
    expect(await rejection(h.service.delete(alice, 'temp'))).toBe('SecretNotFound');
    expect(await rejection(create({ name: 'temp' }))).toBe('SecretAlreadyExists');
    expect(await h.service.restore(alice, 'temp')).toMatchObject({ description: 'x', revision: 2, deletedAt: null, purgesAt: null });
    expect((await h.service.get(alice, { name: 'temp' })).value).toBeDefined();
  });

  it('with force, removes the secret and its versions and frees the name', async () => {
    await create({ name: 'temp' });
    await h.service.update(alice, 'temp', { value: 'second' });
    await h.service.delete(alice, 'temp', { force: true });
    expect(h.store.peek({ profileId: alice, name: 'temp' })).toBeUndefined();
    expect(await h.store.versionsOf({ profileId: alice, name: 'temp' })).toEqual([]);
    expect(await rejection(h.service.delete(alice, 'temp', { force: true }))).toBe('SecretNotFound');
    expect((await create({ name: 'temp' })).revision).toBe(1);
  });
});

describe('secrets from before value versions', () => {
  // What earlier deployments stored: no valueVersion, the token bound to the row alone.
  const legacy = async (name: string, value: string) => {
    await create({ name });
    const sealed = new Sealer([UNIT_KEYS.old]).seal({ profileId: alice, name }, value);
    h.store.tamper({ profileId: alice, name }, { ...sealed, valueVersion: undefined, valueUpdatedAt: undefined });
  };

  it('read as version 1, and their value becomes version 1 of the history when it changes', async () => {
    await legacy('oldKey', 'legacy-value');
    expect(await h.service.get(alice, { name: 'oldKey' })).toMatchObject({ value: 'legacy-value', valueVersion: 1 });
    expect(await h.service.update(alice, 'oldKey', { value: 'new-value' })).toMatchObject({ valueVersion: 2 });
    expect(await h.service.get(alice, { name: 'oldKey', version: 1 })).toMatchObject({ value: 'legacy-value', valueVersion: 1 });
    expect((await h.service.get(alice, { name: 'oldKey' })).value).toBe('new-value');
    // Rebound to its version: the legacy binding no longer opens it, the versioned one does.
    const kept = (await h.store.readVersion({ profileId: alice, name: 'oldKey' }, 1))!;
    expect(new Sealer([UNIT_KEYS.old]).open({ profileId: alice, name: 'oldKey', version: 1 }, kept)).toBe('legacy-value');
    expect(() => new Sealer([UNIT_KEYS.old]).open({ profileId: alice, name: 'oldKey' }, kept)).toThrow('not bound');
  });

  it('are rotated with their own binding, and read back after', async () => {
    await legacy('rotatedKey', 'legacy-rotated');
    const both = h.serviceWith(new Sealer([UNIT_KEYS.new, UNIT_KEYS.old]));
    const report = await both.rotate({ timeLeft: () => 60_000, reserveMs: 1_000, onFailure: () => {} });
    expect(report).toMatchObject({ rotated: 1, failed: 0 });
    expect((await both.get(alice, { name: 'rotatedKey' })).value).toBe('legacy-rotated');
  });

  it('keep no version of a value that is not their own, and take the new one: a damaged secret is repaired by a new value', async () => {
    await create({ name: 'moved' });
    const foreign = new Sealer([UNIT_KEYS.old]).seal({ profileId: 'mallory', name: 'moved', version: 1 }, 'not yours');
    h.store.tamper({ profileId: alice, name: 'moved' }, foreign);
    expect(await rejection(h.service.get(alice, { name: 'moved' }))).toBe('DecryptionFailed');
    expect(await h.service.update(alice, 'moved', { value: 'repaired' })).toMatchObject({ valueVersion: 2 });
    expect(await h.store.versionsOf({ profileId: alice, name: 'moved' })).toEqual([]);
    expect((await h.service.get(alice, { name: 'moved' })).value).toBe('repaired');
  });
});
