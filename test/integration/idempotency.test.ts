// Client idempotency keys through the real handlers and the local DynamoDB: the same key and
// the same request answer the first result and change nothing; another request under the key
// is refused; a refused request leaves no record; records stay out of every read.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { json } from '../support/http.js';
import { useHandlers } from '../support/harness.js';

const harness = useHandlers();
const { call, direct } = harness;

const keyed = (key: string) => ({ 'idempotency-key': key });
const stored = async (name: string, profile = 'alice') =>
  (await harness.store.scanAll()).find((item) => item.sk === `SECRET#${name}` && item.pk === `PROFILE#${profile}`);

describe('a keyed create', () => {
  it('answers a repeat with the first result, once, and writes nothing again', async () => {
    const request = { method: 'POST', path: '/secrets', headers: keyed('create-1'), body: { name: 'onceOnly', value: 'first-value', tags: ['a'] } };
    const first = await call(request);
    expect(first.statusCode).toBe(201);
    expect(first.headers['Idempotent-Replayed']).toBeUndefined();
    const before = await stored('onceOnly');
    const again = await call(request);
    expect(again.statusCode).toBe(201);
    expect(again.headers).toMatchObject({ 'Idempotent-Replayed': 'true', ETag: '"1"', Location: '/secrets/onceOnly' });
    expect(json(again)).toEqual(json(first));
    expect(await stored('onceOnly')).toEqual(before);
    // Without the key, the same create is a name clash, as always.
    expect((await call({ ...request, headers: {} })).statusCode).toBe(409);
  });

  it('refuses the key for another request, whatever differs: the value, a field, the name', async () => {
    const base = { name: 'keyedTwice', value: 'value-one', description: 'd' };
    expect((await call({ method: 'POST', path: '/secrets', headers: keyed('create-2'), body: base })).statusCode).toBe(201);
    for (const body of [
      { ...base, value: 'value-two' },
      { ...base, description: 'other' },
      { ...base, name: 'otherName' },
      { name: 'keyedTwice', value: 'value-one' },
    ]) {
      const refused = await call({ method: 'POST', path: '/secrets', headers: keyed('create-2'), body });
      expect(refused.statusCode, JSON.stringify(body)).toBe(422);
      expect(json(refused)).toMatchObject({ code: 'IdempotencyKeyReused', status: 422 });
      expect(refused.body).not.toContain('value-');
    }
    expect(await stored('otherName')).toBeUndefined();
    // The same fields in another order are the same request.
    const reordered = await call({ method: 'POST', path: '/secrets', headers: keyed('create-2'), body: { description: 'd', value: 'value-one', name: 'keyedTwice' } });
    expect(reordered.statusCode).toBe(201);
  });

  it('keeps keys per profile: the same key is another profile\'s own', async () => {
    const body = { name: 'shared', value: 'v' };
    expect((await call({ method: 'POST', path: '/secrets', headers: keyed('per-profile'), body })).statusCode).toBe(201);
    const bob = await call({ method: 'POST', path: '/secrets', profile: 'bob', headers: keyed('per-profile'), body: { ...body, value: 'bobs' } });
    expect(bob.statusCode).toBe(201);
    expect(bob.headers['Idempotent-Replayed']).toBeUndefined();
    expect(json(await call({ method: 'GET', path: '/secrets/shared', profile: 'bob' })).value).toBe('bobs');
  });

  it('remembers nothing of a refused request: a retry after the cause is gone runs', async () => {
    await call({ method: 'POST', path: '/secrets', body: { name: 'inTheWay', value: 'v' } });
    const request = { method: 'POST', path: '/secrets', headers: keyed('create-3'), body: { name: 'inTheWay', value: 'mine' } };
    expect((await call(request)).statusCode).toBe(409);
    await call({ method: 'DELETE', path: '/secrets/inTheWay', query: { force: 'true' } });
    expect((await call(request)).statusCode).toBe(201);
    expect(json(await call({ method: 'GET', path: '/secrets/inTheWay' })).value).toBe('mine');
  });
});

