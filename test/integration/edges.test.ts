// The edges of the HTTP and direct interfaces: only declared query parameters, bodies that are
// exactly application/json, If-Match by strong comparison, identity failures named by the claim,
// one spelling per profile id, and expire that only brings an expiry forward.
import { describe, expect, it } from 'vitest';
import { useHandlers } from '../support/harness.js';
import { json, lambdaContext, type HttpResponse } from '../support/http.js';

const harness = useHandlers();
const { call, direct } = harness;
const problemOf = (response: HttpResponse) => ({ status: response.statusCode, ...json(response) });
const create = (name: string, profile = 'alice') => call({ method: 'POST', path: '/secrets', profile, body: { name, value: `value-of-${name}` } });

describe('query strings', () => {
  it('read only the parameters a route declares, and never override the body', async () => {
    const created = await call({ method: 'POST', path: '/secrets', query: { name: 'queryName' }, body: { name: 'bodyName', value: 'v' } });
    expect(problemOf(created)).toMatchObject({ status: 400, errors: [{ path: 'name', message: 'is not a known query parameter' }] });
    await create('apiKey');
    const patched = await call({ method: 'PATCH', path: '/secrets/apiKey', query: { description: 'viaQuery' } });
    expect(problemOf(patched)).toMatchObject({ status: 400, errors: [{ path: 'description', message: 'is not a known query parameter' }] });
    const listed = await call({ method: 'GET', path: '/secrets', query: { name: 'x', limit: '2' } });
    expect(problemOf(listed)).toMatchObject({ status: 400, errors: [{ path: 'name', message: 'is not a known query parameter' }] });
    expect((await call({ method: 'GET', path: '/secrets', query: { limit: '2', prefix: 'api' } })).statusCode).toBe(200);
    expect(json(await call({ method: 'GET', path: '/secrets/apiKey' })).description).toBe('');
  });

  it('take If-Match from the header only: an ifMatch body field is refused', async () => {
    await create('headerOnly');
    const response = await call({ method: 'PATCH', path: '/secrets/headerOnly', body: { description: 'x', ifMatch: 1 } });
    expect(problemOf(response)).toMatchObject({ status: 400, errors: [{ path: 'ifMatch', message: 'is not a known field' }] });
  });
});

describe('request bodies', () => {
  it.each([
    ['application/vnd.evil+json', 415],
    ['application/json; charset=utf-16', 415],
    ['text/plain', 415],
    ['application/json;charset=UTF-8', 201],
    ['APPLICATION/JSON', 201],
  ])('with Content-Type %s answer %i', async (contentType, status) => {
    const name = `typed${Math.random().toString(36).slice(2, 8)}`;
    const response = await call({ method: 'POST', path: '/secrets', headers: { 'content-type': contentType }, body: { name, value: 'v' } });
    expect(response.statusCode).toBe(status);
  });

  it('without a Content-Type answer 415', async () => {
    const response = await call({ method: 'POST', path: '/secrets', headers: { 'content-type': '' }, rawBody: '{"name":"untyped","value":"v"}' });
    expect(problemOf(response)).toMatchObject({ status: 415, code: 'UnsupportedMediaType' });
  });
});

describe('If-Match', () => {
  const patch = (name: string, ifMatch: string) => call({ method: 'PATCH', path: `/secrets/${name}`, headers: { 'if-match': ifMatch }, body: { description: ifMatch } });

  it('compares strongly: a weak tag never matches, a list matches any of its revisions, * matches any revision', async () => {
    await create('guarded');
    expect((await patch('guarded', 'W/"1"')).statusCode).toBe(412);
    expect((await patch('guarded', '"7", "1"')).statusCode).toBe(200);
    expect((await patch('guarded', '*')).statusCode).toBe(200);
    expect(json(await call({ method: 'GET', path: '/secrets/guarded' })).revision).toBe(3);
    // For a secret that does not exist, * matches nothing: absent, as ever.
    expect((await patch('neverCreated', '*')).statusCode).toBe(404);
  });

  it.each(['"3', '3', '"a" x', ''])('refuses the malformed %j with 400', async (ifMatch) => {
    await create(`malformed${ifMatch.length}`);
    const response = await patch(`malformed${ifMatch.length}`, ifMatch);
    expect(problemOf(response)).toMatchObject({ status: 400, errors: [{ path: 'If-Match' }] });
  });
});

describe('identity', () => {
  it('a token without the profile claim, or with another type, is Unauthorized naming the claim', async () => {
    expect(problemOf(await call({ method: 'GET', path: '/secrets', profile: null }))).toMatchObject({
      status: 401,
      code: 'Unauthorized',
      errors: [{ path: 'token.sub', message: 'is required' }],
    });
  });

  it.each([
    ['a zero-width space', 'alice\u200b'],
    ['a right-to-left override', 'alice\u202e'],
    ['a decomposed é', 'alice\u0301'.normalize('NFD') + 'e\u0301'],
    ['whitespace', 'ali ce'],
    ['257 characters', 'a'.repeat(257)],
  ])('refuses a profile id with %s: over HTTP 401 naming the claim, directly 400 naming userProfileId', async (_label, id) => {
    const response = await call({ method: 'GET', path: '/secrets', profile: id });
    expect(problemOf(response)).toMatchObject({ status: 401, errors: [{ path: 'token.sub' }] });
    const error = (await direct('list', { userProfileId: id }).catch((e: Error) => e)) as { name: string; errors: { path: string }[] };
    expect(error).toMatchObject({ name: 'ValidationError', errors: [{ path: 'userProfileId' }] });
  });

  it('accepts the composed spelling of a name with an accent', async () => {
    expect((await create('accented', 'alicé'.normalize('NFC'))).statusCode).toBe(201);
  });
});

describe('expire', () => {
  it('only brings an expiry forward: a later time is refused, naming at', async () => {
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    await call({ method: 'POST', path: '/secrets', body: { name: 'soon', value: 'v', expiresAt: soon } });
    const later = await call({ method: 'POST', path: '/secrets/soon/expire', body: { at: '2999-01-01T00:00:00Z' } });
    expect(problemOf(later)).toMatchObject({ status: 400, errors: [{ path: 'at' }] });
    expect(json(await call({ method: 'GET', path: '/secrets/soon' })).expiresAt).toBe(soon);
    const earlier = new Date(Date.now() + 60_000).toISOString();
    expect(json(await call({ method: 'POST', path: '/secrets/soon/expire', body: { at: earlier } })).expiresAt).toBe(earlier);
  });

  it('sets an expiry on a secret that had none', async () => {
    await direct('create', { userProfileId: 'bob', name: 'forever', value: 'v' });
    const at = new Date(Date.now() + 60_000).toISOString();
    expect(await harness.handlers.expire({ userProfileId: 'bob', name: 'forever', at }, lambdaContext())).toMatchObject({ expiresAt: at });
  });
});
