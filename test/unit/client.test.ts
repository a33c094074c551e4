// The client's own logic, with a fake transport and clock: the cache's rules, retries and their
// back-off, idempotency keys, the error classes each transport raises, and that the client
// imports nothing of the server's.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  InternalError,
  SecretCache,
  SecretDamaged,
  SecretExpired,
  SecretNotFound,
  SecretStore,
  SecretStoreError,
  ServiceUnavailable,
  TooManyRequests,
  TransportError,
  Unauthorized,
  ValidationError,
  VersionDestroyed,
  VersionNotFound,
  httpTransport,
  lambdaTransport,
  type Call,
  type SecretWithValue,
  type Transport,
} from '../../client/index.js';
import { lambdaError } from '../../client/transport.js';
import type { Secret as ClientSecret, SecretWithValue as ClientSecretWithValue } from '../../client/index.js';
import type { Secret as ServerSecret } from '../../lib/domain/secret.js';
import type { SecretWithValue as ServerSecretWithValue } from '../../lib/secrets/service.js';
import { sampleSecret } from '../support/sample-secret.js';

// The client's copy of the contract's shapes is the server's, field for field (checked by tsc).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const clientTypesMatchServer: [Same<ClientSecret, ServerSecret>, Same<ClientSecretWithValue, ServerSecretWithValue>] = [true, true];

const secret = (value: string, expiresAt: string | null = null): SecretWithValue => ({ ...sampleSecret({ expiresAt }), value });

function clock(start = Date.parse('2026-12-02T10:00:00.000Z')) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

/** A read that answers with `value` (or throws it), counting calls; `release` answers a held one. */
function reader() {
  let calls = 0;
  let next: () => Promise<SecretWithValue> = async () => secret('v1');
  return {
    read: () => {
      calls++;
      return next();
    },
    answer(value: SecretWithValue | Error) {
      next = async () => {
        if (value instanceof Error) throw value;
        return value;
      };
    },
    hold() {
      let release!: (v: SecretWithValue) => void;
      next = () => new Promise((resolve) => (release = resolve));
      return (v: SecretWithValue) => release(v);
    },
    get calls() {
      return calls;
    },
  };
}
const retryable = (e: unknown) => e instanceof ServiceUnavailable;

