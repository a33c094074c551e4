// A store of its own for one test file or benchmark: a fresh table, on the local DynamoDB the
// test run shares (TEST_DYNAMODB_ENDPOINT, started once by test/support/global-store.ts) or on
// one of its own, and the environment the functions read at cold start.
import { randomBytes } from 'node:crypto';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { Fernet } from '../lib/crypto/fernet.js';
import { ensureTable, localClient, startLocalDynamo, type LocalDynamo } from './dynamodb.js';

/** The local DynamoDB a test run shares, when one was started for it: closing it is the run's job. */
export function sharedDynamo(): LocalDynamo | undefined {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (endpoint === undefined) return undefined;
  return {
    kind: process.env.TEST_DYNAMODB_KIND === 'dynalite' ? 'dynalite' : 'DynamoDB Local',
    streams: process.env.TEST_DYNAMODB_KIND !== 'dynalite',
    endpoint,
    port: Number(new URL(endpoint).port),
    close: async () => undefined,
  };
}

export interface LocalStore {
  dynamo: LocalDynamo;
  tableName: string;
  /** The Fernet keys the functions were given (FERNET_KEYS), primary first. */
  keys: string[];
  /** Every raw item in the table, as DynamoDB holds it. */
  scanAll(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** Starts the store and points the functions' environment at it; `env` adds or overrides variables. */
export async function startLocalStore(
  options: { keys?: string[]; env?: Record<string, string> } = {},
): Promise<LocalStore> {
  const keys = options.keys ?? [Fernet.generateKey()];
  const dynamo = sharedDynamo() ?? (await startLocalDynamo());
  const tableName = `secrets-test-${randomBytes(4).toString('hex')}`;
  await ensureTable(dynamo, tableName);
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    FERNET_KEYS: keys.join(','),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...options.env,
  });
  const client = DynamoDBDocumentClient.from(localClient(dynamo.endpoint));
  return {
    dynamo,
    tableName,
    keys,
    async scanAll() {
      const items: Record<string, unknown>[] = [];
      for await (const page of paginateScan({ client }, { TableName: tableName })) items.push(...(page.Items ?? []));
      return items;
    },
    async close() {
      client.destroy();
      await dynamo.close();
    },
  };
}
