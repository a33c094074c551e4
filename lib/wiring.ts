// Everything the functions share, built once per cold start and reused by every invocation:
// configuration (validated now), the logger, the AWS clients, the key source and the service.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { ulid } from 'ulid';
import { eventBridgeAuditEvents } from './aws/eventbridge.js';
import { ssmGetParameter } from './aws/ssm.js';
import { loadConfig } from './config.js';
import type { Sealer } from './crypto/sealer.js';
import { InternalError } from './domain/errors.js';
import { fixedKeySource, parameterKeySource } from './keys/key-source.js';
import { logAuditEvents } from './secrets/events.js';
import { SecretService } from './secrets/service.js';
import { SecretRepository } from './store/secret-repository.js';

export const config = loadConfig();

export const logger = new Logger({ serviceName: 'secret-store' });

/** Also lends its credentials, signer inputs and HTTP handler to the SSM and EventBridge callers (lib/aws); benchmarks meter its requests. */
export const dynamoClient = new DynamoDBClient({
  ...(config.DYNAMODB_ENDPOINT && { endpoint: config.DYNAMODB_ENDPOINT }),
  maxAttempts: 4,
});

const repository = new SecretRepository(
  DynamoDBDocumentClient.from(dynamoClient, { marshallOptions: { removeUndefinedValues: true } }),
  config.TABLE_NAME,
);

// EventBridge where a bus is configured, except under serverless-offline: the log otherwise.
const events =
  config.EVENT_BUS_NAME && config.IS_OFFLINE !== 'true'
    ? eventBridgeAuditEvents(dynamoClient, { busName: config.EVENT_BUS_NAME, endpoint: config.AWS_ENDPOINT_URL_EVENTBRIDGE, logger })
    : logAuditEvents(logger);

// A malformed FERNET_KEYS fails here, at cold start, naming the variable and the entry.
const keys =
  config.FERNET_KEYS !== undefined
    ? fixedKeySource(config.FERNET_KEYS, 'FERNET_KEYS')
    : parameterKeySource(ssmGetParameter(dynamoClient, config.AWS_ENDPOINT_URL_SSM), config.FERNET_KEYS_PARAMETER!, logger);

const serviceWith = (sealer: () => Sealer) =>
  new SecretService({ repository, sealer, events, now: () => new Date(), newId: () => ulid() });

// Without keys the service does everything that never touches a value or a cursor.
const keyless = serviceWith(() => {
  throw new InternalError();
});
let keyed: { sealer: Sealer; service: SecretService } | undefined;

/** The secret service, with the keys in use when `withKeys`. */
export async function secretService(withKeys: boolean): Promise<SecretService> {
  if (!withKeys) return keyless;
  const sealer = await keys.sealer();
  if (keyed?.sealer !== sealer) keyed = { sealer, service: serviceWith(() => sealer) };
  return keyed.service;
}

export const prefetchKeys = (): void => keys.prefetch();
