// SecretStore: the store's operations with the same methods over HTTP and direct invocation,
// typed errors, retries that back off (and honour Retry-After) on 503, throttling and lost
// answers, an idempotency key on every write so that its retries are safe, and a cache for get.
import { randomUUID } from 'node:crypto';
import { SecretCache, type CacheOptions } from './cache.js';
import { SecretStoreError } from './errors.js';
import { httpTransport, lambdaTransport, type Call, type HttpOptions, type LambdaOptions, type Transport } from './transport.js';
import type { AppliedManifest, CreateSecret, IfMatch, ListOptions, Secret, SecretChanges, SecretPage, SecretVersion, SecretWithValue, WriteOptions } from './types.js';

export interface RetryOptions {
  /** Attempts in all, the first included; default 4. 1 turns retries off. */
  attempts?: number;
  /** The first back-off's upper bound, doubled each time (full jitter); default 100 ms. */
  baseDelayMs?: number;
  /** No wait is longer, Retry-After included; default 5,000 ms. */
  maxDelayMs?: number;
}

export type SecretStoreOptions = ({ http: HttpOptions } | { lambda: LambdaOptions } | { transport: Transport }) & {
  /** The cache for get; `false` for none. */
  cache?: CacheOptions | false;
  retry?: RetryOptions;
  /** For tests: how a back-off waits. */
  sleep?: (ms: number) => Promise<void>;
};

export interface GetOptions {
  /** Ask the store even if the cache has it (the answer then replaces the cached one). */
  fresh?: boolean;
  /** Whose secret, for one shared in the account under a name several members share (AmbiguousSecretName lists them). */
  owner?: string;
  /**
   * That version of the value (`valueVersion` says which a Secret holds), asked of the store every
   * time: never served from the cache nor put in it. VersionNotFound for a version the secret
   * never had, VersionDestroyed once its value is gone.
   */
  version?: number;
  signal?: AbortSignal;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const ifMatchText = (ifMatch: IfMatch): string => (ifMatch === '*' ? '*' : [ifMatch].flat().map((r) => `"${r}"`).join(', '));

export class SecretStore {
  private readonly transport: Transport;
  private readonly cache: SecretCache | undefined;
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: SecretStoreOptions) {
    this.transport = 'http' in options ? httpTransport(options.http) : 'lambda' in options ? lambdaTransport(options.lambda) : options.transport;
    this.cache = options.cache === false ? undefined : new SecretCache(options.cache);
    this.attempts = Math.max(1, options.retry?.attempts ?? 4);
    this.baseDelayMs = options.retry?.baseDelayMs ?? 100;
    this.maxDelayMs = options.retry?.maxDelayMs ?? 5_000;
    this.sleep = options.sleep ?? wait;
  }

  /** Creates a secret; SecretAlreadyExists if the profile has the name. */
  async create(secret: CreateSecret, options: WriteOptions = {}): Promise<Secret> {
    return this.write(secret.name, { operation: 'create', fields: { ...secret } }, options);
  }

  /**
   * The secret and its value, from the cache while fresh. `{ version }` asks the store for that
   * version's value, uncached; `{ id }` asks the store by id (direct invocation only), uncached.
   */
  async get(nameOrId: string | { id: string }, options: GetOptions = {}): Promise<SecretWithValue> {
    const version = options.version === undefined ? {} : { version: options.version };
    const signal = options.signal && { signal: options.signal };
    if (typeof nameOrId !== 'string') return this.call<SecretWithValue>({ operation: 'get', id: nameOrId.id, ...(options.version !== undefined && { query: version }), ...signal });
    const name = nameOrId;
    const query = { ...(options.owner !== undefined && { owner: options.owner }), ...version };
    const read = () => this.call<SecretWithValue>({ operation: 'get', name, ...(Object.keys(query).length > 0 && { query }), ...signal });
    // A version is read as it is asked: the cache holds the current value only.
    if (!this.cache || options.version !== undefined) return read();
    // Names never hold a space: one owner's secret of a name is cached apart from the caller's own.
    const key = options.owner === undefined ? name : `${name} ${options.owner}`;
    if (options.fresh) this.cache.invalidate(key);
    return this.cache.get(key, read, (error) => error instanceof SecretStoreError && error.retryable);
  }

  /** Drops the cached value of `name` and reads it again: for "this credential was just rejected". */
  async refresh(name: string): Promise<SecretWithValue> {
    return this.get(name, { fresh: true });
  }

  /** One page of the profile's secrets (never values). */
  async listPage(options: ListOptions = {}): Promise<SecretPage> {
    return this.call<SecretPage>({ operation: 'list', query: { ...options } });
  }

