// Idempotency keys in SecretService, on the in-memory store with a clock the test moves: how long
// a key answers, what counts as the same request, what a rotation of the Fernet keys does to a
// request's value, and a keyed change that meets a secret moving on under it.
import { beforeEach, describe, expect, it } from 'vitest';
import { Sealer } from '../../lib/crypto/sealer.js';
import { IDEMPOTENCY_HOURS } from '../../lib/secrets/requests.js';
import { memoryService, UNIT_KEYS } from '../support/memory-store.js';

const HOUR = 3_600_000;
const alice = 'alice';
let h: ReturnType<typeof memoryService>;
beforeEach(() => {
  h = memoryService();
});
const rejection = (promise: Promise<unknown>) => promise.then(() => 'resolved', (e: Error) => e.name);
const key = (idempotencyKey: string) => {
  const told = { replays: 0 };
  return { told, options: { idempotencyKey, onReplay: () => (told.replays += 1) } };
};

describe('how long a key answers', () => {
  it(`answers for ${IDEMPOTENCY_HOURS} hours from the first request, then is free for a new one`, async () => {
    const k = key('k1');
    const first = await h.service.create(alice, { name: 'apiKey', value: 'one' }, k.options);
    h.clock.ms += IDEMPOTENCY_HOURS * HOUR - 1000;
    expect(await h.service.create(alice, { name: 'apiKey', value: 'one' }, k.options)).toEqual(first);
    expect(k.told.replays).toBe(1);
    expect(await rejection(h.service.create(alice, { name: 'other', value: 'two' }, k.options))).toBe('IdempotencyKeyReused');
    h.clock.ms += 1000;
    const second = await h.service.create(alice, { name: 'other', value: 'two' }, k.options);
    expect(second.name).toBe('other');
    expect(k.told.replays).toBe(1);
  });
});

describe('the same request', () => {
  it('is the operation, the name and every field: the same fields under another operation are another request', async () => {
    await h.service.create(alice, { name: 'apiKey', value: 'v' });
    const k = key('k2');
    await h.service.expire(alice, 'apiKey', '2999-01-01T00:00:00.000Z', k.options);
    expect(await rejection(h.service.update(alice, 'apiKey', { expiresAt: '2999-01-01T00:00:00.000Z' }, undefined, k.options))).toBe(
      'IdempotencyKeyReused',
    );
    expect(await rejection(h.service.delete(alice, 'apiKey', k.options))).toBe('IdempotencyKeyReused');
    expect(h.store.peek({ profileId: alice, name: 'apiKey' })?.revision).toBe(2);
  });

  it('tells a PATCH with a value from the same PATCH without one, and one value from another', async () => {
    await h.service.create(alice, { name: 'apiKey', value: 'v' });
    const k = key('k3');
    await h.service.update(alice, 'apiKey', { description: 'd', value: 'new' }, undefined, k.options);
    expect(await rejection(h.service.update(alice, 'apiKey', { description: 'd' }, undefined, k.options))).toBe('IdempotencyKeyReused');
    expect(await rejection(h.service.update(alice, 'apiKey', { description: 'd', value: 'newer' }, undefined, k.options))).toBe('IdempotencyKeyReused');
    expect((await h.service.update(alice, 'apiKey', { description: 'd', value: 'new' }, undefined, k.options)).revision).toBe(2);
    expect(k.told.replays).toBe(1);
  });

  it('still recognises a value after the Fernet keys rotate, while its key is listed', async () => {
    const k = key('k4');
    const first = await h.service.create(alice, { name: 'apiKey', value: 'rotated' }, k.options);
    const rotated = h.serviceWith(new Sealer([UNIT_KEYS.new, UNIT_KEYS.old]));
    expect(await rotated.create(alice, { name: 'apiKey', value: 'rotated' }, k.options)).toEqual(first);
    expect(await rejection(rotated.create(alice, { name: 'apiKey', value: 'other' }, k.options))).toBe('IdempotencyKeyReused');
    // Once the old key is gone the value can no longer be recognised: refused, never applied twice.
    const without = h.serviceWith(new Sealer([UNIT_KEYS.new]));
    expect(await rejection(without.create(alice, { name: 'apiKey', value: 'rotated' }, k.options))).toBe('IdempotencyKeyReused');
  });
});

describe('a keyed change', () => {
  it('reads again when the secret moves on between its read and its write, and gives up busy after three tries', async () => {
    await h.service.create(alice, { name: 'apiKey', value: 'v' });
    const ref = { profileId: alice, name: 'apiKey' };
    const readRequest = h.store.readRequest.bind(h.store);
    let moves = 1;
    // Another writer gets in after each read, `moves` times.
    h.store.readRequest = async (...args) => {
      const read = await readRequest(...args);
      if (moves-- > 0) h.store.tamper(ref, { revision: h.store.peek(ref)!.revision + 1 });
      return read;
    };
    const changed = await h.service.update(alice, 'apiKey', { description: 'd' }, undefined, key('k5').options);
    expect(changed.revision).toBe(3);
    expect(h.store.calls.readRequest).toBe(2);
    moves = 3;
    expect(await rejection(h.service.update(alice, 'apiKey', { description: 'e' }, undefined, key('k6').options))).toBe('ServiceUnavailable');
    expect(h.store.calls.readRequest).toBe(5);
    expect(h.store.peek(ref)?.description).toBe('d');
  });

  it('expires at the time of its first request, which a repeat keeps', async () => {
    await h.service.create(alice, { name: 'apiKey', value: 'v' });
    const k = key('k7');
    const first = await h.service.expire(alice, 'apiKey', undefined, k.options);
    h.clock.ms += HOUR;
    expect(await h.service.expire(alice, 'apiKey', undefined, k.options)).toEqual(first);
    expect(h.store.peek({ profileId: alice, name: 'apiKey' })?.expiresAt).toBe(first.expiresAt);
  });
});
