// One class per contract code (docs/API.md, "Errors"), so callers catch what they mean:
// `catch (e) { if (e instanceof SecretNotFound) ... }`. Each carries the status, the problem's
// detail, the field errors of a 400 or 401, and Retry-After of a 503.

export interface FieldError {
  path: string;
  message: string;
}

export interface ErrorDetails {
  status: number;
  detail: string;
  fieldErrors?: FieldError[];
  /** Seconds the store asked to wait (Retry-After), if it said. */
  retryAfter?: number;
  /** Whether the request may be sent again as it is (with its idempotency key, for a write). */
  retryable?: boolean;
  /** AmbiguousSecretName over HTTP: the members of the account sharing the name. */
  owners?: string[];
}

export class SecretStoreError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fieldErrors: FieldError[];
  readonly retryAfter: number | undefined;
  readonly retryable: boolean;
  /** AmbiguousSecretName (over HTTP): whose secrets of that name the account shares; pass one as `owner`. */
  readonly owners: string[];

  constructor(code: string, details: ErrorDetails, options?: ErrorOptions) {
    super(details.detail, options);
    this.name = code;
    this.code = code;
    this.status = details.status;
    this.fieldErrors = details.fieldErrors ?? [];
    this.retryAfter = details.retryAfter;
    this.retryable = details.retryable ?? false;
    this.owners = details.owners ?? [];
  }
}

const codeClass = (code: string, status: number, retryable = false) =>
  class extends SecretStoreError {
    static readonly code = code;
    static readonly status = status;
    constructor(details: Partial<ErrorDetails> & { detail: string }, options?: ErrorOptions) {
      super(code, { status, retryable, ...details }, options);
    }
  };

export class ValidationError extends codeClass('ValidationError', 400) {}
export class Unauthorized extends codeClass('Unauthorized', 401) {}
export class SecretNotFound extends codeClass('SecretNotFound', 404) {}
/** The secret never had that version of its value. */
export class VersionNotFound extends codeClass('VersionNotFound', 404) {}
export class SecretAlreadyExists extends codeClass('SecretAlreadyExists', 409) {}
/** Several members of the account share a secret of that name: `owners` lists them; get with `{ owner }`. */
export class AmbiguousSecretName extends codeClass('AmbiguousSecretName', 409) {}
export class SecretExpired extends codeClass('SecretExpired', 410) {}
/** That version's value is destroyed: pruned from the history, or the secret expired. */
export class VersionDestroyed extends codeClass('VersionDestroyed', 410) {}
export class PreconditionFailed extends codeClass('PreconditionFailed', 412) {}
export class PayloadTooLarge extends codeClass('PayloadTooLarge', 413) {}
export class UnsupportedMediaType extends codeClass('UnsupportedMediaType', 415) {}
export class IdempotencyKeyReused extends codeClass('IdempotencyKeyReused', 422) {}
/** API Gateway's or Lambda's throttling: not one of the store's codes, but retried the same way. */
export class TooManyRequests extends codeClass('TooManyRequests', 429, true) {}
export class DecryptionFailed extends codeClass('DecryptionFailed', 500) {}
export class SecretDamaged extends codeClass('SecretDamaged', 500) {}
export class InternalError extends codeClass('InternalError', 500) {}
export class ServiceUnavailable extends codeClass('ServiceUnavailable', 503, true) {}
/** The store could not be reached, or its answer was lost: a retry is safe with the same idempotency key. */
export class TransportError extends codeClass('TransportError', 0, true) {}

const CLASSES = [
  ValidationError,
  Unauthorized,
  SecretNotFound,
  VersionNotFound,
  SecretAlreadyExists,
  AmbiguousSecretName,
  SecretExpired,
  VersionDestroyed,
  PreconditionFailed,
  PayloadTooLarge,
  UnsupportedMediaType,
  IdempotencyKeyReused,
  TooManyRequests,
  DecryptionFailed,
  SecretDamaged,
  InternalError,
  ServiceUnavailable,
  TransportError,
];
const BY_CODE = new Map<string, (typeof CLASSES)[number]>(CLASSES.map((c) => [c.code, c]));

/** The error for a contract code, or for a status when no code came (a gateway's own answer). */
export function errorFor(code: string | undefined, status: number | undefined, details: Partial<ErrorDetails> & { detail: string }): SecretStoreError {
  const byCode = code === undefined ? undefined : BY_CODE.get(code);
  if (byCode) return new byCode({ ...details, ...(status !== undefined && status > 0 && { status }) });
  const byStatus = CLASSES.find((c) => c.status === status && c !== SecretDamaged && c !== DecryptionFailed);
  if (byStatus) return new byStatus(details);
  if (status !== undefined && status >= 500) return new ServiceUnavailable({ ...details, status });
  return new SecretStoreError(code ?? 'UnknownError', { status: status ?? 0, ...details });
}
