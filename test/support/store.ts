// An isolated store for one test file: its own dynalite on a free port, its own table,
// and the environment the functions read at cold start.
import { randomBytes } from 'node:crypto';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { ensureTable, localClient, startDynalite, type LocalDynamo } from '../../scripts/local/dynalite.js';

export const TEST_KEYS = [
  // Fixed keys: tests that tamper with tokens must be reproducible.
  'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=',
  'Pq7h1Fwa9hxV7b3F3aXnR2v8p2Tyq4o4aF8nC0rQkzM=',
];

export interface TestStore {
  dynamo: LocalDynamo;
  tableName: string;
  /** Every raw item in the table, as DynamoDB holds it. */
  scanAll(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function startTestStore(env: Record<string, string> = {}): Promise<TestStore> {
  const dynamo = await startDynalite();
  const tableName = `secrets-test-${randomBytes(4).toString('hex')}`;
  await ensureTable(dynamo.endpoint, tableName);
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    FERNET_KEYS: TEST_KEYS[0],
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_LOG_LEVEL: 'WARN',
    ...env,
  });
  const client = DynamoDBDocumentClient.from(localClient(dynamo.endpoint));
  return {
    dynamo,
    tableName,
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
