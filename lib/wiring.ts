// Everything the functions share, built once per cold start and reused by every invocation:
// configuration (validated now), the logger, the AWS clients, the key source and the service.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { ulid } from 'ulid';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logAuditSink, type AuditSink } from './audit/events.js';
import { eventBridgeSink } from './aws/eventbridge.js';
import { ssmGetParameter } from './aws/ssm.js';
import { endpointFor, loadConfig } from './config.js';
import { InternalError } from './domain/errors.js';
import { fixedKeySource, parameterKeySource } from './keys/key-source.js';
import { keyTiming } from './keys/key-timeline.js';
import { SecretService, type ServiceKeys } from './secrets/service.js';
import { SecretRepository } from './store/secret-repository.js';

export const config = loadConfig();

export const logger = new Logger({ serviceName: 'secret-store' });

/** CloudWatch metrics as embedded-metric log lines (POWERTOOLS_METRICS_DISABLED=true turns them off). */
export const metrics = new Metrics({ namespace: 'SecretStore', serviceName: 'secret-store' });

/** Also lends its credentials, signer inputs and HTTP handler to the SSM and EventBridge callers (lib/aws); benchmarks meter its requests. */
export const dynamoClient = new DynamoDBClient({
  ...(config.DYNAMODB_ENDPOINT && { endpoint: config.DYNAMODB_ENDPOINT }),
  maxAttempts: 4,
});

const repository = new SecretRepository(
  DynamoDBDocumentClient.from(dynamoClient, { marshallOptions: { removeUndefinedValues: true } }),
  config.TABLE_NAME,
);

/** Where the stream publisher sends audit events: EventBridge where a bus is configured, except under serverless-offline. */
export const auditSink: AuditSink =
  config.EVENT_BUS_NAME && config.IS_OFFLINE !== 'true'
    ? eventBridgeSink(dynamoClient, { busName: config.EVENT_BUS_NAME, endpoint: endpointFor(config, 'EVENTBRIDGE') })
    : logAuditSink(logger);

// A malformed FERNET_KEYS fails here, at cold start, naming the variable and the entry.
const keys =
  config.FERNET_KEYS !== undefined
    ? fixedKeySource(config.FERNET_KEYS, 'FERNET_KEYS')
    : parameterKeySource(
        ssmGetParameter(dynamoClient, endpointFor(config, 'SSM')),
        config.FERNET_KEYS_PARAMETER!,
        keyTiming(config.KEY_CACHE_SECONDS, config.FUNCTION_TIMEOUT_SECONDS),
        logger,
      );

const serviceWith = (serviceKeys: ServiceKeys) =>
  new SecretService({
    repository,
    keys: serviceKeys,
    now: () => new Date(),
    newId: () => ulid(),
    onDamaged: (profileId, reference) => logger.error('damaged secret left out of a list', { profileId, reference }),
    valueVersions: config.VALUE_VERSIONS,
    recoveryDays: config.RECOVERY_DAYS,
  });

// Without keys the service does everything that never touches a value or a cursor.
const keyless = serviceWith({
  sealer: () => {
    throw new InternalError();
  },
  current: () => Promise.reject(new InternalError()),
});

/** The secret service, with the keys in hand when `withKeys` (fetched first when due). */
export async function secretService(withKeys: boolean): Promise<SecretService> {
  if (!withKeys) return keyless;
  const sealer = await keys.sealer();
  return serviceWith({ sealer: () => sealer, current: () => keys.current() });
}

export const prefetchKeys = (): void => keys.prefetch();
