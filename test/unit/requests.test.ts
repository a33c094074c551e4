// What an idempotency key's record holds and which repeat it answers: the same request however
// its objects are ordered, never another; the value only through a MAC under the keys.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sealer } from '../../lib/crypto/sealer.js';
import { IDEMPOTENCY_HOURS, KeyedRequest } from '../../lib/secrets/requests.js';
import { UNIT_KEYS } from '../support/memory-store.js';

const NOW = new Date('2026-12-02T10:00:00.000Z');
const sealer = new Sealer([UNIT_KEYS.old]);
const rejection = (run: () => unknown) => {
  try {
    run();
    return 'answered';
  } catch (error) {
    return (error as Error).name;
  }
};

describe('a keyed request', () => {
  it('names its record by the key\'s digest and keeps the value only as a MAC', () => {
    const request = new KeyedRequest('client-key', 'create', 'apiKey', { tags: ['a'] }, { plaintext: 'secret-value', sealer });
    const record = request.record({ name: 'apiKey' }, NOW);
    expect(record).toEqual({
      key: createHash('sha256').update('client-key').digest('base64url'),
      fingerprint: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      valueMac: sealer.requestMac('secret-value'),
      result: '{"name":"apiKey"}',
      createdAt: NOW.toISOString(),
      purgeAt: NOW.getTime() / 1000 + IDEMPOTENCY_HOURS * 3600,
    });
    expect(IDEMPOTENCY_HOURS).toBe(24);
    expect(JSON.stringify(record)).not.toContain('secret-value');
    expect(JSON.stringify(record)).not.toContain('client-key');
    expect(new KeyedRequest('k', 'delete', 'apiKey', {}).record(undefined, NOW)).not.toHaveProperty('valueMac');
    expect(new KeyedRequest('k', 'delete', 'apiKey', {}).record(undefined, NOW).result).toBe('null');
  });

  it('answers a repeat of itself with the first result, whatever the order of its objects\' keys', () => {
    const first = new KeyedRequest('k', 'update', 'apiKey', { annotations: { a: '1', b: '2' }, description: 'd' }, { plaintext: 'v', sealer });
    const record = first.record({ revision: 2 }, NOW);
    const reordered = new KeyedRequest('k', 'update', 'apiKey', { description: 'd', annotations: { b: '2', a: '1' } }, { plaintext: 'v', sealer });
    expect(reordered.replay(record)).toEqual({ revision: 2 });
  });

  it('refuses anything else under the key: operation, name, a field, list order, the value, having a value', () => {
    const fields = { tags: ['a', 'b'], annotations: { x: { deep: '1' } } };
    const record = new KeyedRequest('k', 'update', 'apiKey', fields, { plaintext: 'v', sealer }).record(null, NOW);
    const others = [
      new KeyedRequest('k', 'create', 'apiKey', fields, { plaintext: 'v', sealer }),
      new KeyedRequest('k', 'update', 'apiKey2', fields, { plaintext: 'v', sealer }),
      new KeyedRequest('k', 'update', 'apiKey', { ...fields, tags: ['b', 'a'] }, { plaintext: 'v', sealer }),
      new KeyedRequest('k', 'update', 'apiKey', { ...fields, annotations: { x: { deep: '2' } } }, { plaintext: 'v', sealer }),
      new KeyedRequest('k', 'update', 'apiKey', { ...fields, description: null }, { plaintext: 'v', sealer }),
      new KeyedRequest('k', 'update', 'apiKey', fields, { plaintext: 'w', sealer }),
      new KeyedRequest('k', 'update', 'apiKey', fields),
    ];
    for (const other of others) expect(rejection(() => other.replay(record))).toBe('IdempotencyKeyReused');
    // A record without a value is not the same request as one with a value either.
    const valueless = new KeyedRequest('k', 'update', 'apiKey', fields).record(null, NOW);
    expect(rejection(() => new KeyedRequest('k', 'update', 'apiKey', fields, { plaintext: 'v', sealer }).replay(valueless))).toBe('IdempotencyKeyReused');
    expect(rejection(() => new KeyedRequest('k', 'update', 'apiKey', fields).replay(valueless))).toBe('answered');
  });

  it('recognises its value under any listed key, and under no other', () => {
    const record = new KeyedRequest('k', 'create', 'apiKey', {}, { plaintext: 'v', sealer }).record(1, NOW);
    const rotated = new Sealer([UNIT_KEYS.new, UNIT_KEYS.old]);
    expect(new KeyedRequest('k', 'create', 'apiKey', {}, { plaintext: 'v', sealer: rotated }).replay(record)).toBe(1);
    const stranger = new Sealer([UNIT_KEYS.stranger]);
    expect(rejection(() => new KeyedRequest('k', 'create', 'apiKey', {}, { plaintext: 'v', sealer: stranger }).replay(record))).toBe('IdempotencyKeyReused');
    expect(rejection(() => new KeyedRequest('k', 'create', 'apiKey', {}, { plaintext: 'v', sealer }).replay({ ...record, valueMac: 'AAAA' }))).toBe('IdempotencyKeyReused');
  });

  it('answers a record damaged by hand as another request, never with a crash', () => {
    const request = new KeyedRequest('k', 'create', 'apiKey', {}, { plaintext: 'v', sealer });
    const record = request.record(1, NOW);
    expect(rejection(() => request.replay({ ...record, fingerprint: 'short' }))).toBe('IdempotencyKeyReused');
    const withoutMac = { ...record };
    delete withoutMac.valueMac;
    expect(rejection(() => request.replay(withoutMac))).toBe('IdempotencyKeyReused');
  });
});
