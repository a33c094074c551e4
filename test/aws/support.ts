// The AWS-mode stack for one test file: a local DynamoDB behind one signing-checking AWS
// endpoint (test/support/aws-gateway.ts) that also serves SSM and EventBridge, the key parameter
// in it, the functions packaged as for Lambda and started in Lambda's environment, and a capture
// of everything they log.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, vi } from 'vitest';
import { FUNCTIONS, type FunctionName } from '../../functions/index.js';
import { ensureTable, startLocalDynamo, type LocalDynamo } from '../../local/dynamodb.js';
import { sharedDynamo } from '../../local/store.js';
import { startAwsGateway, type AwsGateway } from '../support/aws-gateway.js';
import { packageFunctions, useLambdaEnvironment, type Instance, type Invocation, type PackagedFunctions } from '../support/lambda-runtime.js';
import { captureLogs, type LogCapture } from '../support/logs.js';

export const PARAMETER = '/secret-store/test/fernet-keys';
export const EVENT_BUS = 'secret-store-audit';
export const CREDENTIALS = {
  accessKeyId: 'ASIAEXAMPLEFUNCTION1',
  secretAccessKey: 'lambda-role-secret-access-key',
  sessionToken: 'lambda-role-session-token',
};
/** A fixed start for the fake clock: the key cache and the rotation wait are read from Date. */
export const T0 = Date.parse('2026-12-01T00:00:00.000Z');
export const MINUTE = 60_000;

export interface AwsStack {
  gateway: AwsGateway;
  functions: PackagedFunctions;
  logs: LogCapture;
  tableName: string;
  /** The local DynamoDB itself, for what reads it as AWS does internally (the stream's event source mapping). */
  dynamodbEndpoint: string;
  /** Whether the local DynamoDB has streams (DynamoDB Local; not the dynalite fallback). */
  streams: boolean;
  /** Starts `count` warm instances of a function (each a cold start). */
  start(name: FunctionName, count?: number): Promise<Instance[]>;
}

export interface AwsStackOptions {
  /** The key list the parameter holds before any function starts. */
  keys: string;
  /** How the functions find the endpoint: the SDK-wide AWS_ENDPOINT_URL only, or one variable per service. */
  endpoints?: 'sdk-wide' | 'per-service';
  env?: Record<string, string>;
}

/** Registers the hooks that build the stack; its parts are read once they have run. */
export function useAwsStack(options: AwsStackOptions): AwsStack {
  const stack = {} as AwsStack;
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    stack.logs = captureLogs();
    errorLines = () => stack.logs.lines().filter((line) => line.includes('"level":"ERROR"')).slice(-3);
    dynamo = sharedDynamo() ?? (await startLocalDynamo());
    stack.tableName = `secret-store-aws-${randomBytes(4).toString('hex')}`;
    await ensureTable(dynamo, stack.tableName);
    stack.dynamodbEndpoint = dynamo.endpoint;
    stack.streams = dynamo.streams;
    stack.gateway = await startAwsGateway({ dynamodb: dynamo.endpoint, credentials: CREDENTIALS });
    stack.gateway.putParameter(PARAMETER, options.keys);
    const url = stack.gateway.url;
    useLambdaEnvironment(
      {
        TABLE_NAME: stack.tableName,
        FERNET_KEYS_PARAMETER: PARAMETER,
        EVENT_BUS_NAME: EVENT_BUS,
        PROFILE_CLAIM: 'sub',
        POWERTOOLS_SERVICE_NAME: 'secret-store',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        ...(options.endpoints === 'per-service'
          ? { AWS_ENDPOINT_URL_DYNAMODB: url, AWS_ENDPOINT_URL_SSM: url, AWS_ENDPOINT_URL_EVENTBRIDGE: url }
          : { AWS_ENDPOINT_URL: url }),
        ...options.env,
      },
      CREDENTIALS,
    );
    stack.functions = await packageFunctions();
    stack.start = async (name, count = 1) => Promise.all(Array.from({ length: count }, () => stack.functions.start(name)));
  }, 120_000);
  afterAll(async () => {
    stack.logs?.restore();
    vi.useRealTimers();
    stack.functions?.close();
    await stack.gateway?.close();
    await dynamo?.close();
  });
  return stack;
}

let errorLines = (): string[] => [];

/** The payload of a successful invocation; fails the test with the function error (and its log lines) otherwise. */
export function payloadOf<T = Record<string, unknown>>(result: Invocation): T {
  if (!result.ok) throw new Error(`expected success, got ${result.errorType}: ${result.errorMessage}\n${errorLines().join('\n')}`);
  return result.payload as T;
}

/** Functions that read the Fernet keys, from their declarations. */
export const KEYED = (Object.keys(FUNCTIONS) as FunctionName[]).filter((name) => FUNCTIONS[name].keys);
