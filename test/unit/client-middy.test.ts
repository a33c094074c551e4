// The Middy middleware for consumer functions: prefetch at cold start, values in request.internal
// and (setToContext) on the context, the client's cache between invocations, errors surfacing in
// the invocation that needs the value, and a failed prefetch tried again.
import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { SecretStore, ServiceUnavailable, secretStoreMiddleware, type Call, type SecretWithValue, type Transport } from '../../client/index.js';
import { sampleSecret } from '../support/sample-secret.js';

const secret = (name: string, value: string): SecretWithValue => ({ ...sampleSecret({ name }), value });

/** A store whose every get answers `values[name]`, or fails while `down`. */
function fakeStore(values: Record<string, string>) {
  const calls: Call[] = [];
  const state = { down: false };
  const transport: Transport = {
    async send(call) {
      calls.push(call);
      if (state.down) throw new ServiceUnavailable({ detail: 'down' });
      return { body: secret(call.name!, values[call.name!]!), replayed: false };
    },
  };
  return { calls, state, transport };
}

describe('secretStoreMiddleware', () => {
  it('fetches at cold start, and puts each value in request.internal and on the context', async () => {
    const fake = fakeStore({ openaiKey: 'sk-1', dbPassword: 'pw' });
    const store = new SecretStore({ transport: fake.transport });
    const seen: unknown[] = [];
    const handler = middy(async (_event: unknown, context: Record<string, unknown>) => context.openaiKey)
      .use(secretStoreMiddleware({ store, fetchData: { openaiKey: 'openaiKey', db: 'dbPassword' }, setToContext: true }))
      .before(async (request) => void seen.push({ ...request.internal }));
    // Before any invocation: the cold start's prefetch.
    expect(fake.calls.map((c) => c.name)).toEqual(['openaiKey', 'dbPassword']);
    expect(await handler({}, {} as never)).toBe('sk-1');
    expect(await handler({}, {} as never)).toBe('sk-1');
    // Served from the client's cache afterwards.
    expect(fake.calls).toHaveLength(2);
    const handlerInternal = middy(async (_e: unknown, context: Record<string, unknown>) => context.openaiKey ?? 'not on the context').use(
      secretStoreMiddleware({ store, fetchData: { openaiKey: 'openaiKey' }, disablePrefetch: true }),
    );
    expect(await handlerInternal({}, {} as never)).toBe('not on the context');
    expect(seen).toEqual([
      { openaiKey: 'sk-1', db: 'pw' },
      { openaiKey: 'sk-1', db: 'pw' },
    ]);
  });

  it('waits for the first invocation with disablePrefetch, and builds a store from options with cacheExpiry as its TTL', async () => {
    const fake = fakeStore({ k: 'v' });
    const handler = middy(async (_e: unknown, context: Record<string, unknown>) => context.key).use(
      secretStoreMiddleware({ store: { transport: fake.transport }, fetchData: { key: 'k' }, setToContext: true, disablePrefetch: true, cacheExpiry: 0 }),
    );
    expect(fake.calls).toHaveLength(0);
    expect(await handler({}, {} as never)).toBe('v');
    expect(await handler({}, {} as never)).toBe('v');
    // cacheExpiry 0: every invocation asks.
    expect(fake.calls).toHaveLength(2);
  });

  it('fails the invocation that needs a value the store cannot give, and tries again on the next', async () => {
    const fake = fakeStore({ k: 'v' });
    fake.state.down = true;
    const store = new SecretStore({ transport: fake.transport, retry: { attempts: 1 } });
    const handler = middy(async (_e: unknown, context: Record<string, unknown>) => context.key).use(
      secretStoreMiddleware({ store, fetchData: { key: 'k' }, setToContext: true }),
    );
    await expect(handler({}, {} as never)).rejects.toBeInstanceOf(ServiceUnavailable);
    fake.state.down = false;
    expect(await handler({}, {} as never)).toBe('v');
  });

  it('refuses a fetchData entry that names no secret', () => {
    const store = new SecretStore({ transport: fakeStore({}).transport });
    expect(() => secretStoreMiddleware({ store, fetchData: { key: '' } })).toThrow(/fetchData.key/);
  });
});
