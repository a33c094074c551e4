// SecretService.apply (a manifest's create-or-change) through the in-memory store: create, a
// change of every field, nothing written when nothing changed, and the races with a concurrent
// create, change or delete, forced between its two requests.
import { beforeEach, describe, expect, it } from 'vitest';
import type { CreateInput } from '../../lib/domain/inputs.js';
import { iso, memoryService } from '../support/memory-store.js';

const HOUR = 3_600_000;
const alice = 'alice';
const ref = { profileId: alice, name: 'apiKey' };
let h: ReturnType<typeof memoryService>;
beforeEach(() => {
  h = memoryService();
});

const wanted = (overrides: Partial<CreateInput> = {}): CreateInput => ({
  name: 'apiKey',
  value: 'apply-value-1',
  description: 'd',
  version: '1.0.0',
  tags: ['prod'],
  annotations: { owner: 'ops' },
  expiresAt: iso(HOUR),
  ...overrides,
});
const apply = (input: CreateInput = wanted()) => h.service.apply(alice, input);
const valueOf = async () => (await h.service.get(alice, { name: 'apiKey' })).value;

describe('apply', () => {
  it('creates a secret the profile does not have, in one request', async () => {
    const { secret, outcome } = await apply();
    expect(outcome).toBe('created');
    expect(secret).toMatchObject({ name: 'apiKey', revision: 1, description: 'd', tags: ['prod'], annotations: { owner: 'ops' }, expiresAt: iso(HOUR) });
    expect(h.store.calls.createOrRead).toBe(1);
    expect(await valueOf()).toBe('apply-value-1');
  });

  it('writes nothing when the secret already is what the manifest says: same revision, same token, no access recorded', async () => {
    await apply();
    const before = h.store.peek(ref)!;
    h.clock.ms += 1000;
    const { secret, outcome } = await apply();
    expect(outcome).toBe('unchanged');
    expect(secret).toMatchObject({ revision: 1, updatedAt: before.updatedAt, lastAccessed: null });
    expect(h.store.calls.update).toBe(0);
    expect(h.store.peek(ref)).toEqual(before);
  });

  it('changes every field a manifest names, value included, as one new revision; what it omits goes back to the default', async () => {
    await apply();
    h.clock.ms += 1000;
    const { secret, outcome } = await apply({ name: 'apiKey', value: 'apply-value-2', description: 'e', tags: ['dev', 'bot'] });
    expect(outcome).toBe('configured');
    expect(secret).toMatchObject({ revision: 2, description: 'e', version: '1.0.0', tags: ['dev', 'bot'], annotations: {}, expiresAt: null, updatedAt: iso(1000) });
    expect(h.store.peek(ref)).not.toHaveProperty('expiryDue');
    expect(await valueOf()).toBe('apply-value-2');
    // Only the value differs: still a change.
    expect((await apply(wanted({ value: 'apply-value-3' }))).outcome).toBe('configured');
    expect((await apply(wanted({ value: 'apply-value-3', tags: ['prod'] }))).outcome).toBe('unchanged');
    expect(await valueOf()).toBe('apply-value-3');
  });

  it('replaces a stored value it cannot open rather than failing', async () => {
    await apply();
    h.store.tamper(ref, { token: 'gAAAAAB-not-a-token' });
    expect((await apply()).outcome).toBe('configured');
    expect(await valueOf()).toBe('apply-value-1');
  });

  it('refuses an expiry that is not in the future, and does not bring an expired secret back (410)', async () => {
    await expect(apply(wanted({ expiresAt: iso(0) }))).rejects.toMatchObject({ name: 'ValidationError', errors: [{ path: 'expiresAt' }] });
    await apply();
    h.clock.ms += HOUR;
    await expect(apply(wanted({ expiresAt: iso(2 * HOUR) }))).rejects.toMatchObject({ name: 'SecretExpired' });
  });

  it('loses no concurrent create: two applies of a new name make one secret, the second a change of it', async () => {
    const [a, b] = await Promise.all([apply(wanted({ value: 'first' })), apply(wanted({ value: 'second' }))]);
    expect([a.outcome, b.outcome].sort()).toEqual(['configured', 'created']);
    expect(h.store.namesWhere(() => true)).toEqual(['apiKey']);
    // The change came second, so its value stands.
    expect(await valueOf()).toBe(a.outcome === 'configured' ? 'first' : 'second');
  });

  it('meets a secret changed or deleted between its read and its write as it is then', async () => {
    await apply();
    // A new value is a change of value (with history): changeValue is where it writes.
    const update = h.store.changeValue.bind(h.store);
    // Changed in between: its revision moved, so the conditioned change is refused (412) and the next try reads it again.
    let interfere: (() => Promise<unknown>) | undefined = () => h.service.update(alice, 'apiKey', { description: 'someone else' });
    h.store.changeValue = async (...args) => {
      const other = interfere;
      interfere = undefined;
      await other?.();
      return update(...args);
    };
    expect((await apply(wanted({ value: 'apply-value-2' }))).secret).toMatchObject({ revision: 3, description: 'd' });
    // Deleted in between: the change finds nothing (404), and the next try creates it.
    interfere = () => h.service.delete(alice, 'apiKey', { force: true });
    const recreated = await apply(wanted({ value: 'apply-value-3' }));
    expect(recreated).toMatchObject({ outcome: 'created', secret: { revision: 1 } });
    expect(await valueOf()).toBe('apply-value-3');
  });

  it('answers 503 when every try meets a secret changed since it read it', async () => {
    await apply();
    const update = h.store.changeValue.bind(h.store);
    let others = 0;
    h.store.changeValue = async (...args) => {
      others += 1;
      await h.service.update(alice, 'apiKey', { description: `busy ${others}` });
      return update(...args);
    };
    const tries = h.store.calls.createOrRead;
    await expect(apply(wanted({ value: 'apply-value-2' }))).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    expect(h.store.calls.createOrRead - tries).toBe(3);
  });
});