  /** Every secret, page after page: `for await (const secret of store.list({ tag: 'prod' }))`. */
  async *list(options: Omit<ListOptions, 'cursor'> = {}): AsyncGenerator<Secret> {
    let cursor: string | undefined;
    do {
      const page = await this.listPage({ ...options, ...(cursor !== undefined && { cursor }) });
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  /** Changes the fields given; with `ifMatch`, only if the secret is at that revision (else PreconditionFailed). */
  async update(name: string, changes: SecretChanges, options: WriteOptions & { ifMatch?: IfMatch } = {}): Promise<Secret> {
    return this.write(name, { operation: 'update', name, fields: { ...changes }, ...(options.ifMatch !== undefined && { ifMatch: ifMatchText(options.ifMatch) }) }, options);
  }

  /** Expires the secret now, or at `at` if that is sooner than its expiry. */
  async expire(name: string, options: WriteOptions & { at?: string | Date } = {}): Promise<Secret> {
    const at = options.at instanceof Date ? options.at.toISOString() : options.at;
    return this.write(name, { operation: 'expire', name, fields: at === undefined ? {} : { at } }, options);
  }

  /**
   * Deletes the secret: it reads as absent at once, and `restore` brings it back until its
   * `purgesAt` (the store's recovery window). `{ force: true }` destroys it at once, value and
   * history, with no recovery (and ends a pending deletion).
   */
  async delete(name: string, options: WriteOptions & { force?: boolean } = {}): Promise<void> {
    await this.write(name, { operation: 'delete', name, ...(options.force && { query: { force: true } }) }, options);
  }

  /**
   * Undeletes a secret whose deletion is pending: it comes back as it was, value, history, sharing
   * and expiry included. A secret that is not deleted answers as it is; one past its recovery
   * window, or absent, is SecretNotFound. Takes no idempotency key (the store's restore reads
   * none): it is retried like a read, since restoring twice leaves the same secret.
   */
  async restore(name: string, options: { signal?: AbortSignal } = {}): Promise<Secret> {
    this.cache?.invalidate(name);
    try {
      return await this.call<Secret>({ operation: 'restore', name, ...(options.signal && { signal: options.signal }) });
    } finally {
      this.cache?.invalidate(name);
    }
  }

  /** Every version the secret's value has had, newest first, with whether each is current or destroyed: never values. */
  async versions(name: string, options: { signal?: AbortSignal } = {}): Promise<SecretVersion[]> {
    return (await this.call<{ items: SecretVersion[] }>({ operation: 'versions', name, ...(options.signal && { signal: options.signal }) })).items;
  }

  /**
   * Makes `version`'s value the current value again, as a new version and a new revision: an
   * update with `restoreVersion`, so `ifMatch` guards it and it carries an idempotency key.
   */
  async rollback(name: string, version: number, options: WriteOptions & { ifMatch?: IfMatch } = {}): Promise<Secret> {
    return this.update(name, { restoreVersion: version }, options);
  }

  /**
   * Applies a Smarter Secret manifest: YAML or JSON text (HTTP only; sent as `application/yaml`, which
   * JSON also is), or the manifest as an object. Creates the secret, or makes the one of that name
   * what the manifest says. Retried like a read: applying a manifest twice leaves the same secret.
   */
  async apply(manifest: string | Record<string, unknown>, options: { signal?: AbortSignal } = {}): Promise<AppliedManifest> {
    const call: Call = { operation: 'apply', ...(typeof manifest === 'string' ? { yaml: manifest } : { fields: { ...manifest } }), ...(options.signal && { signal: options.signal }) };
    try {
      const applied = await this.call<AppliedManifest>(call);
      this.cache?.invalidate(applied.metadata.name);
      return applied;
    } catch (error) {
      // The name is the store's to say (it may slug it): an apply that may have taken effect drops every entry.
      if (!(error instanceof SecretStoreError) || error.retryable) this.cache?.clear();
      throw error;
    }
  }

  /** A write: one idempotency key for all its attempts, and the name's cache entry dropped whatever the outcome. */
  private async write<T>(name: string, call: Call, options: WriteOptions): Promise<T> {
    const keyed: Call = { ...call, idempotencyKey: options.idempotencyKey ?? randomUUID(), ...(options.signal && { signal: options.signal }) };
    this.cache?.invalidate(name);
    try {
      return await this.call<T>(keyed);
    } finally {
      this.cache?.invalidate(name);
    }
  }

  private async call<T>(call: Call): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.transport.send(call)).body as T;
      } catch (error) {
        if (!(error instanceof SecretStoreError) || !error.retryable || attempt >= this.attempts || call.signal?.aborted) throw error;
        const backOff = Math.random() * this.baseDelayMs * 2 ** (attempt - 1);
        await this.sleep(Math.min(this.maxDelayMs, Math.max(backOff, (error.retryAfter ?? 0) * 1000)));
      }
    }
  }
}
