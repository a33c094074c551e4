// What SecretService stores and answers that other code and other versions rely on: the format of
// an idempotency key's record (a record written by one deployment must be recognised by the
// next for its 24 hours), a damaged row left out of a list and reported, and a key list too old
// to seal with answering 503 for writes while reads go on.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ServiceUnavailable } from '../../lib/domain/errors.js';
import { Sealer } from '../../lib/crypto/sealer.js';
import { memoryService, UNIT_KEYS } from '../support/memory-store.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
const alice = 'alice';

describe('an idempotency key\'s record', () => {
  it('holds a digest of the key and of [operation, name, fields in key order, whether a value came], and a MAC of the value', async () => {
    const h = memoryService();
    const sealer = new Sealer([UNIT_KEYS.old]);
    const recorded = async (clientKey: string, name = 'apiKey') =>
      (await h.store.readRequest({ profileId: alice, name }, sha256(clientKey), new Date(h.clock.ms).toISOString())).earlier!;

    await h.service.create(alice, { name: 'apiKey', value: 'v1', tags: ['b', 'a'], description: 'd' }, { idempotencyKey: 'c' });
    const created = await recorded('c');
    expect(created.key).toBe(sha256('c'));
    expect(created.fingerprint).toBe(sha256(JSON.stringify(['create', 'apiKey', { description: 'd', name: 'apiKey', tags: ['b', 'a'] }, true])));
    expect(created.valueMac).toBe(sealer.requestMac('v1'));

    await h.service.update(alice, 'apiKey', { description: 'e' }, undefined, { idempotencyKey: 'u' });
    expect((await recorded('u')).fingerprint).toBe(sha256(JSON.stringify(['update', 'apiKey', { description: 'e', ifMatch: null }, false])));
    expect((await recorded('u')).valueMac).toBeUndefined();
    await h.service.update(alice, 'apiKey', { value: 'v2' }, [2], { idempotencyKey: 'u2' });
    expect((await recorded('u2')).fingerprint).toBe(sha256(JSON.stringify(['update', 'apiKey', { ifMatch: [2] }, true])));

    await h.service.expire(alice, 'apiKey', undefined, { idempotencyKey: 'e' });
    expect((await recorded('e')).fingerprint).toBe(sha256(JSON.stringify(['expire', 'apiKey', { at: null }, false])));

    await h.service.create(alice, { name: 'other', value: 'v' });
    await h.service.delete(alice, 'other', { idempotencyKey: 'd' });
    const deleted = await recorded('d', 'other');
    expect(deleted.fingerprint).toBe(sha256(JSON.stringify(['delete', 'other', {}, false])));
    expect(deleted.result).toBe('null');
  });
});

describe('a list with a damaged row', () => {
  it('answers the other rows and reports the damaged one by its sort key', async () => {
    const damaged: Array<[string, string]> = [];
    const h = memoryService();
    const service = h.serviceWith(new Sealer([UNIT_KEYS.old]), {}, { onDamaged: (p, sk) => void damaged.push([p, sk]) });
    for (const name of ['aKey', 'bKey', 'cKey']) await service.create(alice, { name, value: 'v' });
    h.store.tamper({ profileId: alice, name: 'bKey' }, { tags: 'not a list' });
    const page = await service.list(alice, {});
    expect(page.items.map((s) => s.name)).toEqual(['aKey', 'cKey']);
    expect(damaged).toEqual([[alice, 'SECRET#bKey']]);
  });
});

describe('a key list too old to seal with', () => {
  it('answers writes with 503 (keys) and still reads', async () => {
    const h = memoryService();
    await h.service.create(alice, { name: 'apiKey', value: 'v' });
    const stale = h.serviceWith(new Sealer([UNIT_KEYS.old], { sealableUntil: h.clock.ms - 1 }));
    for (const write of [
      () => stale.create(alice, { name: 'new', value: 'v' }),
      () => stale.update(alice, 'apiKey', { value: 'v2' }),
    ]) {
      const error = await write().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ServiceUnavailable);
      expect((error as ServiceUnavailable).message).toMatch(/keys/);
    }
    expect((await stale.get(alice, { name: 'apiKey' })).value).toBe('v');
  });
});
