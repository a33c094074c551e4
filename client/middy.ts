// A Middy middleware for functions that use secrets, shaped like @middy/ssm and
// @middy/secrets-manager: `fetchData` maps a key of the context (or of request.internal) to a
// secret's name; values are fetched at cold start (prefetch) and served from the client's cache,
// which never runs past a secret's expiry and drops what this client changed.
import type { MiddlewareObj, Request } from '@middy/core';
import { SecretStore, type SecretStoreOptions } from './store.js';

export interface SecretStoreMiddlewareOptions {
  /** A SecretStore made at module scope, or the options to make one (with `cacheExpiry` as its cache TTL). */
  store: SecretStore | SecretStoreOptions;
  /** `{ contextKey: 'secretName' }`: each secret's value is put under its key. */
  fetchData: Record<string, string>;
  /**
   * Milliseconds a value is used before it is read again (when `store` is options): -1 until the
   * secret expires, 0 never cached; default 60,000, so a rotated value arrives within a minute.
   */
  cacheExpiry?: number;
  /** Put the values on the Lambda context too (`context.apiKey`); they are always in `request.internal`. */
  setToContext?: boolean;
  /** Fetch on the first invocation instead of at cold start. */
  disablePrefetch?: boolean;
}

export function secretStoreMiddleware(options: SecretStoreMiddlewareOptions): MiddlewareObj {
  const { fetchData, setToContext = false, disablePrefetch = false } = options;
  const entries = Object.entries(fetchData);
  for (const [key, name] of entries) {
    if (typeof name !== 'string' || name === '') throw new TypeError(`secretStoreMiddleware: fetchData.${key} must name a secret`);
  }
  const cacheExpiry = options.cacheExpiry ?? 60_000;
  const store =
    options.store instanceof SecretStore
      ? options.store
      : new SecretStore({ ...options.store, cache: cacheExpiry === 0 ? false : { ...(options.store.cache || {}), ttlMs: cacheExpiry < 0 ? Infinity : cacheExpiry } });

  const fetchAll = () => Object.fromEntries(entries.map(([key, name]) => [key, store.get(name).then((secret) => secret.value)]));
  // Cold start: the reads start with the module, and the first invocation awaits them.
  let prefetched: Record<string, Promise<string>> | undefined;
  if (!disablePrefetch) {
    prefetched = fetchAll();
    // Awaited by the first invocation, which then sees the error; not an unhandled rejection meanwhile.
    for (const value of Object.values(prefetched)) value.catch(() => {});
  }

  const before = async (request: Request): Promise<void> => {
    const pending = prefetched ?? fetchAll();
    prefetched = undefined;
    const values = Object.fromEntries(await Promise.all(Object.entries(pending).map(async ([key, value]) => [key, await value] as const)));
    Object.assign(request.internal, values);
    if (setToContext) Object.assign(request.context as object, values);
  };

  return { before };
}
