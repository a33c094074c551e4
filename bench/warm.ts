// Warm overhead of the get function as deployed (an event bus configured, no serverless-offline):
// the real handler (Middy chain, validation, the one UpdateItem, unsealing, log line and metrics)
// against the bare UpdateItem it sends, on the store's own DynamoDB client, with every AWS request
// WARM_BENCH_LATENCY_MS (5) away as a regional service is, in one run. The paths alternate in
// batches so machine noise hits all of them alike. Targets: one round trip per get, median <= 1.1x bare.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { secretKey } from '../lib/store/table.js';
import { httpEvent, lambdaContext, type HttpResponse } from '../local/lambda-events.js';
import { reportRatios, type RatioRow } from './ratios.js';
import {
  discardStdout,
  fixed,
  integer,
  isMain,
  markdownTable,
  median,
  meterRoundTrips,
  openBenchStore,
  quantile,
  startLatencyProxy,
} from './support.js';

export interface WarmBenchRow {
  path: string;
  requests: number;
  /** Wall-clock latency of a call. */
  medianUs: number;
  p99Us: number;
  /** Median of this path over the median of the bare UpdateItem. */
  ratio: number;
  /** Median minus the bare median, in microseconds. */
  overheadUs: number;
  /**
   * Median time per call outside the HTTP round trip to DynamoDB: the handler, the SDK's
   * marshalling, signing and response parsing, free of dynalite's own work (which in this
   * process is part of the round trip). What a call costs its function, in microseconds.
   */
  clientMedianUs: number;
  clientOverheadUs: number;
  /** Median time inside the round trip (dynalite's work and the local HTTP exchange). */
  roundTripMedianUs: number;
  /** Calls that took over 100 ms: stalls of the machine, not of the code. */
  stalled: number;
}

export interface WarmBenchResult {
  rows: WarmBenchRow[];
  /** AWS requests per get (DynamoDB and EventBridge), measured at the latency proxies. */
  roundTripsPerGet: number;
  latencyMs: number;
  /** Log lines the handler wrote per get (discarded, counted). */
  logLinesPerGet: number;
  logBytesPerGet: number;
  batch: number;
  target: number;
}

const BATCH = 100;
const TARGET = 1.1;
const PROFILE = 'bench';
const VALUE = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc4eC39HqLyjWD';

