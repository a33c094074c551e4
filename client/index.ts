// The secret store's TypeScript client: `new SecretStore({ http: { endpoint, token } })` or
// `new SecretStore({ lambda: { functionPrefix, profile } })`. See client/README.md.
export { SecretStore, type GetOptions, type RetryOptions, type SecretStoreOptions } from './store.js';
export { SecretCache, type CacheOptions } from './cache.js';
export { secretStoreMiddleware, type SecretStoreMiddlewareOptions } from './middy.js';
export { httpTransport, lambdaTransport, type Call, type HttpOptions, type LambdaLike, type LambdaOptions, type Transport } from './transport.js';
export * from './errors.js';
export type * from './types.js';