describe('a keyed PATCH', () => {
  it('is applied once: a repeat after other changes answers the first result and leaves the later ones', async () => {
    await call({ method: 'POST', path: '/secrets', body: { name: 'counter', value: 'v1' } });
    const patch = { method: 'PATCH', path: '/secrets/counter', headers: keyed('patch-1'), body: { value: 'v2', tags: ['x'] } };
    const first = await call(patch);
    expect(first.statusCode).toBe(200);
    expect(json(first)).toMatchObject({ revision: 2, tags: ['x'] });
    await call({ method: 'PATCH', path: '/secrets/counter', body: { value: 'v3', tags: ['y'] } });
    const again = await call(patch);
    expect(again.statusCode).toBe(200);
    expect(again.headers).toMatchObject({ 'Idempotent-Replayed': 'true', ETag: '"2"' });
    expect(json(again)).toEqual(json(first));
    expect(await stored('counter')).toMatchObject({ revision: 3, tags: ['y'] });
    expect(json(await call({ method: 'GET', path: '/secrets/counter' })).value).toBe('v3');
  });

  it.each([
    { description: 'y', version: '2.0.0', annotations: { team: 'core' }, expiresAt: null },
    { tags: ['a', 'b'], expiresAt: '2998-01-01T00:00:00+02:00' },
    { value: 'new-value', description: '' },
    { annotations: {}, tags: [] },
  ])('answers what the write left, as DynamoDB returns it to an unkeyed PATCH: %j', async (changes) => {
    const names = [`twin${Math.random().toString(36).slice(2, 8)}`, `twin${Math.random().toString(36).slice(2, 8)}`];
    for (const name of names) {
      await call({ method: 'POST', path: '/secrets', body: { name, value: 'v', description: 'x', tags: ['t'], expiresAt: '2999-01-01T00:00:00Z' } });
    }
    const plain = json(await call({ method: 'PATCH', path: `/secrets/${names[0]}`, body: changes }));
    const keyedAnswer = json(await call({ method: 'PATCH', path: `/secrets/${names[1]}`, headers: keyed(`twins-${names[1]}`), body: changes }));
    const comparable = ({ id: _id, name: _name, createdAt: _c, updatedAt: _u, ...rest }: Record<string, unknown>) => ({ ...rest, lastAccessed: undefined });
    expect(comparable(keyedAnswer)).toEqual(comparable(plain));
    // What a read shows now, but for the read itself.
    const read = json(await call({ method: 'GET', path: `/secrets/${names[1]}` }));
    delete read.value;
    expect(comparable(read)).toEqual(comparable(keyedAnswer));
    const [plainItem, keyedItem] = [await stored(names[0]!), await stored(names[1]!)];
    expect('expiryShard' in keyedItem!).toBe('expiryShard' in plainItem!);
  });

  it('applies concurrent repeats once', async () => {
    await call({ method: 'POST', path: '/secrets', body: { name: 'raced', value: 'v' } });
    const patch = { method: 'PATCH', path: '/secrets/raced', headers: keyed('patch-3'), body: { description: 'once' } };
    const answers = await Promise.all(Array.from({ length: 6 }, () => call(patch)));
    for (const answer of answers) expect([200, 503]).toContain(answer.statusCode);
    const succeeded = answers.filter((a) => a.statusCode === 200);
    expect(succeeded.length).toBeGreaterThan(0);
    for (const answer of succeeded) expect(json(answer).revision).toBe(2);
    expect(await stored('raced')).toMatchObject({ revision: 2 });
  });

  it('keeps If-Match in the request: a stale one is 412 and leaves the key free', async () => {
    await call({ method: 'POST', path: '/secrets', body: { name: 'matched', value: 'v' } });
    const stale = await call({ method: 'PATCH', path: '/secrets/matched', headers: { ...keyed('patch-4'), 'if-match': '"7"' }, body: { description: 'a' } });
    expect(stale.statusCode).toBe(412);
    const fresh = await call({ method: 'PATCH', path: '/secrets/matched', headers: { ...keyed('patch-4'), 'if-match': '"1"' }, body: { description: 'a' } });
    expect(fresh.statusCode).toBe(200);
    const other = await call({ method: 'PATCH', path: '/secrets/matched', headers: { ...keyed('patch-4'), 'if-match': '*' }, body: { description: 'a' } });
    expect(other.statusCode).toBe(422);
  });

  it('answers 404 and 410 as an unkeyed PATCH does', async () => {
    expect((await call({ method: 'PATCH', path: '/secrets/nothingHere', headers: keyed('patch-5'), body: { description: 'a' } })).statusCode).toBe(404);
    await call({ method: 'POST', path: '/secrets', body: { name: 'gone', value: 'v' } });
    await call({ method: 'POST', path: '/secrets/gone/expire' });
    expect((await call({ method: 'PATCH', path: '/secrets/gone', headers: keyed('patch-6'), body: { description: 'a' } })).statusCode).toBe(410);
  });
});