export async function runWarmBench(options: { requests?: number } = {}): Promise<WarmBenchResult> {
  const requests = options.requests ?? Number(process.env.WARM_BENCH_REQUESTS ?? 2_000);
  if (!Number.isInteger(requests) || requests < BATCH) throw new Error(`WARM_BENCH_REQUESTS must be an integer of at least ${BATCH}`);
  const latencyMs = Number(process.env.WARM_BENCH_LATENCY_MS ?? 5);
  // The level the functions run at in production.
  const store = await openBenchStore({ POWERTOOLS_LOG_LEVEL: 'INFO' });
  // Every AWS request a network round trip away; EventBridge configured, as deployed.
  const dynamoProxy = await startLatencyProxy(latencyMs, store.endpoint);
  const eventsProxy = await startLatencyProxy(latencyMs);
  Object.assign(process.env, { DYNAMODB_ENDPOINT: dynamoProxy.endpoint, EVENT_BUS_NAME: 'default', AWS_ENDPOINT_URL_EVENTBRIDGE: eventsProxy.endpoint });
  delete process.env.IS_OFFLINE;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  const stdout = discardStdout();
  try {
    const { loadHandlers } = await import('../functions/index.js');
    const handlers = await loadHandlers();
    const { dynamoClient: dynamo, logger } = await import('../lib/wiring.js');
    logger.setLogLevel('INFO');

    const names = { direct: 'warmDirect', http: 'warmHttp', bare: 'warmBare' };
    for (const name of Object.values(names)) {
      await handlers.create({ userProfileId: PROFILE, name, value: VALUE, description: 'warm benchmark', tags: ['bench'] }, lambdaContext());
    }

    // The request the get function sends (SecretRepository.recordAccess), sent directly.
    const bareUpdate = () =>
      dynamo.send(
        new UpdateCommand({
          TableName: store.tableName,
          Key: secretKey(PROFILE, names.bare),
          UpdateExpression: 'SET lastAccessed = :now ADD accessCount :one',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(expiresAt) OR expiresAt > :now)',
          ExpressionAttributeValues: { ':now': new Date().toISOString(), ':one': 1 },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );

    interface Path {
      name: string;
      /** Builds the inputs of one call outside the timed part; returns the timed call. */
      prepare: () => () => Promise<unknown>;
      check: (result: unknown) => boolean;
      samples: number[];
      client: number[];
      roundTrip: number[];
    }
    const paths: Path[] = [
      {
        name: 'bare UpdateItem (same request, same client)',
        prepare: () => bareUpdate,
        check: (result) => (result as { Attributes?: { name?: string } }).Attributes?.name === names.bare,
        samples: [],
        client: [],
        roundTrip: [],
      },
      {
        name: 'get handler, direct invocation',
        prepare: () => {
          const event = { userProfileId: PROFILE, name: names.direct };
          const context = lambdaContext();
          return () => handlers.get(event, context);
        },
        check: (result) => (result as { value?: string }).value === VALUE,
        samples: [],
        client: [],
        roundTrip: [],
      },
      {
        name: 'get handler, HTTP API event',
        prepare: () => {
          const event = httpEvent({ method: 'GET', path: `/secrets/${names.http}`, profile: PROFILE });
          const context = lambdaContext();
          return () => handlers.get(event, context);
        },
        check: (result) => (result as HttpResponse).statusCode === 200,
        samples: [],
        client: [],
        roundTrip: [],
      },
    ];

    const roundTrips = meterRoundTrips(dynamo, 'warmBenchRoundTrips');
    const runBatch = async (path: Path, count: number, record: boolean) => {
      const calls = Array.from({ length: count }, path.prepare);
      for (const call of calls) {
        const inside = roundTrips.wallMs;
        const start = performance.now();
        const result = await call();
        const elapsed = performance.now() - start;
        const roundTrip = roundTrips.wallMs - inside;
        if (!path.check(result)) throw new Error(`${path.name}: unexpected answer ${JSON.stringify(result)}`);
        if (record) {
          path.samples.push(elapsed * 1000);
          path.client.push((elapsed - roundTrip) * 1000);
          path.roundTrip.push(roundTrip * 1000);
        }
      }
    };

    // Warm up every path (JIT, connections, caches), then alternate batches, rotating the order.
    for (let round = 0; round < 2; round += 1) for (const path of paths) await runBatch(path, BATCH, false);
    let handlerLines = 0;
    let handlerBytes = 0;
    let handlerRequests = 0;
    const awsRequests = () => [...dynamoProxy.requests.values(), ...eventsProxy.requests.values()].reduce((a, b) => a + b, 0);
    for (let round = 0; round < requests / BATCH; round += 1) {
      for (let i = 0; i < paths.length; i += 1) {
        const path = paths[(round + i) % paths.length]!;
        const before = { ...stdout.sink, requests: awsRequests() };
        await runBatch(path, Math.min(BATCH, requests - round * BATCH), true);
        if (path !== paths[0]) {
          handlerLines += stdout.sink.lines - before.lines;
          handlerBytes += stdout.sink.bytes - before.bytes;
          handlerRequests += awsRequests() - before.requests;
        }
      }
    }

    const ascending = (values: number[]) => values.toSorted((a, b) => a - b);
    const bareMedian = median(ascending(paths[0]!.samples));
    const bareClient = median(ascending(paths[0]!.client));
    const handlerGets = paths.slice(1).reduce((sum, path) => sum + path.samples.length, 0);
    return {
      rows: paths.map((path) => {
        const sorted = ascending(path.samples);
        const client = median(ascending(path.client));
        return {
          path: path.name,
          requests: sorted.length,
          medianUs: median(sorted),
          p99Us: quantile(sorted, 0.99),
          ratio: median(sorted) / bareMedian,
          overheadUs: median(sorted) - bareMedian,
          clientMedianUs: client,
          clientOverheadUs: client - bareClient,
          roundTripMedianUs: median(ascending(path.roundTrip)),
          stalled: sorted.filter((us) => us > 100_000).length,
        };
      }),
      roundTripsPerGet: handlerRequests / handlerGets,
      latencyMs,
      logLinesPerGet: handlerLines / handlerGets,
      logBytesPerGet: handlerBytes / handlerGets,
      batch: BATCH,
      target: TARGET,
    };
  } finally {
    stdout.restore();
    await dynamoProxy.close();
    await eventsProxy.close();
    await store.close();
  }
}

export function formatWarmBench(result: WarmBenchResult): string {
  const [bare, ...handlers] = result.rows;
  return [
    markdownTable(
      ['path', 'requests', 'median', 'p99', 'median vs bare', 'overhead (median)', 'outside the round trip (median)', 'of which handler'],
      result.rows.map((row) => [
        row.path,
        integer(row.requests),
        `${integer(row.medianUs)} µs`,
        `${integer(row.p99Us)} µs`,
        row === bare
          ? '1.00x'
          : `${fixed(row.ratio, 2)}x (target ≤ ${result.target}x: ${row.ratio <= result.target ? 'met' : 'MISSED'})`,
        row === bare ? '' : `${integer(row.overheadUs)} µs`,
        `${integer(row.clientMedianUs)} µs`,
        row === bare ? '(SDK only)' : `${integer(row.clientOverheadUs)} µs`,
      ]),
    ),
    '',
    `AWS round trips per get: ${fixed(result.roundTripsPerGet, 2)} (target 1: ${result.roundTripsPerGet <= 1 ? 'met' : 'MISSED'}), ` +
      `each ${result.latencyMs} ms away (WARM_BENCH_LATENCY_MS), an event bus configured. ` +
      `Alternating batches of ${result.batch} per path after 2 warm-up batches each; the local DynamoDB behind a latency proxy; ` +
      `log level INFO, ${fixed(result.logLinesPerGet, 1)} log line(s) (${integer(result.logBytesPerGet)} bytes) per get, ` +
      `written to a discarding stdout. p99 ratios: ${handlers.map((row) => `${fixed(row.p99Us / bare!.p99Us, 2)}x`).join(', ')}. ` +
      `Outside the round trip: time per call not spent in the HTTP exchange with the store (handler, SDK marshalling, signing, ` +
      `response parsing), which itself took a median ${integer(bare!.roundTripMedianUs)} µs. ` +
      `Calls over 100 ms (the whole process stalled, not the code): ${result.rows.map((row) => row.stalled).join(', ')}; ` +
      `they set the p99 when there are more than 1%.`,
  ].join('\n');
}

/** The rows for `npm run bench`'s table of ratios. */
export function warmRatios(result: WarmBenchResult): RatioRow[] {
  const [bare, ...handlers] = result.rows;
  return [
    ...handlers.map((row) => ({
      benchmark: `Warm ${row.path} (median latency, ${result.latencyMs} ms per AWS request)`,
      measured: `${integer(row.medianUs)} µs`,
      baseline: `${integer(bare!.medianUs)} µs (bare UpdateItem)`,
      ratio: row.ratio,
      target: { max: result.target },
    })),
    {
      benchmark: 'Warm get: AWS round trips per get',
      measured: fixed(result.roundTripsPerGet, 2),
      baseline: '1 (the UpdateItem)',
      ratio: result.roundTripsPerGet,
      target: { max: 1 },
    },
  ];
}

if (isMain(import.meta.url)) {
  const result = await runWarmBench();
  console.log(formatWarmBench(result));
  reportRatios(warmRatios(result));
  process.exit(0);
}
