// What a function is, declared once in functions/<name>/config.ts beside its handler. The
// Middy chain reads it at cold start; serverless.yml's functions, the IAM roles and the alarms are
// built from it (infra/); the tests derive each role's expected permissions from it.
import type { BodyType } from '../lib/lambda/invocation.js';
import type { FunctionTraits } from '../lib/lambda/secret-function.js';
import type { IndexName } from '../lib/store/table.js';

export type DynamoAction =
  | 'GetItem'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'Query'
  | 'Scan'
  | 'DescribeStream'
  | 'GetRecords'
  | 'GetShardIterator'
  | 'ListStreams';

/** How the table's stream is read: Lambda's event source mapping settings. */
export interface StreamTrigger {
  batchSize: number;
  /** Seconds Lambda waits to fill a batch. */
  batchWindow: number;
  /** Retries of a failing batch (bisected each time) before its records go to the failure queue. */
  maximumRetryAttempts: number;
  maximumRecordAgeInSeconds: number;
}

export interface FunctionConfig extends FunctionTraits {
  /**
   * Its HTTP API route, behind the JWT authorizer, the query parameters it reads, and the media
   * types its body may have (`application/json` only unless it says); direct invocation only when absent.
   */
  route?: { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; path: string; query?: readonly string[]; bodyTypes?: readonly BodyType[] };
  /** An EventBridge schedule expression, which may name a serverless.yml param. */
  schedule?: string;
  /** Invoked with batches of the table's stream; records it cannot handle go to the failure queue. */
  stream?: StreamTrigger;
  /** The DynamoDB actions it sends, by what they apply to: the table, one index, or the table's stream. */
  dynamodb: Partial<Record<'table' | 'stream' | IndexName, DynamoAction[]>>;
  /** It publishes audit events (events:PutEvents on the bus). */
  publishes?: true;
  /** Seconds, when the provider's default is not enough. */
  timeout?: number;
}

export const defineFunction = <const C extends FunctionConfig>(config: C): C => config;