describe('the get cache', () => {
  it('serves a value for its TTL, then asks again', async () => {
    const time = clock();
    const cache = new SecretCache({ ttlMs: 60_000, now: time.now });
    const r = reader();
    expect((await cache.get('apiKey', r.read, retryable)).value).toBe('v1');
    time.advance(59_999);
    await cache.get('apiKey', r.read, retryable);
    expect(r.calls).toBe(1);
    time.advance(1);
    r.answer(secret('v2'));
    expect((await cache.get('apiKey', r.read, retryable)).value).toBe('v2');
    expect(r.calls).toBe(2);
  });

  it('never serves a value at or past the secret\'s expiresAt, and never caches an expired one', async () => {
    const time = clock();
    const cache = new SecretCache({ ttlMs: 60_000, now: time.now });
    const r = reader();
    r.answer(secret('v1', new Date(time.now() + 10_000).toISOString()));
    await cache.get('apiKey', r.read, retryable);
    time.advance(9_999);
    await cache.get('apiKey', r.read, retryable);
    expect(r.calls).toBe(1);
    time.advance(1);
    r.answer(new SecretNotFound({ detail: 'gone' }));
    await expect(cache.get('apiKey', r.read, retryable)).rejects.toBeInstanceOf(SecretNotFound);
    r.answer(secret('v1', new Date(time.now()).toISOString()));
    await cache.get('apiKey', r.read, retryable);
    expect(cache.size).toBe(0);
    r.answer({ ...secret('v1'), expired: true });
    await cache.get('apiKey', r.read, retryable);
    expect(cache.size).toBe(0);
  });

  it('sends one request for concurrent gets of a name, and one per name', async () => {
    const cache = new SecretCache();
    const r = reader();
    const release = r.hold();
    const gets = [cache.get('a', r.read, retryable), cache.get('a', r.read, retryable), cache.get('a', r.read, retryable)];
    expect(r.calls).toBe(1);
    release(secret('shared'));
    expect((await Promise.all(gets)).map((s) => s.value)).toEqual(['shared', 'shared', 'shared']);
    r.answer(secret('b'));
    await cache.get('b', r.read, retryable);
    expect(r.calls).toBe(2);
  });

  it('does not cache a read that was in flight when the name was invalidated (a write through this client)', async () => {
    const cache = new SecretCache();
    const r = reader();
    const release = r.hold();
    const before = cache.get('apiKey', r.read, retryable);
    cache.invalidate('apiKey');
    r.answer(secret('after-write'));
    const after = cache.get('apiKey', r.read, retryable);
    release(secret('before-write'));
    expect((await before).value).toBe('before-write');
    expect((await after).value).toBe('after-write');
    expect((await cache.get('apiKey', r.read, retryable)).value).toBe('after-write');
    expect(r.calls).toBe(2);
  });

  it('serves a stale value when the store cannot answer, within the bound, never for a 404 or past expiresAt', async () => {
    const time = clock();
    const cache = new SecretCache({ ttlMs: 1_000, staleIfErrorMs: 5_000, now: time.now });
    const r = reader();
    r.answer(secret('v1', new Date(time.now() + 4_000).toISOString()));
    await cache.get('apiKey', r.read, retryable);
    time.advance(2_000);
    r.answer(new ServiceUnavailable({ detail: 'down' }));
    expect((await cache.get('apiKey', r.read, retryable)).value).toBe('v1');
    r.answer(new SecretNotFound({ detail: 'gone' }));
    await expect(cache.get('apiKey', r.read, retryable)).rejects.toBeInstanceOf(SecretNotFound);
    time.advance(2_000);
    r.answer(new ServiceUnavailable({ detail: 'down' }));
    await expect(cache.get('apiKey', r.read, retryable)).rejects.toBeInstanceOf(ServiceUnavailable);

    // The bound: TTL plus staleIfErrorMs.
    const bounded = new SecretCache({ ttlMs: 1_000, staleIfErrorMs: 5_000, now: time.now });
    r.answer(secret('v2'));
    await bounded.get('apiKey', r.read, retryable);
    time.advance(5_999);
    r.answer(new ServiceUnavailable({ detail: 'down' }));
    expect((await bounded.get('apiKey', r.read, retryable)).value).toBe('v2');
    time.advance(1);
    await expect(bounded.get('apiKey', r.read, retryable)).rejects.toBeInstanceOf(ServiceUnavailable);
  });

  it('keeps at most maxEntries names, dropping the least recently used', async () => {
    const cache = new SecretCache({ maxEntries: 2 });
    const r = reader();
    for (const name of ['a', 'b']) await cache.get(name, r.read, retryable);
    await cache.get('a', r.read, retryable);
    await cache.get('c', r.read, retryable);
    expect(cache.size).toBe(2);
    expect(r.calls).toBe(3);
    await cache.get('a', r.read, retryable);
    expect(r.calls).toBe(3);
    await cache.get('b', r.read, retryable);
    expect(r.calls).toBe(4);
  });
});

/** A transport that answers from a script and records what it was sent. */
function scripted(...answers: Array<unknown | Error>): Transport & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    async send(call) {
      calls.push(call);
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      return { body: answer, replayed: false };
    },
  };
}

