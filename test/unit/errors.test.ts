// The error hierarchy against the contract: each error's code and status are the rows of
// docs/API.md's table, its title is what problem details show, and its detail names what the
// caller sent and nothing else. The database's failures become 503s the caller may retry.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as errors from '../../lib/domain/errors.js';
import { translateDatabaseError } from '../../lib/store/secret-repository.js';

/** The contract's table: code -> status. */
function contractStatuses(): Record<string, number> {
  const api = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8');
  const table = api.slice(api.indexOf('| code | status |'));
  const rows = [...table.matchAll(/^\| (\w+)[^|]* \| (\d{3})\b/gm)];
  return Object.fromEntries(rows.map(([, code, status]) => [code, Number(status)]));
}

const field = [{ path: 'name', message: 'is required' }];
const examples: errors.SecretStoreError[] = [
  new errors.ValidationError(field),
  new errors.Unauthorized([{ path: 'token.sub', message: 'is required' }]),
  new errors.SecretNotFound('apiKey'),
  new errors.SecretAlreadyExists('apiKey'),
  new errors.AmbiguousSecretName('apiKey', ['bob', 'carol']),
  new errors.SecretExpired('apiKey'),
  new errors.VersionNotFound('apiKey', 4),
  new errors.VersionDestroyed('apiKey', 1),
  new errors.PreconditionFailed('apiKey'),
  new errors.IdempotencyKeyReused(24),
  new errors.PayloadTooLarge('Request bodies are limited to 262144 bytes.'),
  new errors.UnsupportedMediaType(),
  new errors.DecryptionFailed('apiKey'),
  new errors.SecretDamaged('apiKey'),
  new errors.ServiceUnavailable('database'),
  new errors.InternalError(),
];

describe('the error hierarchy', () => {
  it('has exactly the contract\'s codes, each with its status', () => {
    const statuses = contractStatuses();
    expect(Object.fromEntries(examples.map((e) => [e.name, e.status]))).toEqual(statuses);
    for (const error of examples) expect(errors.isSecretStoreError(error)).toBe(true);
    expect(errors.isSecretStoreError(new Error('x'))).toBe(false);
  });

  it('titles each problem, and names in its detail what the caller sent', () => {
    expect(examples.map((e) => [e.name, e.title, e.message])).toEqual([
      ['ValidationError', 'Invalid request', 'Invalid name.'],
      ['Unauthorized', 'Unauthorized', "The token's claims name no usable profile: token.sub is required."],
      ['SecretNotFound', 'Secret not found', "No secret named 'apiKey'."],
      ['SecretAlreadyExists', 'Secret already exists', "A secret named 'apiKey' already exists."],
      ['AmbiguousSecretName', 'Ambiguous secret name', "2 members of the account share a secret named 'apiKey': name one with owner (bob, carol)."],
      ['SecretExpired', 'Secret expired', "The secret 'apiKey' has expired."],
      ['VersionNotFound', 'Version not found', "The secret 'apiKey' has no version 4."],
      ['VersionDestroyed', 'Version destroyed', "Version 1 of the secret 'apiKey' is destroyed."],
      ['PreconditionFailed', 'Precondition failed', "The secret 'apiKey' has changed since the revision named in If-Match."],
      ['IdempotencyKeyReused', 'Idempotency key reused', 'This idempotency key was used for a different request in the last 24 hours. Use a new key for a new request.'],
      ['PayloadTooLarge', 'Payload too large', 'Request bodies are limited to 262144 bytes.'],
      ['UnsupportedMediaType', 'Unsupported media type', 'Request bodies must be application/json.'],
      ['DecryptionFailed', 'Decryption failed', "The stored value of 'apiKey' cannot be decrypted."],
      ['SecretDamaged', 'Secret damaged', "The stored secret 'apiKey' is damaged and cannot be read."],
      ['ServiceUnavailable', 'Service unavailable', 'The database is busy. Retry later.'],
      ['InternalError', 'Internal error', 'The request could not be completed.'],
    ]);
    expect(new errors.ServiceUnavailable('keys').message).toBe('The encryption keys cannot be loaded. Retry later.');
  });

  it('asks for a retry only where one can succeed', () => {
    for (const error of examples) expect(error.headers).toEqual(error.status === 503 ? { 'Retry-After': '1' } : {});
  });

  it('names each distinct field once in a ValidationError\'s detail, and moves errors under a field', () => {
    const error = new errors.ValidationError([
      { path: 'tags.0', message: 'a' },
      { path: 'tags.0', message: 'b' },
      { path: '', message: 'c' },
    ]);
    expect(error.message).toBe('Invalid tags.0, request.');
    expect(error.under('body').errors.map((e) => e.path)).toEqual(['body.tags.0', 'body.tags.0', 'body']);
  });
});

describe('database failures', () => {
  const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(name), { name, ...extra });

  it('become ServiceUnavailable when retrying later can succeed: throttling, 5xx, conflicts, the network', () => {
    const transient = [
      named('ProvisionedThroughputExceededException'),
      named('ThrottlingException'),
      named('RequestLimitExceeded'),
      named('InternalServerError'),
      named('ServiceUnavailable'),
      named('TransactionConflictException'),
      named('SomethingNew', { $metadata: { httpStatusCode: 500 } }),
      named('SomethingNew', { $metadata: { httpStatusCode: 503 } }),
      named('Error', { code: 'ECONNREFUSED' }),
      named('Error', { code: 'ECONNRESET' }),
      named('Error', { code: 'ETIMEDOUT' }),
      named('Error', { code: 'EPIPE' }),
      named('TimeoutError'),
    ];
    for (const error of transient) {
      const translated = translateDatabaseError(error);
      expect(translated, `${error.name} ${JSON.stringify(error)}`).toBeInstanceOf(errors.ServiceUnavailable);
      expect(translated.cause).toBe(error);
    }
  });

  it('stay what they are otherwise: a caller\'s mistake or a bug is not a busy database', () => {
    for (const error of [named('ValidationException', { $metadata: { httpStatusCode: 400 } }), named('ResourceNotFoundException'), named('Error', { code: 'ENOENT' }), new TypeError('x')]) {
      expect(translateDatabaseError(error)).toBe(error);
    }
    const ours = new errors.SecretNotFound('apiKey');
    expect(translateDatabaseError(ours)).toBe(ours);
    // Ours already, even one whose name a database error could have.
    const busy = new errors.ServiceUnavailable('keys');
    expect(translateDatabaseError(busy)).toBe(busy);
    // Whatever was thrown, even nothing at all, is passed on rather than crashing here.
    for (const thrown of [null, undefined, 'text', 42]) expect(translateDatabaseError(thrown), String(thrown)).toBe(thrown);
  });
});
