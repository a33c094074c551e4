// What a function is, declared once in functions/<name>/config.ts beside its handler. The
// Middy chain reads it at cold start; serverless.yml's functions and the IAM roles are built
// from it (infra/); the tests derive each role's expected permissions from it.
import type { FunctionTraits } from '../lib/lambda/secret-function.js';
import type { IndexName } from '../lib/store/table.js';

export type DynamoAction = 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query' | 'Scan';

export interface FunctionConfig extends FunctionTraits {
  /** Its HTTP API route, behind the JWT authorizer; direct invocation only when absent. */
  route?: { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; path: string };
  /** An EventBridge schedule expression, which may name a serverless.yml param. */
  schedule?: string;
  /** The DynamoDB actions it sends, by what they apply to: the table or one index. */
  dynamodb: Partial<Record<'table' | IndexName, DynamoAction[]>>;
  /** It publishes audit events (events:PutEvents on the bus). */
  audit: boolean;
  /** Seconds, when the provider's default is not enough. */
  timeout?: number;
}

export const defineFunction = <const C extends FunctionConfig>(config: C): C => config;
