// DynamoDB's transactions, which dynalite lacks, in front of it: TransactWriteItems (with
// CancellationReasons, ReturnValuesOnConditionCheckFailure and ClientRequestToken) and
// TransactGetItems. Every other request goes through untouched. A transaction runs alone: the
// requests before it finish first and the ones after it wait, so no one sees it half done; its
// conditions are all checked before any item is written, as DynamoDB does.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';

type Attributes = Record<string, AttributeValue>;
interface Expressions {
  TableName: string;
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Attributes;
  ReturnValuesOnConditionCheckFailure?: 'ALL_OLD' | 'NONE';
}
type WriteItem =
  | { Put: Expressions & { Item: Attributes } }
  | { Update: Expressions & { Key: Attributes; UpdateExpression: string } }
  | { Delete: Expressions & { Key: Attributes } }
  | { ConditionCheck: Expressions & { Key: Attributes } };

const CLIENT_TOKEN_MS = 10 * 60_000;

/** Shared for single requests, exclusive for a transaction. */
class ReadWriteLock {
  private readers = 0;
  private writer = false;
  private readonly queue: { exclusive: boolean; resume: () => void }[] = [];

  async run<T>(exclusive: boolean, work: () => Promise<T>): Promise<T> {
    await new Promise<void>((resume) => {
      this.queue.push({ exclusive, resume });
      this.drain();
    });
    try {
      return await work();
    } finally {
      if (exclusive) this.writer = false;
      else this.readers -= 1;
      this.drain();
    }
  }

  private drain(): void {
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (this.writer || (next.exclusive && this.readers > 0)) return;
      this.queue.shift();
      if (next.exclusive) this.writer = true;
      else this.readers += 1;
      next.resume();
      if (next.exclusive) return;
    }
  }
}

class TransactionCanceled extends Error {
  constructor(readonly reasons: { Code: string; Message?: string; Item?: Attributes }[]) {
    super(`Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`);
  }
}

/** Only the placeholders an expression uses: DynamoDB refuses unused ones. */
function usedBy(expression: string, names?: Record<string, string>, values?: Attributes) {
  const pick = <V>(all: Record<string, V> | undefined, prefix: string) => {
    const used = Object.entries(all ?? {}).filter(([placeholder]) =>
      new RegExp(`${prefix}${placeholder.slice(1)}(?![A-Za-z0-9_])`).test(expression),
    );
    return used.length > 0 ? Object.fromEntries(used) : undefined;
  };
  return { ExpressionAttributeNames: pick(names, '#'), ExpressionAttributeValues: pick(values, ':') };
}

export class DynaliteTransactions {
  private readonly lock = new ReadWriteLock();
  private readonly db: DynamoDBClient;
  private readonly keyNames = new Map<string, string[]>();
  private readonly clientTokens = new Map<string, { request: string; at: number }>();

