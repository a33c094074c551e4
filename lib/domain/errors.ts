// The one error hierarchy of the store. Each error's `name` is its contract code, so a
// direct invocation's Lambda `errorType` is the code and Step Functions can catch it by name.
// Messages are written for callers: they never carry a value, a key or a token.

export interface FieldError {
  path: string;
  message: string;
}

export type ErrorCode =
  | 'ValidationError'
  | 'Unauthorized'
  | 'SecretNotFound'
  | 'SecretAlreadyExists'
  | 'AmbiguousSecretName'
  | 'SecretExpired'
  | 'VersionNotFound'
  | 'VersionDestroyed'
  | 'PreconditionFailed'
  | 'IdempotencyKeyReused'
  | 'PayloadTooLarge'
  | 'UnsupportedMediaType'
  | 'DecryptionFailed'
  | 'SecretDamaged'
  | 'ServiceUnavailable'
  | 'InternalError';

// Codes are spelled out (not taken from constructor.name) because bundles are minified.
export abstract class SecretStoreError extends Error {
  abstract readonly status: number;
  abstract readonly title: string;
  /** Extra HTTP response headers this error implies (e.g. Retry-After). */
  readonly headers: Record<string, string> = {};

  constructor(detail: string, options?: ErrorOptions) {
    super(detail, options);
  }

  /** The contract's error code; also the error's `name`. */
  abstract override readonly name: ErrorCode;
}

export class ValidationError extends SecretStoreError {
  override readonly name = 'ValidationError';
  readonly status = 400;
  readonly title = 'Invalid request';
  constructor(
    readonly errors: FieldError[],
    detail = `Invalid ${[...new Set(errors.map((e) => e.path || 'request'))].join(', ')}.`,
  ) {
    super(detail);
  }

  /** The same errors reported under `field`: for a rule applied to one field's value alone. */
  under(field: string): ValidationError {
    return new ValidationError(this.errors.map((e) => ({ ...e, path: e.path ? `${field}.${e.path}` : field })));
  }
}

/** The token reached the function but names no usable profile; `errors` name the claim. */
export class Unauthorized extends SecretStoreError {
  override readonly name = 'Unauthorized';
  readonly status = 401;
  readonly title = 'Unauthorized';
  constructor(readonly errors: FieldError[]) {
    super(`The token's claims name no usable profile: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}.`);
  }
}

export class SecretNotFound extends SecretStoreError {
  override readonly name = 'SecretNotFound';
  readonly status = 404;
  readonly title = 'Secret not found';
  constructor(reference: string) {
    super(`No secret named '${reference}'.`);
  }
}

export class SecretAlreadyExists extends SecretStoreError {
  override readonly name = 'SecretAlreadyExists';
  readonly status = 409;
  readonly title = 'Secret already exists';
  /** `purgesAt`: the one of that name is deleted, and keeps its name until then. */
  constructor(name: string, purgesAt?: string) {
    super(
      purgesAt === undefined
        ? `A secret named '${name}' already exists.`
        : `A secret named '${name}' is deleted and keeps its name until ${purgesAt}: restore it, or delete it with force=true.`,
    );
  }
}

export class VersionNotFound extends SecretStoreError {
  override readonly name = 'VersionNotFound';
  readonly status = 404;
  readonly title = 'Version not found';
  constructor(name: string, version: number) {
    super(`The secret '${name}' has no version ${version}.`);
  }
}

export class VersionDestroyed extends SecretStoreError {
  override readonly name = 'VersionDestroyed';
  readonly status = 410;
  readonly title = 'Version destroyed';
  constructor(name: string, version: number) {
    super(`Version ${version} of the secret '${name}' is destroyed.`);
  }
}

/**
 * More than one member of the caller's account shares a secret of this name, and the caller has
 * none of its own: the request must name the owner. `owners` are profile ids of the account.
 */
export class AmbiguousSecretName extends SecretStoreError {
  override readonly name = 'AmbiguousSecretName';
  readonly status = 409;
  readonly title = 'Ambiguous secret name';
  constructor(
    name: string,
    readonly owners: string[],
  ) {
    super(`${owners.length} members of the account share a secret named '${name}': name one with owner (${owners.join(', ')}).`);
  }
}

export class SecretExpired extends SecretStoreError {
  override readonly name = 'SecretExpired';
  readonly status = 410;
  readonly title = 'Secret expired';
  constructor(name: string) {
    super(`The secret '${name}' has expired.`);
  }
}

export class PreconditionFailed extends SecretStoreError {
  override readonly name = 'PreconditionFailed';
  readonly status = 412;
  readonly title = 'Precondition failed';
  constructor(name: string) {
    super(`The secret '${name}' has changed since the revision named in If-Match.`);
  }
}

/** An idempotency key already used, within its retention, for a different request of the profile. */
export class IdempotencyKeyReused extends SecretStoreError {
  override readonly name = 'IdempotencyKeyReused';
  readonly status = 422;
  readonly title = 'Idempotency key reused';
  constructor(hours: number) {
    super(`This idempotency key was used for a different request in the last ${hours} hours. Use a new key for a new request.`);
  }
}

export class PayloadTooLarge extends SecretStoreError {
  override readonly name = 'PayloadTooLarge';
  readonly status = 413;
  readonly title = 'Payload too large';
}

export class UnsupportedMediaType extends SecretStoreError {
  override readonly name = 'UnsupportedMediaType';
  readonly status = 415;
  readonly title = 'Unsupported media type';
  /** `accepted`: the media types the route takes. */
  constructor(accepted: readonly string[] = ['application/json']) {
    super(`Request bodies must be ${accepted.join(' or ')}.`);
  }
}

export class DecryptionFailed extends SecretStoreError {
  override readonly name = 'DecryptionFailed';
  readonly status = 500;
  readonly title = 'Decryption failed';
  constructor(name: string, options?: ErrorOptions) {
    super(`The stored value of '${name}' cannot be decrypted.`, options);
  }
}

const UNAVAILABLE = {
  database: 'The database is busy. Retry later.',
  keys: 'The encryption keys cannot be loaded. Retry later.',
};

/** A stored secret whose attributes are not what the store writes: damaged behind its back. */
export class SecretDamaged extends SecretStoreError {
  override readonly name = 'SecretDamaged';
  readonly status = 500;
  readonly title = 'Secret damaged';
  constructor(name: string, options?: ErrorOptions) {
    super(`The stored secret '${name}' is damaged and cannot be read.`, options);
  }
}

export class ServiceUnavailable extends SecretStoreError {
  override readonly name = 'ServiceUnavailable';
  readonly status = 503;
  readonly title = 'Service unavailable';
  /** `unavailable`: what could not be reached, which the message names. */
  constructor(unavailable: 'database' | 'keys', options?: ErrorOptions) {
    super(UNAVAILABLE[unavailable], options);
    this.headers['Retry-After'] = '1';
  }
}

export class InternalError extends SecretStoreError {
  override readonly name = 'InternalError';
  readonly status = 500;
  readonly title = 'Internal error';
  constructor(options?: ErrorOptions) {
    super('The request could not be completed.', options);
  }
}

export function isSecretStoreError(error: unknown): error is SecretStoreError {
  return error instanceof SecretStoreError;
}