describe('SecretStore', () => {
  it('retries 503, throttling and lost answers with back-off, honouring Retry-After, up to its attempts', async () => {
    const waits: number[] = [];
    const transport = scripted(
      new ServiceUnavailable({ detail: 'busy', retryAfter: 2 }),
      new TooManyRequests({ detail: 'slow down' }),
      new TransportError({ detail: 'lost' }),
      secret('v'),
    );
    const store = new SecretStore({ transport, cache: false, sleep: async (ms) => void waits.push(ms), retry: { baseDelayMs: 100, maxDelayMs: 5_000 } });
    expect((await store.get('apiKey')).value).toBe('v');
    expect(transport.calls).toHaveLength(4);
    expect(waits[0]).toBe(2_000);
    expect(waits[1]).toBeLessThanOrEqual(200);
    expect(waits[2]).toBeLessThanOrEqual(400);

    const failing = scripted(...Array.from({ length: 5 }, () => new ServiceUnavailable({ detail: 'down', retryAfter: 60 })));
    const capped: number[] = [];
    const impatient = new SecretStore({ transport: failing, cache: false, retry: { attempts: 3 }, sleep: async (ms) => void capped.push(ms) });
    await expect(impatient.get('apiKey')).rejects.toBeInstanceOf(ServiceUnavailable);
    expect(failing.calls).toHaveLength(3);
    expect(capped).toEqual([5_000, 5_000]);
  });

  it('does not retry what a retry cannot change', async () => {
    for (const error of [new ValidationError({ detail: 'bad' }), new SecretNotFound({ detail: 'no' }), new InternalError({ detail: 'x' }), new SecretDamaged({ detail: 'x' })]) {
      const transport = scripted(error, secret('v'));
      const store = new SecretStore({ transport, cache: false, sleep: async () => {} });
      await expect(store.get('apiKey')).rejects.toBe(error);
      expect(transport.calls).toHaveLength(1);
    }
  });

  it('sends every attempt of a write with one idempotency key, a new one per call, or the caller\'s', async () => {
    const transport = scripted(new TransportError({ detail: 'lost' }), secret('v'), secret('v'), secret('v'));
    const store = new SecretStore({ transport, sleep: async () => {} });
    await store.update('apiKey', { description: 'd' }, { ifMatch: [3, 4] });
    await store.delete('apiKey');
    await store.expire('apiKey', { idempotencyKey: 'mine', at: new Date('2030-01-01T00:00:00Z') });
    const [first, retry, remove, expire] = transport.calls;
    expect(first!.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(retry!.idempotencyKey).toBe(first!.idempotencyKey);
    expect(remove!.idempotencyKey).not.toBe(first!.idempotencyKey);
    expect(expire).toMatchObject({ idempotencyKey: 'mine', fields: { at: '2030-01-01T00:00:00.000Z' } });
    expect(first!.ifMatch).toBe('"3", "4"');
  });

  it('walks every page of a list', async () => {
    const page = (names: string[], nextCursor: string | null) => ({ items: names.map((name) => ({ ...secret('x'), name })), nextCursor });
    const transport = scripted(page(['a', 'b'], 'c1'), page([], 'c2'), page(['c'], null));
    const store = new SecretStore({ transport });
    const names: string[] = [];
    for await (const s of store.list({ tag: 't' })) names.push(s.name);
    expect(names).toEqual(['a', 'b', 'c']);
    expect(transport.calls.map((c) => c.query)).toEqual([{ tag: 't' }, { tag: 't', cursor: 'c1' }, { tag: 't', cursor: 'c2' }]);
  });
});

describe('the transports', () => {
  const fetchAnswering = (status: number, body: string, headers: Record<string, string> = {}) =>
    (async () => new Response(body || null, { status, headers })) as unknown as typeof fetch;
  const http = (f: typeof fetch) => httpTransport({ endpoint: 'https://api.test/', token: async () => 't', fetch: f });

  it('over HTTP, raise the class of the problem\'s code with its fields and Retry-After, or of the status for a gateway\'s own answer', async () => {
    const problem = JSON.stringify({ type: 'about:blank', title: 'Invalid request', status: 400, code: 'ValidationError', detail: 'Invalid name.', errors: [{ path: 'name', message: 'bad' }] });
    const invalid = await http(fetchAnswering(400, problem, { 'content-type': 'application/problem+json' })).send({ operation: 'get', name: 'x' }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(invalid).toMatchObject({ status: 400, message: 'Invalid name.', fieldErrors: [{ path: 'name', message: 'bad' }] });
    const busy = await http(fetchAnswering(503, JSON.stringify({ code: 'ServiceUnavailable', detail: 'd' }), { 'retry-after': '3' })).send({ operation: 'list' }).catch((e: unknown) => e);
    expect(busy).toMatchObject({ code: 'ServiceUnavailable', retryAfter: 3, retryable: true });
    await expect(http(fetchAnswering(401, '{"message":"Unauthorized"}')).send({ operation: 'list' })).rejects.toBeInstanceOf(Unauthorized);
    await expect(http(fetchAnswering(429, '{"message":"Too Many Requests"}')).send({ operation: 'list' })).rejects.toBeInstanceOf(TooManyRequests);
    await expect(http(fetchAnswering(504, 'gateway timeout')).send({ operation: 'list' })).rejects.toBeInstanceOf(ServiceUnavailable);
    const unreachable = (async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    await expect(http(unreachable).send({ operation: 'list' })).rejects.toBeInstanceOf(TransportError);
  });

  it('over HTTP, send the route, the query, If-Match and the idempotency key, the name escaped', async () => {
    const sent: { url: string; init: RequestInit }[] = [];
    const recording = (async (url: string, init: RequestInit) => {
      sent.push({ url, init });
      return new Response('{}', { status: 200, headers: { 'idempotent-replayed': 'true' } });
    }) as unknown as typeof fetch;
    const answer = await http(recording).send({ operation: 'update', name: 'a/b', fields: { description: 'd' }, ifMatch: '"2"', idempotencyKey: 'k' });
    expect(answer.replayed).toBe(true);
    await http(recording).send({ operation: 'list', query: { limit: 5, tag: undefined, prefix: 'ab' } });
    expect(sent[0]!.url).toBe('https://api.test/secrets/a%2Fb');
    expect(sent[0]!.init).toMatchObject({ method: 'PATCH', body: '{"description":"d"}', headers: { 'if-match': '"2"', 'idempotency-key': 'k', authorization: 'Bearer t', 'content-type': 'application/json' } });
    expect(sent[1]!.url).toBe('https://api.test/secrets?limit=5&prefix=ab');
  });

  it('over direct invocation, name the function, put the profile and the key in the payload, and raise the errorType\'s class', async () => {
    const sent: { FunctionName: string; payload: unknown }[] = [];
    const answering = (result: { FunctionError?: string; Payload?: unknown }) => ({
      async send(command: unknown) {
        const { FunctionName, Payload } = (command as { input: { FunctionName: string; Payload: Uint8Array } }).input;
        sent.push({ FunctionName, payload: JSON.parse(new TextDecoder().decode(Payload)) });
        return { ...(result.FunctionError && { FunctionError: result.FunctionError }), Payload: new TextEncoder().encode(JSON.stringify(result.Payload)) };
      },
    });
    const direct = (client: ReturnType<typeof answering>) => lambdaTransport({ functionPrefix: 'secret-store-prod-', profile: 'alice', client });
    await direct(answering({ Payload: { ok: true } })).send({ operation: 'update', name: 'k', fields: { description: 'd' }, ifMatch: '*', idempotencyKey: 'key-1' });
    expect(sent[0]).toEqual({ FunctionName: 'secret-store-prod-update', payload: { userProfileId: 'alice', description: 'd', name: 'k', ifMatch: '*', clientToken: 'key-1' } });
    await expect(direct(answering({ FunctionError: 'Unhandled', Payload: { errorType: 'SecretNotFound', errorMessage: "No secret named 'k'." } })).send({ operation: 'get', name: 'k' })).rejects.toMatchObject({
      code: 'SecretNotFound',
      status: 404,
      message: "No secret named 'k'.",
    });
    // serverless-offline reports every errorType as "Error" and the code in the first trace line.
    const offline = { FunctionError: 'Unhandled', Payload: { errorType: 'Error', errorMessage: 'busy', trace: ['ServiceUnavailable: busy', '    at x'] } };
    await expect(direct(answering(offline)).send({ operation: 'get', name: 'k' })).rejects.toBeInstanceOf(ServiceUnavailable);
    const throttled = { send: async () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' })) };
    await expect(direct(throttled).send({ operation: 'list' })).rejects.toBeInstanceOf(TooManyRequests);
  });
});

describe('value history and recoverable deletes', () => {
  const current = { ...secret('current-value'), valueVersion: 2 };
  const older = { ...secret('older-value'), valueVersion: 1 };
  const history = [
    { version: 2, createdAt: '2026-12-02T09:30:00.000Z', current: true, destroyed: false },
    { version: 1, createdAt: '2026-12-02T09:00:00.000Z', current: false, destroyed: false },
  ];

  /** Every call the new methods make, in one order, over whichever transport `store` has. */
  async function everyCall(store: SecretStore) {
    expect((await store.get('apiKey', { version: 1 })).value).toBe('older-value');
    await store.get('apiKey', { version: 1, owner: 'bob' });
    expect(await store.versions('apiKey')).toEqual(history);
    expect((await store.restore('apiKey')).name).toBe('apiKey');
    await store.rollback('apiKey', 1, { ifMatch: 5, idempotencyKey: 'rollback-key' });
    await store.delete('apiKey', { force: true, idempotencyKey: 'force-key' });
    await store.delete('apiKey', { force: false, idempotencyKey: 'plain-key' });
    await store.listPage({ deleted: 'only' });
  }

  it('over HTTP, send each to its route, with its query, body, If-Match and idempotency key', async () => {
    const sent: { method: string; url: string; headers: Record<string, string>; body?: unknown }[] = [];
    const recording = (async (url: string, init: RequestInit) => {
      sent.push({ method: init.method!, url, headers: init.headers as Record<string, string>, ...(init.body !== undefined && { body: init.body }) });
      const path = new URL(url).pathname;
      if (init.method === 'DELETE') return new Response(null, { status: 204 });
      const body = path.endsWith('/versions') ? { items: history } : path === '/secrets' ? { items: [], nextCursor: null } : init.method === 'GET' ? older : current;
      return new Response(JSON.stringify(body), { status: 200 });
    }) as unknown as typeof fetch;
    await everyCall(new SecretStore({ http: { endpoint: 'https://api.test', token: 't', fetch: recording } }));
    expect(sent.map(({ method, url, body }) => [method, url, body])).toEqual([
      ['GET', 'https://api.test/secrets/apiKey?version=1', undefined],
      ['GET', 'https://api.test/secrets/apiKey?owner=bob&version=1', undefined],
      ['GET', 'https://api.test/secrets/apiKey/versions', undefined],
      ['POST', 'https://api.test/secrets/apiKey/restore', undefined],
      ['PATCH', 'https://api.test/secrets/apiKey', '{"restoreVersion":1}'],
      ['DELETE', 'https://api.test/secrets/apiKey?force=true', undefined],
      ['DELETE', 'https://api.test/secrets/apiKey', undefined],
      ['GET', 'https://api.test/secrets?deleted=only', undefined],
    ]);
    const [, , versions, restore, rollback, force, plain] = sent.map((s) => s.headers);
    // Reads and restore carry no idempotency key (restore takes none); restore has no body, so no content type.
    for (const headers of [versions, restore]) expect(Object.keys(headers!).sort()).toEqual(['accept', 'authorization']);
    expect(rollback).toMatchObject({ 'content-type': 'application/json', 'if-match': '"5"', 'idempotency-key': 'rollback-key' });
    expect(force).toMatchObject({ 'idempotency-key': 'force-key' });
    expect(plain).toMatchObject({ 'idempotency-key': 'plain-key' });
  });

  it('over direct invocation, invoke each function with the fields in the payload', async () => {
    const sent: { FunctionName: string; payload: unknown }[] = [];
    const client = {
      async send(command: unknown) {
        const { FunctionName, Payload } = (command as { input: { FunctionName: string; Payload: Uint8Array } }).input;
        sent.push({ FunctionName, payload: JSON.parse(new TextDecoder().decode(Payload)) });
        const op = FunctionName.slice('secret-store-prod-'.length);
        const body = { get: older, versions: { items: history }, list: { items: [], nextCursor: null }, delete: null }[op] ?? current;
        return { Payload: new TextEncoder().encode(JSON.stringify(body)) };
      },
    };
    await everyCall(new SecretStore({ lambda: { functionPrefix: 'secret-store-prod-', profile: 'alice', client } }));
    expect(sent).toEqual([
      { FunctionName: 'secret-store-prod-get', payload: { userProfileId: 'alice', name: 'apiKey', version: 1 } },
      { FunctionName: 'secret-store-prod-get', payload: { userProfileId: 'alice', name: 'apiKey', owner: 'bob', version: 1 } },
      { FunctionName: 'secret-store-prod-versions', payload: { userProfileId: 'alice', name: 'apiKey' } },
      { FunctionName: 'secret-store-prod-restore', payload: { userProfileId: 'alice', name: 'apiKey' } },
      { FunctionName: 'secret-store-prod-update', payload: { userProfileId: 'alice', name: 'apiKey', restoreVersion: 1, ifMatch: '"5"', clientToken: 'rollback-key' } },
      { FunctionName: 'secret-store-prod-delete', payload: { userProfileId: 'alice', name: 'apiKey', force: true, clientToken: 'force-key' } },
      { FunctionName: 'secret-store-prod-delete', payload: { userProfileId: 'alice', name: 'apiKey', clientToken: 'plain-key' } },
      { FunctionName: 'secret-store-prod-list', payload: { userProfileId: 'alice', deleted: 'only' } },
    ]);
    const direct = lambdaTransport({ functionPrefix: 'p-', profile: 'alice', client });
    await direct.send({ operation: 'get', id: current.id, query: { version: 3 } });
    expect(sent.at(-1)).toEqual({ FunctionName: 'p-get', payload: { userProfileId: 'alice', id: current.id, version: 3 } });
  });

  it('reads a version past the cache: asked every time, never cached, and the cached current value left as it is', async () => {
    const transport = scripted(current, older, older, { ...older, valueVersion: 2, value: 'v2' });
    const store = new SecretStore({ transport });
    expect((await store.get('apiKey')).value).toBe('current-value');
    expect((await store.get('apiKey', { version: 1 })).value).toBe('older-value');
    expect((await store.get('apiKey', { version: 1 })).value).toBe('older-value');
    expect((await store.get('apiKey')).value).toBe('current-value');
    expect(transport.calls).toHaveLength(3);
    // Nothing cached before: a version's answer does not become the current value either.
    const fresh = new SecretStore({ transport: scripted(older, current), sleep: async () => {} });
    await fresh.get('apiKey', { version: 1 });
    expect((await fresh.get('apiKey')).value).toBe('current-value');
    // A version the store refuses leaves the cached current value too.
    const refusing = scripted(current, new VersionDestroyed({ detail: 'gone' }), new VersionNotFound({ detail: 'never' }));
    const cached = new SecretStore({ transport: refusing });
    await cached.get('apiKey');
    await expect(cached.get('apiKey', { version: 1 })).rejects.toBeInstanceOf(VersionDestroyed);
    await expect(cached.get('apiKey', { version: 9 })).rejects.toBeInstanceOf(VersionNotFound);
    expect((await cached.get('apiKey')).value).toBe('current-value');
    expect(refusing.calls).toHaveLength(3);
  });

  it('lists versions uncached, and drops the cached value on restore, rollback and a forced delete', async () => {
    const transport = scripted({ items: history }, { items: history }, current, current, current, current, current, undefined, current);
    const store = new SecretStore({ transport });
    await store.versions('apiKey');
    await store.versions('apiKey');
    const reads = () => transport.calls.filter((c) => c.operation === 'get').length;
    await store.get('apiKey');
    await store.restore('apiKey');
    await store.get('apiKey');
    await store.rollback('apiKey', 1);
    await store.get('apiKey');
    await store.delete('apiKey', { force: true });
    await store.get('apiKey');
    expect(reads()).toBe(4);
    expect(transport.calls.map((c) => c.operation)).toEqual(['versions', 'versions', 'get', 'restore', 'get', 'update', 'get', 'delete', 'get']);
  });

  it('retries a rollback with one idempotency key, and a restore (which takes none) as a read', async () => {
    const transport = scripted(new TransportError({ detail: 'lost' }), current, new ServiceUnavailable({ detail: 'busy' }), current);
    const store = new SecretStore({ transport, sleep: async () => {} });
    await store.rollback('apiKey', 1);
    await store.restore('apiKey');
    const [first, retry, restore, restoreRetry] = transport.calls;
    expect(first).toMatchObject({ operation: 'update', name: 'apiKey', fields: { restoreVersion: 1 } });
    expect(first!.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(retry!.idempotencyKey).toBe(first!.idempotencyKey);
    expect(first!.ifMatch).toBeUndefined();
    expect(restore).toEqual({ operation: 'restore', name: 'apiKey' });
    expect(restoreRetry).toEqual(restore);
  });

  it('raise VersionNotFound (404) and VersionDestroyed (410) by their codes; a bare 404 or 410 stays the secret\'s', async () => {
    const fetchAnswering = (status: number, body: unknown) => (async () => new Response(JSON.stringify(body), { status })) as unknown as typeof fetch;
    const http = (status: number, body: unknown) => httpTransport({ endpoint: 'https://api.test', token: 't', fetch: fetchAnswering(status, body) }).send({ operation: 'get', name: 'k', query: { version: 4 } });
    await expect(http(404, { code: 'VersionNotFound', detail: "'k' never had version 4." })).rejects.toMatchObject({ constructor: VersionNotFound, code: 'VersionNotFound', status: 404, retryable: false });
    await expect(http(410, { code: 'VersionDestroyed', detail: 'Version 4 is destroyed.' })).rejects.toMatchObject({ constructor: VersionDestroyed, code: 'VersionDestroyed', status: 410, retryable: false });
    await expect(http(404, { message: 'Not Found' })).rejects.toBeInstanceOf(SecretNotFound);
    await expect(http(410, { message: 'Gone' })).rejects.toBeInstanceOf(SecretExpired);
    expect(lambdaError({ errorType: 'VersionDestroyed', errorMessage: 'gone' })).toBeInstanceOf(VersionDestroyed);
    expect(lambdaError({ errorType: 'Error', errorMessage: 'never', trace: ['VersionNotFound: never'] })).toBeInstanceOf(VersionNotFound);
    expect(new VersionNotFound({ detail: 'x' })).toBeInstanceOf(SecretStoreError);
  });
});

describe('the client package', () => {
  it('imports nothing of the server and no dependency but the Lambda SDK (loaded only for direct invocation)', async () => {
    const result = await build({
      entryPoints: ['client/index.ts'],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      metafile: true,
      external: ['@aws-sdk/client-lambda'],
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.every((path) => path.startsWith('client/')), inputs.join(', ')).toBe(true);
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect([...new Set(imports)].sort()).toEqual(['@aws-sdk/client-lambda', 'node:crypto']);
  });
});

describe('the CLI\'s environment names', () => {
  it('are the names in upper snake case, camelCase and Smarter\'s snake_case alike', async () => {
    const { envName } = await import('../../client/cli.js');
    expect(['apiKey', 'openai_api_key', 'dbPassword2', '2fa_seed', 'x'].map(envName)).toEqual(['API_KEY', 'OPENAI_API_KEY', 'DB_PASSWORD2', '_2FA_SEED', 'X']);
    // Two names, one variable: `env` and `exec` refuse rather than pick one (checked in the e2e test's CLI run).
    expect(envName('apiKey')).toBe(envName('api_key'));
  });
});
