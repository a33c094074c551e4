// The fallback local DynamoDB where no Java runs DynamoDB Local: dynalite, in this process,
// plus the DynamoDB features the store relies on that it lacks: ReturnValuesOnConditionCheckFailure
// (patched in) and transactions (served in front of it, local/dynalite-transactions.ts).
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalDynamo } from './dynamodb.js';
import { DynaliteTransactions } from './dynalite-transactions.js';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: { path?: string; createTableMs?: number }) => Server;

let patched = false;

/** Real DynamoDB returns the current item with a failed condition when asked to. */
function addReturnValuesOnConditionCheckFailure(): void {
  if (patched) return;
  patched = true;
  const db = require('dynalite/db') as {
    checkConditional: (data: Record<string, unknown>, existing?: unknown) => { body: Record<string, unknown> } | null;
  };
  for (const action of ['putItem', 'updateItem', 'deleteItem']) {
    const { types } = require(`dynalite/validations/${action}`) as { types: Record<string, unknown> };
    types.ReturnValuesOnConditionCheckFailure = { type: 'String', enum: ['ALL_OLD', 'NONE'] };
  }
  const checkConditional = db.checkConditional;
  db.checkConditional = (data, existing) => {
    const error = checkConditional(data, existing);
    if (error && existing && data.ReturnValuesOnConditionCheckFailure === 'ALL_OLD') error.body.Item = existing;
    return error;
  };
}

/** Starts dynalite on `port` (0 picks a free one); data persists in `path` when given. */
export async function startDynalite(options: { port?: number; path?: string } = {}): Promise<LocalDynamo> {
  addReturnValuesOnConditionCheckFailure();
  const server = dynalite({ createTableMs: 0, ...(options.path && { path: options.path }) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // DynamoDB keeps idle connections open for minutes, Node's server only 5 s. Suspected (not
  // reproduced in isolation) of the ECONNRESETs that failed 50-way concurrency tests in a CI
  // run on a badly stalled VM: sockets closed by the server just as the client reused them.
  server.keepAliveTimeout = 120_000;
  const transactions = new DynaliteTransactions({ port: (server.address() as AddressInfo).port });
  const front = await transactions.listen(options.port ?? 0);
  const port = (front.address() as AddressInfo).port;
  const closeServer = (s: Server) => new Promise<void>((resolve) => {
    s.closeAllConnections();
    s.close(() => resolve());
  });
  return {
    kind: 'dynalite',
    streams: false,
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      await closeServer(front);
      transactions.close();
      await closeServer(server);
    },
  };
}
