// Client idempotency keys (Idempotency-Key over HTTP, clientToken in direct payloads). A keyed
// write stores, in the same transaction as the write, a record of the request and its result;
// the same key and the same request later answer that result, and the same key with another
// request is refused. Records keep neither the key nor the value: the key's digest names the
// record and the value is compared by a MAC under the Fernet keys, never a plain hash (a short
// value would fall to guessing).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Sealer } from '../crypto/sealer.js';
import { IdempotencyKeyReused } from '../domain/errors.js';
import type { RequestRecord } from '../store/secret-repository.js';

/** How long a key answers with its first result: client retries span minutes, a day is generous. */
export const IDEMPOTENCY_HOURS = 24;

export type KeyedOperation = 'create' | 'update' | 'expire' | 'delete';

// Stryker disable next-line StringLiteral: equivalent; an empty encoding name means UTF-8, Node's default
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64url');

/** Objects with their keys in order, so that one request has one spelling whatever its field order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
  );
}

/** One write sent with an idempotency key: the record it leaves, and how an earlier record answers it. */
export class KeyedRequest {
  /** The key's digest: what names the record. */
  readonly key: string;
  private readonly fingerprint: string;

  /**
   * `fields` are the request's parsed fields; `value`, when it carries one, is compared by MAC
   * under `sealer`'s keys.
   */
  constructor(
    clientKey: string,
    operation: KeyedOperation,
    name: string,
    fields: Record<string, unknown>,
    private readonly value?: { plaintext: string; sealer: Sealer },
  ) {
    this.key = sha256(clientKey);
    this.fingerprint = sha256(JSON.stringify([operation, name, canonical(fields), value !== undefined]));
  }

  /** The record of this request with its result, made at `now`. */
  record(result: unknown, now: Date): RequestRecord {
    return {
      key: this.key,
      fingerprint: this.fingerprint,
      ...(this.value && { valueMac: this.value.sealer.requestMac(this.value.plaintext) }),
      result: JSON.stringify(result ?? null),
      createdAt: now.toISOString(),
      purgeAt: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_HOURS * 3600,
    };
  }

  /** The earlier request's result, if it was this request; IdempotencyKeyReused if it was another. */
  replay<T>(earlier: RequestRecord): T {
    const same =
      earlier.fingerprint.length === this.fingerprint.length &&
      timingSafeEqual(Buffer.from(earlier.fingerprint), Buffer.from(this.fingerprint)) &&
      (this.value === undefined || (earlier.valueMac !== undefined && this.value.sealer.isRequestMac(this.value.plaintext, earlier.valueMac)));
    if (!same) throw new IdempotencyKeyReused(IDEMPOTENCY_HOURS);
    return JSON.parse(earlier.result) as T;
  }
}
