// A store of its own for one test file or benchmark: dynalite on a free port, a fresh table,
// and the environment the functions read at cold start.
import { randomBytes } from 'node:crypto';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { Fernet } from '../lib/crypto/fernet.js';
import { ensureTable, localClient, startDynalite, type LocalDynamo } from './dynalite.js';

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
  const dynamo = await startDynalite();
  const tableName = `secrets-test-${randomBytes(4).toString('hex')}`;
  await ensureTable(dynamo.endpoint, tableName);
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    FERNET_KEYS: keys.join(','),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_LOG_LEVEL: 'WARN',
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