describe('a keyed expire', () => {
  it('answers a repeat with the first result, the time it was first sent', async () => {
    await call({ method: 'POST', path: '/secrets', body: { name: 'ending', value: 'v' } });
    const first = await call({ method: 'POST', path: '/secrets/ending/expire', headers: keyed('expire-1') });
    expect(first.statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await call({ method: 'POST', path: '/secrets/ending/expire', headers: keyed('expire-1') });
    expect(again.statusCode).toBe(200);
    expect(again.headers['Idempotent-Replayed']).toBe('true');
    expect(json(again)).toEqual(json(first));
    expect(json(first).expired).toBe(true);
    const later = await call({ method: 'POST', path: '/secrets/ending/expire', headers: keyed('expire-1'), query: undefined, body: { at: '2030-01-01T00:00:00Z' } });
    expect(later.statusCode).toBe(422);
  });
});

describe('a keyed delete', () => {
  it('answers a repeat 204, not 404, and never deletes a secret made since under the name', async () => {
    await call({ method: 'POST', path: '/secrets', body: { name: 'doomed', value: 'first' } });
    expect((await call({ method: 'DELETE', path: '/secrets/doomed', query: { force: 'true' }, headers: keyed('delete-1') })).statusCode).toBe(204);
    await call({ method: 'POST', path: '/secrets', body: { name: 'doomed', value: 'second' } });
    const again = await call({ method: 'DELETE', path: '/secrets/doomed', query: { force: 'true' }, headers: keyed('delete-1') });
    expect(again.statusCode).toBe(204);
    expect(again.headers['Idempotent-Replayed']).toBe('true');
    expect(json(await call({ method: 'GET', path: '/secrets/doomed' })).value).toBe('second');
    // Another name under the key is another request.
    expect((await call({ method: 'DELETE', path: '/secrets/other', headers: keyed('delete-1') })).statusCode).toBe(422);
  });

  it('answers 404 for an absent secret and remembers nothing', async () => {
    expect((await call({ method: 'DELETE', path: '/secrets/later', headers: keyed('delete-2') })).statusCode).toBe(404);
    await call({ method: 'POST', path: '/secrets', body: { name: 'later', value: 'v' } });
    expect((await call({ method: 'DELETE', path: '/secrets/later', headers: keyed('delete-2') })).statusCode).toBe(204);
  });
});

describe('direct invocation', () => {
  it('takes the key as clientToken', async () => {
    const payload = { userProfileId: 'carol', name: 'directly', value: 'direct-value', clientToken: 'direct-1' };
    const first = (await direct('create', payload)) as Record<string, unknown>;
    expect(await direct('create', payload)).toEqual(first);
    await expect(direct('create', { ...payload, value: 'changed' })).rejects.toMatchObject({ name: 'IdempotencyKeyReused' });
    const patched = await direct('update', { userProfileId: 'carol', name: 'directly', description: 'd', clientToken: 'direct-2' });
    expect(await direct('update', { userProfileId: 'carol', name: 'directly', description: 'd', clientToken: 'direct-2' })).toEqual(patched);
    expect(await direct('delete', { userProfileId: 'carol', name: 'directly', clientToken: 'direct-3' })).toBeNull();
    expect(await direct('delete', { userProfileId: 'carol', name: 'directly', clientToken: 'direct-3' })).toBeNull();
  });

  it('refuses clientToken where no write takes one, and a malformed one anywhere', async () => {
    await expect(direct('get', { userProfileId: 'carol', name: 'x', clientToken: 'k' })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(direct('list', { userProfileId: 'carol', clientToken: 'k' })).rejects.toMatchObject({ name: 'ValidationError' });
    for (const clientToken of [7, '', 'x'.repeat(256), 'with space', 'ключ']) {
      await expect(direct('delete', { userProfileId: 'carol', name: 'x', clientToken })).rejects.toMatchObject({
        name: 'ValidationError',
        errors: [expect.objectContaining({ path: 'clientToken' })],
      });
    }
  });
});

describe('the header', () => {
  it('must be 1-255 visible ASCII characters', async () => {
    for (const key of ['', 'x'.repeat(256), 'a b', 'é']) {
      const refused = await call({ method: 'DELETE', path: '/secrets/x', headers: keyed(key) });
      expect(refused.statusCode, JSON.stringify(key)).toBe(400);
      expect(json(refused).errors).toEqual([expect.objectContaining({ path: 'Idempotency-Key' })]);
    }
    expect((await call({ method: 'DELETE', path: '/secrets/x', headers: keyed('x'.repeat(255)) })).statusCode).toBe(404);
  });

  it('is the only way over HTTP: clientToken in a body is an unknown field; reads ignore the header', async () => {
    const body = await call({ method: 'POST', path: '/secrets', body: { name: 'viaBody', value: 'v', clientToken: 'k' } });
    expect(body.statusCode).toBe(400);
    expect(json(body).errors).toEqual([expect.objectContaining({ path: 'clientToken' })]);
    expect((await call({ method: 'GET', path: '/secrets', headers: keyed('read') })).statusCode).toBe(200);
  });
});

describe('records', () => {
  it('stay out of lists, and hold neither the key, nor the value, nor its plain hash', async () => {
    const value = 'short';
    await call({ method: 'POST', path: '/secrets', profile: 'dave', headers: keyed('dave-key'), body: { name: 'hidden', value } });
    const page = json(await call({ method: 'GET', path: '/secrets', profile: 'dave', query: { expired: 'include' } }));
    expect(page.items.map((s: { name: string }) => s.name)).toEqual(['hidden']);
    const records = (await harness.store.scanAll()).filter((item) => item.pk === 'PROFILE#dave' && String(item.sk).startsWith('REQUEST#'));
    expect(records).toHaveLength(1);
    const raw = JSON.stringify(records);
    const digests = ['hex', 'base64', 'base64url'].map((encoding) => createHash('sha256').update(value).digest(encoding as 'hex'));
    for (const forbidden of [value, 'dave-key', ...digests]) expect(raw).not.toContain(forbidden);
    // Kept a day, then DynamoDB's TTL removes them.
    const purgeAt = records[0]!.purgeAt as number;
    expect(purgeAt - Date.now() / 1000).toBeGreaterThan(24 * 3600 - 60);
    expect(purgeAt - Date.now() / 1000).toBeLessThanOrEqual(24 * 3600);
  });
});
