// The cache for get: what makes a read cost nothing most of the time, without the complaint users
// of the AWS caching libraries have most, a value that stays stale after it changed.
// - An entry lives `ttlMs` (60 s by default), never past the secret's own `expiresAt`.
// - Concurrent gets of one name share one request.
// - A write through the same client (update, expire, delete, create) drops the name's entry, and
//   any get already in flight for it is not cached: its answer may be older than the write.
// - `refresh(name)` drops the entry and reads again: for "this credential was just rejected".
// - Optionally, stale-if-error: when the store cannot answer (503, throttled, unreachable), an entry
//   at most `staleIfErrorMs` past its TTL is served instead, never past `expiresAt` and never
//   after the store said the secret is gone (404, 410).
// - At most `maxEntries` names, the least recently used dropped first.
import type { SecretWithValue } from './types.js';

export interface CacheOptions {
  /** How long a value is served without asking the store; default 60,000. 0 turns caching off. */
  ttlMs?: number;
  /** Names kept, least recently used dropped first; default 1,000. */
  maxEntries?: number;
  /** How long past its TTL an entry may stand in when the store cannot answer; default 0 (never). */
  staleIfErrorMs?: number;
  /** The clock, for tests. */
  now?: () => number;
}

interface Entry {
  secret: SecretWithValue;
  freshUntil: number;
  /** The secret's expiry (or Infinity): nothing is served from here from then on. */
  expiresAt: number;
}

export class SecretCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<SecretWithValue>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly staleIfErrorMs: number;
  private readonly now: () => number;

  constructor(options: CacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 1_000;
    this.staleIfErrorMs = options.staleIfErrorMs ?? 0;
    this.now = options.now ?? Date.now;
    if (!(this.ttlMs >= 0) || !(this.maxEntries >= 1) || !(this.staleIfErrorMs >= 0)) throw new RangeError('cache: ttlMs and staleIfErrorMs must be >= 0, maxEntries >= 1');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached value of `name`, or `read()`'s, shared by concurrent callers. */
  async get(name: string, read: () => Promise<SecretWithValue>, isStaleAllowed: (error: unknown) => boolean): Promise<SecretWithValue> {
    const now = this.now();
    const entry = this.entries.get(name);
    if (entry && now < entry.freshUntil && now < entry.expiresAt) {
      // Most recently used last.
      this.entries.delete(name);
      this.entries.set(name, entry);
      return entry.secret;
    }
    const pending = this.inFlight.get(name);
    if (pending) return pending;
    // Still the name's read in flight when it answers: nothing invalidated the name meanwhile.
    const current = () => this.inFlight.get(name) === request;
    const request: Promise<SecretWithValue> = read().then(
      (secret) => {
        if (current()) {
          this.inFlight.delete(name);
          this.store(name, secret);
        }
        return secret;
      },
      (error: unknown) => {
        if (current()) this.inFlight.delete(name);
        const stale = this.entries.get(name);
        const at = this.now();
        if (!isStaleAllowed(error)) this.entries.delete(name);
        else if (stale && at < stale.freshUntil + this.staleIfErrorMs && at < stale.expiresAt) return stale.secret;
        throw error;
      },
    );
    this.inFlight.set(name, request);
    return request;
  }

  /** Forgets `name`: its entry, and the answer of any read of it in flight (which is then not cached). */
  invalidate(name: string): void {
    this.entries.delete(name);
    this.inFlight.delete(name);
  }

  /** Forgets everything. */
  clear(): void {
    for (const name of new Set([...this.entries.keys(), ...this.inFlight.keys()])) this.invalidate(name);
  }

  private store(name: string, secret: SecretWithValue): void {
    this.entries.delete(name);
    const now = this.now();
    const expiresAt = secret.expiresAt === null ? Infinity : Date.parse(secret.expiresAt);
    if (this.ttlMs === 0 || secret.expired || !(now < expiresAt)) return;
    this.entries.set(name, { secret, freshUntil: now + this.ttlMs, expiresAt });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