  constructor(private readonly target: { port: number }) {
    this.db = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${target.port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }

  /** A server on `port` (0: a free one) that adds transactions to the dynalite on the target port. */
  listen(port: number): Promise<Server> {
    const server = createServer((req, res) => void this.handle(req, res));
    // DynamoDB keeps idle connections open for minutes, Node's server only 5 s.
    server.keepAliveTimeout = 120_000;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  }

  close(): void {
    this.db.destroy();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const action = String(req.headers['x-amz-target'] ?? '').split('.')[1];
    if (action !== 'TransactWriteItems' && action !== 'TransactGetItems') {
      await this.lock.run(false, () => this.forward(req, res));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    try {
      const output = await this.lock.run(true, () =>
        action === 'TransactWriteItems' ? this.transactWrite(input) : this.transactGet(input),
      );
      this.answer(res, 200, output);
    } catch (error) {
      if (error instanceof TransactionCanceled) {
        this.answer(res, 400, {
          __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
          message: error.message,
          CancellationReasons: error.reasons,
        });
      } else {
        const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
        this.answer(res, e.$metadata?.httpStatusCode ?? 400, { __type: `com.amazonaws.dynamodb.v20120810#${e.name}`, message: e.message });
      }
    }
  }

  private answer(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(body));
  }

  private forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const upstream = httpRequest(
        { host: '127.0.0.1', port: this.target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
          answer.once('end', resolve);
          answer.once('error', resolve);
        },
      );
      upstream.once('error', () => {
        res.destroy();
        resolve();
      });
      req.pipe(upstream);
    });
  }

  private async transactWrite(input: Record<string, unknown>): Promise<object> {
    const { ClientRequestToken: token, ...request } = input;
    const now = Date.now();
    for (const [key, seen] of this.clientTokens) if (now - seen.at > CLIENT_TOKEN_MS) this.clientTokens.delete(key);
    const seen = typeof token === 'string' ? this.clientTokens.get(token) : undefined;
    if (seen) {
      if (seen.request === JSON.stringify(request)) return {};
      throw Object.assign(new Error('Request parameters differ from an earlier request with this ClientRequestToken'), {
        name: 'IdempotentParameterMismatchException',
      });
    }
    const items = request.TransactItems as WriteItem[];
    const checks = await Promise.all(items.map((item) => this.check(item)));
    if (checks.some((check) => check.Code !== 'None')) throw new TransactionCanceled(checks);
    for (const item of items) await this.apply(item);
    if (typeof token === 'string') this.clientTokens.set(token, { request: JSON.stringify(request), at: now });
    return {};
  }

  private async transactGet(input: Record<string, unknown>) {
    const items = input.TransactItems as { Get: { TableName: string; Key: Attributes; ProjectionExpression?: string; ExpressionAttributeNames?: Record<string, string> } }[];
    const responses = await Promise.all(
      items.map(async ({ Get }) => {
        const { Item } = await this.db.send(new GetItemCommand({ ...Get, ConsistentRead: true }));
        return Item ? { Item } : {};
      }),
    );
    return { Responses: responses };
  }

  /** Whether one item's condition holds now, without writing anything that stays. */
  private async check(item: WriteItem): Promise<{ Code: string; Message?: string; Item?: Attributes }> {
    const spec = Object.values(item)[0] as Expressions & { Key?: Attributes; Item?: Attributes };
    const key = spec.Key ?? (await this.keyOf(spec.TableName, spec.Item!));
    const { Item: existing } = await this.db.send(new GetItemCommand({ TableName: spec.TableName, Key: key, ConsistentRead: true }));
    if (!spec.ConditionExpression) return { Code: 'None' };
    try {
      // Writing the item as it is, under the condition, asks dynalite to evaluate it.
      await this.db.send(
        new PutItemCommand({
          TableName: spec.TableName,
          Item: existing ?? key,
          ConditionExpression: spec.ConditionExpression,
          ...usedBy(spec.ConditionExpression, spec.ExpressionAttributeNames, spec.ExpressionAttributeValues),
        }),
      );
      if (!existing) await this.db.send(new DeleteItemCommand({ TableName: spec.TableName, Key: key }));
      return { Code: 'None' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return {
        Code: 'ConditionalCheckFailed',
        Message: 'The conditional request failed',
        ...(existing && spec.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && { Item: existing }),
      };
    }
  }

  private async apply(item: WriteItem): Promise<void> {
    // Its condition held a moment ago and nothing has run since: apply it as it is.
    if ('Put' in item) await this.db.send(new PutItemCommand(item.Put));
    else if ('Update' in item) await this.db.send(new UpdateItemCommand(item.Update));
    else if ('Delete' in item) await this.db.send(new DeleteItemCommand(item.Delete));
  }

  private async keyOf(tableName: string, item: Attributes): Promise<Attributes> {
    let names = this.keyNames.get(tableName);
    if (!names) {
      const { Table } = await this.db.send(new DescribeTableCommand({ TableName: tableName }));
      names = (Table?.KeySchema ?? []).map((k) => k.AttributeName!);
      this.keyNames.set(tableName, names);
    }
    return Object.fromEntries(names.map((name) => [name, item[name]!]));
  }
}
