// Helpers shared by the benchmarks: the store they run against, order statistics, tables.
import { createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { ensureTable, startLocalDynamo } from '../local/dynamodb.js';
import { startLocalStore } from '../local/store.js';

/** True when the module at `url` is the script node was started with (`npx tsx bench/x.ts`). */
export const isMain = (url: string): boolean =>
  process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;

export interface BenchStore {
  endpoint: string;
  tableName: string;
  /** The functions' Fernet keys, primary first. */
  keys: string[];
  close(): Promise<void>;
}

// startLocalStore names its tables like this and serves on 127.0.0.1.
const TEST_TABLE = /^secrets-test-[0-9a-f]{8}$/;
const TEST_ENDPOINT = /^http:\/\/127\.0\.0\.1:(\d+)$/;

/**
 * An empty store for one benchmark. The functions read their configuration once per process
 * (module-scope clients, as in Lambda), so when an earlier benchmark in this process already
 * loaded them against a test store, the new store takes that store's port and table name;
 * otherwise it is a fresh startLocalStore. Either way the caller imports the handlers after this.
 */
export async function openBenchStore(env: Record<string, string> = {}): Promise<BenchStore> {
  const table = process.env.TABLE_NAME;
  const port = TEST_ENDPOINT.exec(process.env.DYNAMODB_ENDPOINT ?? '')?.[1];
  if (table !== undefined && TEST_TABLE.test(table) && port !== undefined) {
    const dynamo = await startLocalDynamo({ port: Number(port) });
    await ensureTable(dynamo, table);
    Object.assign(process.env, env);
    const keys = (process.env.FERNET_KEYS ?? '').split(',');
    return { endpoint: dynamo.endpoint, tableName: table, keys, close: () => dynamo.close() };
  }
  const store = await startLocalStore({ env });
  return { endpoint: store.dynamo.endpoint, tableName: store.tableName, keys: store.keys, close: () => store.close() };
}

/** The q-quantile (0..1) of ascending `sorted` values, by nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export const median = (sorted: readonly number[]): number => quantile(sorted, 0.5);

/** A markdown table. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ].join('\n');
}

export const integer = (value: number): string => Math.round(value).toLocaleString('en-US');

export const fixed = (value: number, digits: number): string =>
  Number.isFinite(value) ? value.toFixed(digits) : 'n/a';

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** Runs `tasks` with at most `limit` in flight. */
export async function inParallel<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

export interface RoundTripMeter {
  count: number;
  /** Wall time inside HTTP round trips to DynamoDB (with an in-process dynalite: its work too). */
  wallMs: number;
}

interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
      options: { step: 'deserialize'; priority: 'low'; name: string; override: true },
    ): void;
  };
}

/**
 * Times every HTTP round trip of `client`: a middleware innermost in the stack (below the
 * deserializer, just above the HTTP handler), so what it measures is the request on the wire
 * and, with dynalite in this process, the emulator's own work; everything else a call costs
 * (handler, marshalling, signing, parsing the response) is the caller's.
 */
export function meterRoundTrips(client: unknown, name: string): RoundTripMeter {
  const meter: RoundTripMeter = { count: 0, wallMs: 0 };
  (client as MiddlewareClient).middlewareStack.add(
    (next) => async (args) => {
      const start = performance.now();
      try {
        return await next(args);
      } finally {
        meter.wallMs += performance.now() - start;
        meter.count += 1;
      }
    },
    { step: 'deserialize', priority: 'low', name, override: true },
  );
  return meter;
}

/**
 * Swallows stdout (the functions' log lines) while counting them: one property replaced for
 * the whole measurement, the same for every path measured. Lines are still formatted and
 * written as in Lambda, where they go to the runtime's log pipe instead.
 */
export function discardStdout() {
  const write = process.stdout.write;
  const sink = { lines: 0, bytes: 0 };
  process.stdout.write = ((chunk: string | Uint8Array) => {
    sink.lines += 1;
    sink.bytes += chunk.length;
    return true;
  }) as typeof process.stdout.write;
  return { sink, restore: () => void (process.stdout.write = write) };
}

export interface LatencyProxy {
  endpoint: string;
  /** Requests forwarded, by X-Amz-Target operation (GetItem, PutEvents, ...). */
  requests: Map<string, number>;
  close(): Promise<void>;
}

/**
 * An AWS endpoint `latencyMs` away: every request waits that long before it is forwarded to
 * `upstream` (or, without one, answered as EventBridge would accept it), as a network round trip
 * to a regional service adds time. Counts the requests by operation.
 */
export async function startLatencyProxy(latencyMs: number, upstream?: string): Promise<LatencyProxy> {
  const requests = new Map<string, number>();
  const target = upstream === undefined ? undefined : new URL(upstream);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      requests.set(operation, (requests.get(operation) ?? 0) + 1);
      setTimeout(() => {
        if (target === undefined) {
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          return void res.end(JSON.stringify({ FailedEntryCount: 0, Entries: [{ EventId: 'bench' }] }));
        }
        const proxied = forward({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (reply) => {
          res.writeHead(reply.statusCode ?? 500, reply.headers);
          reply.pipe(res);
        });
        proxied.on('error', () => res.destroy());
        proxied.end(Buffer.concat(chunks));
      }, latencyMs);
    });
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
