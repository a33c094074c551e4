// The two local DynamoDBs agree on what the store relies on: transactions (cancellation reasons
// with the item as it was, ClientRequestToken, all or nothing) and TransactGetItems. dynalite has
// no transactions of its own (local/dynalite-transactions.ts adds them); this keeps the fallback
// honest on machines where the run itself uses DynamoDB Local.
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, localClient, type LocalDynamo } from '../../local/dynamodb.js';
import { startDynalite } from '../../local/dynalite.js';
import { sharedDynamo } from '../../local/store.js';

const TABLE = 'conformance';
const stores: { name: string; dynamo?: LocalDynamo; client?: DynamoDBClient }[] = [{ name: 'dynalite' }, { name: 'the shared store' }];

beforeAll(async () => {
  stores[0]!.dynamo = await startDynalite();
  stores[1]!.dynamo = sharedDynamo() ?? stores[0]!.dynamo;
  for (const store of stores) {
    await ensureTable(store.dynamo!, TABLE);
    store.client = localClient(store.dynamo!.endpoint);
  }
});

afterAll(async () => {
  for (const store of stores) store.client?.destroy();
  await stores[0]!.dynamo?.close();
});

const key = (sk: string) => ({ pk: { S: 'P' }, sk: { S: sk } });
const put = (sk: string, extra: Record<string, { S: string }> = {}) => ({
  Put: { TableName: TABLE, Item: { ...key(sk), ...extra }, ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const },
});
const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe.each(stores)('on $name', (store) => {
  const send = async <T>(command: T): Promise<Record<string, unknown>> => (await store.client!.send(command as never)) as unknown as Record<string, unknown>;
  const run = (items: object[], token?: string) =>
    send(new TransactWriteItemsCommand({ TransactItems: items as never, ...(token && { ClientRequestToken: token }) }));
  const exists = async (sk: string) => (await send(new GetItemCommand({ TableName: TABLE, Key: key(sk), ConsistentRead: true }))).Item !== undefined;
  const prefix = `${store.name === 'dynalite' ? 'd' : 's'}${Date.now()}`;

  it('writes every item or none, and names the refused one with the item as it was', async () => {
    await send(new PutItemCommand({ TableName: TABLE, Item: { ...key(`${prefix}-taken`), note: { S: 'there' } } }));
    const error = await refusal(run([put(`${prefix}-free`), put(`${prefix}-taken`)]));
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons).toEqual([
      expect.objectContaining({ Code: 'None' }),
      expect.objectContaining({ Code: 'ConditionalCheckFailed', Item: { ...key(`${prefix}-taken`), note: { S: 'there' } } }),
    ]);
    expect(await exists(`${prefix}-free`)).toBe(false);
    await run([put(`${prefix}-free`), { Delete: { TableName: TABLE, Key: key(`${prefix}-taken`), ConditionExpression: 'attribute_exists(pk)' } }]);
    expect([await exists(`${prefix}-free`), await exists(`${prefix}-taken`)]).toEqual([true, false]);
  });

  it('answers a repeated ClientRequestToken as the first call without applying it again, and refuses other parameters under it', async () => {
    const token = `${prefix}-token`.slice(0, 36);
    await run([put(`${prefix}-once`)], token);
    await run([put(`${prefix}-once`)], token);
    const mismatch = await refusal(run([put(`${prefix}-other`)], token));
    expect((mismatch as Error).name).toBe('IdempotentParameterMismatchException');
    expect(await exists(`${prefix}-other`)).toBe(false);
  });

  it('reads several items at once, an absent one as an empty response', async () => {
    await send(new PutItemCommand({ TableName: TABLE, Item: { ...key(`${prefix}-read`), note: { S: 'hello' } } }));
    const result = await send(
      new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: TABLE, Key: key(`${prefix}-read`) } }, { Get: { TableName: TABLE, Key: key(`${prefix}-none`) } }] }),
    );
    expect((result.Responses as { Item?: unknown }[]).map((r) => r.Item)).toEqual([{ ...key(`${prefix}-read`), note: { S: 'hello' } }, undefined]);
  });
});
