// The core lifecycle through the real handlers (Middy chain included) on a real dynalite.
import { describe, expect, it } from 'vitest';
import { json } from '../support/http.js';
import { useHandlers } from '../support/harness.js';

const harness = useHandlers();
const { call, direct } = harness;

const future = () => new Date(Date.now() + 3_600_000).toISOString();

describe('create', () => {
  it('answers 201 with the secret, a Location and no value', async () => {
    const response = await call({
      method: 'POST',
      path: '/secrets',
      body: { name: 'apiKey', value: 'sk-create-1', description: 'd', tags: ['prod'], annotations: { owner: 'me' } },
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers.Location).toBe('/secrets/apiKey');
    const secret = json(response);
    expect(secret).toMatchObject({
      name: 'apiKey',
      description: 'd',
      version: '1.0.0',
      tags: ['prod'],
      annotations: { owner: 'me' },
      lastAccessed: null,
      expiresAt: null,
      expired: false,
      revision: 1,
    });
    expect(secret.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(secret.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(response.body).not.toContain('sk-create-1');
  });

  it('answers 409 SecretAlreadyExists for a name the profile has', async () => {
    await call({ method: 'POST', path: '/secrets', body: { name: 'dupName', value: 'v1' } });
    const response = await call({ method: 'POST', path: '/secrets', body: { name: 'dupName', value: 'v2' } });
    expect(response.statusCode).toBe(409);
    expect(response.headers['Content-Type']).toBe('application/problem+json');
    expect(json(response)).toMatchObject({ status: 409, code: 'SecretAlreadyExists', type: 'about:blank' });
  });

  it('lets another profile use the same name', async () => {
    await call({ method: 'POST', path: '/secrets', body: { name: 'sharedName', value: 'a' } });
    const response = await call({ method: 'POST', path: '/secrets', profile: 'bob', body: { name: 'sharedName', value: 'b' } });
    expect(response.statusCode).toBe(201);
  });

  it('answers 400 naming every invalid field, and stores nothing', async () => {
    const response = await call({
      method: 'POST',
      path: '/secrets',
      body: { name: 'Bad-Name', value: '', version: 'one', tags: ['a', 'a'], expiresAt: '2001-01-01T00:00:00Z', extra: 1 },
    });
    expect(response.statusCode).toBe(400);
    const problem = json(response);
    expect(problem.code).toBe('ValidationError');
    const paths = problem.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'value', 'version', 'tags', 'extra']));
    const raw = await harness.store.scanAll();
    expect(raw.some((item) => item.name === 'Bad-Name')).toBe(false);
  });

  it('refuses an expiresAt in the past', async () => {
    const response = await call({
      method: 'POST',
      path: '/secrets',
      body: { name: 'pastExpiry', value: 'v', expiresAt: '2001-01-01T00:00:00Z' },
    });
    expect(response.statusCode).toBe(400);
    expect(json(response).errors).toEqual([{ path: 'expiresAt', message: 'must be in the future' }]);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const response = await call({
      method: 'POST',
      path: '/secrets',
      rawBody: 'name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.statusCode).toBe(415);
    expect(json(response).code).toBe('UnsupportedMediaType');
  });

  it('answers 400 for malformed JSON', async () => {
    const response = await call({ method: 'POST', path: '/secrets', rawBody: '{"name":' });
    expect(response.statusCode).toBe(400);
    expect(json(response).code).toBe('ValidationError');
  });

  it('answers 401 when the token carries no profile claim', async () => {
    const response = await call({ method: 'POST', path: '/secrets', profile: null, body: { name: 'x', value: 'v' } });
    expect(response.statusCode).toBe(401);
  });
});

describe('get', () => {
  it('returns the value and records the access', async () => {
    await call({ method: 'POST', path: '/secrets', body: { name: 'readMe', value: 'плейн-🔑' } });
    const response = await call({ method: 'GET', path: '/secrets/readMe' });
    expect(response.statusCode).toBe(200);
    const secret = json(response);
    expect(secret.value).toBe('плейн-🔑');
    expect(secret.lastAccessed).not.toBeNull();
    expect(response.headers.ETag).toBe('"1"');
  });

  it('answers 404 for an absent secret and for another profile\'s secret alike', async () => {
    await call({ method: 'POST', path: '/secrets', profile: 'carol', body: { name: 'carolsKey', value: 'c' } });
    const absent = await call({ method: 'GET', path: '/secrets/noSuchKey' });
    const foreign = await call({ method: 'GET', path: '/secrets/carolsKey' });
    expect(absent.statusCode).toBe(404);
    expect(foreign.statusCode).toBe(404);
    expect(json(foreign).code).toBe('SecretNotFound');
    // Exactly the answer an unknown name gets: nothing reveals that carol has it.
    expect(json(foreign)).toEqual({ ...json(absent), detail: "No secret named 'carolsKey'." });
    expect(foreign.headers).toEqual(absent.headers);
  });

  it('answers 410 once expiresAt has passed, before any sweep, and records no access', async () => {
    await call({ method: 'POST', path: '/secrets', body: { name: 'shortLived', value: 'v', expiresAt: future() } });
    const expired = await call({ method: 'POST', path: '/secrets/shortLived/expire' });
    expect(expired.statusCode).toBe(200);
    expect(json(expired)).toMatchObject({ expired: true, revision: 2 });
    const response = await call({ method: 'GET', path: '/secrets/shortLived' });
    expect(response.statusCode).toBe(410);
    expect(json(response).code).toBe('SecretExpired');
    const raw = (await harness.store.scanAll()).find((item) => item.name === 'shortLived');
    expect(raw?.lastAccessed).toBeNull();
  });
});

describe('list', () => {
  it('pages by name with a cursor bound to the profile', async () => {
    for (const name of ['pageA', 'pageB', 'pageC']) {
      await call({ method: 'POST', path: '/secrets', profile: 'dave', body: { name, value: `value-of-${name}` } });
    }
    const first = await call({ method: 'GET', path: '/secrets', profile: 'dave', query: { limit: '2' } });
    const page1 = json(first);
    expect(page1.items.map((s: { name: string }) => s.name)).toEqual(['pageA', 'pageB']);
    expect(page1.nextCursor).toEqual(expect.any(String));
    expect(first.body).not.toContain('value-of-');

    const second = json(await call({ method: 'GET', path: '/secrets', profile: 'dave', query: { limit: '2', cursor: page1.nextCursor } }));
    expect(second.items.map((s: { name: string }) => s.name)).toEqual(['pageC']);
    expect(second.nextCursor).toBeNull();

    const stolen = await call({ method: 'GET', path: '/secrets', profile: 'eve', query: { cursor: page1.nextCursor, limit: '2' } });
    expect(stolen.statusCode).toBe(400);
    const tampered = await call({ method: 'GET', path: '/secrets', profile: 'dave', query: { limit: '2', cursor: `x${page1.nextCursor}` } });
    expect(tampered.statusCode).toBe(400);
  });

  it('filters by prefix, tag and expiry', async () => {
    const p = 'frank';
    await call({ method: 'POST', path: '/secrets', profile: p, body: { name: 'dbPassword', value: 'v', tags: ['db'] } });
    await call({ method: 'POST', path: '/secrets', profile: p, body: { name: 'dbUser', value: 'v' } });
    await call({ method: 'POST', path: '/secrets', profile: p, body: { name: 'oldToken', value: 'v', tags: ['db'] } });
    await call({ method: 'POST', path: `/secrets/oldToken/expire`, profile: p });
    const names = async (query: Record<string, string>) =>
      json(await call({ method: 'GET', path: '/secrets', profile: p, query })).items.map((s: { name: string }) => s.name);
    expect(await names({ prefix: 'db' })).toEqual(['dbPassword', 'dbUser']);
    expect(await names({ tag: 'db' })).toEqual(['dbPassword']);
    expect(await names({ tag: 'db', expired: 'include' })).toEqual(['dbPassword', 'oldToken']);
    expect(await names({ expired: 'only' })).toEqual(['oldToken']);
  });
});

describe('direct invocation', () => {
  it('returns the HTTP body and raises errors named by their code', async () => {
    const created = (await direct('create', { userProfileId: 'grace', name: 'directKey', value: 'direct-value-123' })) as { id: string };
    const byId = (await direct('get', { userProfileId: 'grace', id: created.id })) as { value: string };
    expect(byId.value).toBe('direct-value-123');
    await expect(direct('get', { userProfileId: 'mallory', id: created.id })).rejects.toMatchObject({ name: 'SecretNotFound' });
    await expect(direct('get', { name: 'directKey' })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(direct('create', { userProfileId: 'grace', name: 'directKey', value: 'x' })).rejects.toMatchObject({
      name: 'SecretAlreadyExists',
    });
  });

  it('refuses a reserved annotation key instead of dropping it', async () => {
    // A Lambda payload is parsed with plain JSON.parse, so "__proto__" arrives as an own key.
    const payload = JSON.parse('{"userProfileId":"grace","name":"protoKey","value":"v","annotations":{"__proto__":"x"}}');
    const error = await direct('create', payload).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ValidationError' });
    expect((error as { errors: { path: string }[] }).errors[0]!.path).toMatch(/^annotations/);
    expect((await harness.store.scanAll()).some((item) => item.name === 'protoKey')).toBe(false);
  });
});

describe('storage', () => {
  it('never holds a plaintext value', async () => {
    const raw = JSON.stringify(await harness.store.scanAll());
    for (const plaintext of ['sk-create-1', 'плейн-🔑', 'value-of-pageA', 'direct-value-123']) {
      expect(raw).not.toContain(plaintext);
    }
  });
});

describe('names', () => {
  it('takes Smarter\'s snake_case names as well as camelCase, each its own secret, in paths, lists and prefixes', async () => {
    const profile = 'snake-case-owner';
    for (const name of ['openai_api_key', '2fa_seed', 'apiKey', 'apikey', 'api_key']) {
      const created = await call({ method: 'POST', path: '/secrets', profile, body: { name, value: `value-of-${name}` } });
      expect(created.statusCode, name).toBe(201);
      expect(created.headers.Location).toBe(`/secrets/${name}`);
    }
    for (const name of ['openai_api_key', 'apikey', 'apiKey']) {
      expect(json(await call({ method: 'GET', path: `/secrets/${name}`, profile })).value).toBe(`value-of-${name}`);
    }
    const listed = json(await call({ method: 'GET', path: '/secrets', profile, query: { prefix: 'api_' } }));
    expect(listed.items.map((s: { name: string }) => s.name)).toEqual(['api_key']);
    const all = json(await call({ method: 'GET', path: '/secrets', profile }));
    expect(all.items.map((s: { name: string }) => s.name)).toEqual(['2fa_seed', 'apiKey', 'api_key', 'apikey', 'openai_api_key']);
    for (const name of ['_key', 'key_', 'api__key', 'Api_key', 'api-key', 'my key']) {
      const refused = await call({ method: 'POST', path: '/secrets', profile, body: { name, value: 'v' } });
      expect(refused.statusCode, name).toBe(400);
      expect(json(refused).errors.map((e: { path: string }) => e.path)).toEqual(['name']);
    }
    expect((await direct('get', { userProfileId: profile, name: '2fa_seed' }) as { value: string }).value).toBe('value-of-2fa_seed');
  });
});
