// npm start: the whole store on this machine, on the embedded defaults.
//   DynamoDB Local, or dynalite  http://localhost:8000   data in .local/dynamodb
//   HTTP API                     http://localhost:3000   (serverless-offline behind local/front-door.ts)
//   Lambda invoke endpoint       http://localhost:3002
//   API reference                http://localhost:3000/docs, /openapi.json
// Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { developmentKey } from '../local/dev-key.js';
import type { DynamoDBBatchResponse } from 'aws-lambda';
import { ensureTable, startLocalDynamo } from '../local/dynamodb.js';
import { apiDocuments } from '../local/api-docs.js';
import { startFrontDoor } from '../local/front-door.js';
import { pollStream } from '../local/stream-poller.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.LOCAL_DATA_DIR ?? join(root, '.local');
const DYNAMO_PORT = Number(process.env.DYNAMO_PORT ?? 8000);
const TABLE_NAME = 'secret-store-dev-secrets';
// Callers use 3000 and 3002 (local/front-door.ts); serverless-offline listens behind it.
const PORTS = { http: 3000, invoke: 3002, httpUpstream: 3100, invokeUpstream: 3102 };

mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
const dynamo = await startLocalDynamo({ port: DYNAMO_PORT, path: join(dataDir, 'dynamodb') });
await ensureTable(dynamo, TABLE_NAME);
console.log(
  `${dynamo.kind} listening on http://localhost:${DYNAMO_PORT} (table ${TABLE_NAME})` +
    (dynamo.streams ? '' : '; no Java 17+ found, so no stream: audit events are not published'),
);

const { key, created } = developmentKey(join(dataDir, 'fernet-key'));
if (created) {
  console.warn('Generated a development Fernet key in .local/fernet-key. It is for local use only: never use it in AWS.');
}

const offline = spawn(
  process.execPath,
  [
    join(root, 'node_modules', 'osls', 'bin', 'serverless.js'),
    ...['offline', 'start', '--stage', 'dev', '--httpPort', String(PORTS.httpUpstream), '--lambdaPort', String(PORTS.invokeUpstream)],
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      FERNET_KEYS: process.env.FERNET_KEYS ?? key,
      // Repeat starts compile the framework's modules once, not every time.
      NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(root, 'node_modules', '.cache', 'node-compile'),
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      // CloudWatch's embedded metrics would be noise in a terminal.
      POWERTOOLS_METRICS_DISABLED: 'true',
      // serverless-offline runs an async invoke without awaiting it: a failing one must not end the
      // process (Lambda logs it and carries on). The warning names the error, never the payload.
      NODE_OPTIONS: [process.env.NODE_OPTIONS, '--unhandled-rejections=warn'].filter(Boolean).join(' '),
    },
  },
);

// Set once Ctrl-C (or the framework's exit) starts the shutdown.
let stopping = false;

// The table's stream drives the publisher, as Lambda's event source mapping does in AWS; it logs
// each audit event ("audit event" lines). From the stream's end: earlier changes were published
// by an earlier start.
const poller = dynamo.streams
  ? await pollStream({
      endpoint: dynamo.endpoint,
      tableName: TABLE_NAME,
      from: 'LATEST',
      deliver: (event) => invokeWhenReady('publish', event),
      onError: (error) => console.error(`stream poller: ${error.message}`),
    })
  : undefined;

/** Invokes a function through serverless-offline's invoke endpoint, waiting for it to come up. */
async function invokeWhenReady(name: string, payload: unknown): Promise<DynamoDBBatchResponse> {
  for (let attempt = 0; ; attempt += 1) {
    let response: Response;
    try {
      response = await fetch(`http://localhost:${PORTS.invokeUpstream}/2015-03-31/functions/secret-store-dev-${name}/invocations`, {
        method: 'POST',
        body: JSON.stringify(payload),
      });
    } catch (error) {
      // Shutting down: the framework is gone for good, and the poller must be let stop.
      if (stopping) throw error;
      // Not listening yet: bundling every function takes a while on a first start.
      if (attempt > 600) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      continue;
    }
    // A function error is the poller's to retry, as Lambda retries a failed batch.
    if (!response.ok || response.headers.has('x-amz-function-error')) throw new Error(`${name} failed: HTTP ${response.status}`);
    return (await response.json()) as DynamoDBBatchResponse;
  }
}

const front = await startFrontDoor(PORTS, apiDocuments());
console.log(`HTTP API on http://localhost:${PORTS.http}, Lambda invoke endpoint on http://localhost:${PORTS.invoke}`);
console.log(`API reference on http://localhost:${PORTS.http}/docs (OpenAPI document at /openapi.json)`);

const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  offline.kill('SIGTERM');
  await front.close();
  await poller?.stop();
  await dynamo.close();
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
offline.on('exit', (code) => void stop(code ?? 0));
