// Builds the secret service once per key set. Keys from FERNET_KEYS are checked at cold
// start; keys from SSM on their first fetch. Either way a bad key fails fast, naming its source.
import { ulid } from 'ulid';
import { Sealer } from '../crypto/sealer.js';
import { parseKeys } from '../crypto/keyring.js';
import { InternalError } from '../domain/errors.js';
import { SecretService } from '../secrets/service.js';
import { SecretRepository } from '../store/secret-repository.js';
import { auditEvents } from './audit.js';
import { config, dynamo } from './clients.js';

/** Raw key list and where it came from (for messages that never show the keys). */
export interface KeySource {
  value: string;
  name: string;
}

export const repository = new SecretRepository(dynamo, config.TABLE_NAME);

const newService = (sealer: () => Sealer) =>
  new SecretService({ repository, sealer, events: auditEvents, now: () => new Date(), newId: () => ulid() });

const keyless = newService(() => {
  throw new InternalError();
});
let keyed: { keys: string; service: SecretService } | undefined;

/** The service; without keys it can do everything that never touches a value. */
export function secretServiceFor(keys?: KeySource): SecretService {
  if (keys === undefined) return keyless;
  if (keyed?.keys !== keys.value) {
    const sealer = new Sealer(parseKeys(keys.value, keys.name));
    keyed = { keys: keys.value, service: newService(() => sealer) };
  }
  return keyed.service;
}

// Fail at cold start, not on the first request, when the local key list is malformed.
if (config.FERNET_KEYS !== undefined) secretServiceFor({ value: config.FERNET_KEYS, name: 'FERNET_KEYS' });
