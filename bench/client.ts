// What the client's cache saves (npm run bench:client). One consumer reads one secret
// CLIENT_BENCH_READS_PER_SECOND (10) times a second for CLIENT_BENCH_MINUTES (10) simulated
// minutes through the TypeScript client, with its cache (TTL 60 s) and without, against the real
// get handler with every AWS request CLIENT_BENCH_LATENCY_MS (5) away, as bench:warm does. The
// cache's clock is simulated (each read moves it on by the interval between reads); every
// latency is measured. The client reaches the handler in process: the API Gateway hop and the
// network, which every uncached read pays in AWS and no cached one does, are not in the numbers.
// The baseline, in the same run, is the same reads without the cache.
import { SecretStore } from '../client/index.js';
import { httpEvent, lambdaContext, type HttpResponse } from '../local/lambda-events.js';
import { DYNAMODB_PER_WRITE_UNIT, EVENTBRIDGE_PER_EVENT, HTTP_API_PER_REQUEST, LAMBDA_ARM_PER_GB_SECOND, LAMBDA_PER_REQUEST } from './prices.js';
import { reportRatios, type RatioRow } from './ratios.js';
import { discardStdout, fixed, integer, isMain, markdownTable, median, openBenchStore, quantile, startLatencyProxy } from './support.js';

/** The get function's memory (the provider default). */
const FUNCTION_MEMORY_GB = 0.5;

const PROFILE = 'bench';
const NAME = 'clientBench';
const VALUE = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc4eC39HqLyjWD';

export interface ClientBenchRow {
  path: string;
  reads: number;
  /** Reads that reached the get function (each one Lambda invocation, one UpdateItem, one audit event). */
  storeReads: number;
  medianUs: number;
  p99Us: number;
  /** List price per million reads: HTTP API, Lambda (requests and duration), DynamoDB write, audit event. */
  dollarsPerMillionReads: number;
}

export async function runClientBench(): Promise<{ rows: ClientBenchRow[]; latencyMs: number; readsPerSecond: number; minutes: number; handlerMedianMs: number }> {
  const readsPerSecond = Number(process.env.CLIENT_BENCH_READS_PER_SECOND ?? 10);
  const minutes = Number(process.env.CLIENT_BENCH_MINUTES ?? 10);
  const latencyMs = Number(process.env.CLIENT_BENCH_LATENCY_MS ?? 5);
  const store = await openBenchStore({ POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'true' });
  const dynamoProxy = await startLatencyProxy(latencyMs, store.endpoint);
  const eventsProxy = await startLatencyProxy(latencyMs);
  Object.assign(process.env, { DYNAMODB_ENDPOINT: dynamoProxy.endpoint, EVENT_BUS_NAME: 'default', AWS_ENDPOINT_URL_EVENTBRIDGE: eventsProxy.endpoint });
  delete process.env.IS_OFFLINE;
  const stdout = discardStdout();
  try {
    const { loadHandlers } = await import('../functions/index.js');
    const handlers = await loadHandlers();
    await handlers.create({ userProfileId: PROFILE, name: NAME, value: VALUE }, lambdaContext());

    let invocations = 0;
    const handlerMs: number[] = [];
    // The HTTP API in process: the request becomes the event API Gateway would send.
    const fetchShim = (async (input: string | URL | Request, init: RequestInit = {}) => {
      const url = new URL(String(input));
      invocations += 1;
      const started = performance.now();
      const response = (await handlers.get(httpEvent({ method: init.method ?? 'GET', path: url.pathname, profile: PROFILE }), lambdaContext())) as HttpResponse;
      handlerMs.push(performance.now() - started);
      return new Response(response.body ?? null, { status: response.statusCode, headers: response.headers });
    }) as typeof fetch;

    const reads = Math.round(readsPerSecond * minutes * 60);
    const intervalMs = 1000 / readsPerSecond;
    const paths = [
      { path: 'get without the cache (baseline)', cache: false as const },
      { path: 'get with the cache (TTL 60 s)', cache: { ttlMs: 60_000 } },
    ];
    const rows: ClientBenchRow[] = [];
    for (const { path, cache } of paths) {
      let simulatedNow = Date.now();
      const client = new SecretStore({
        http: { endpoint: 'https://api.bench', token: 'bench', fetch: fetchShim },
        cache: cache && { ...cache, now: () => simulatedNow },
      });
      const before = invocations;
      const samples: number[] = [];
      for (let i = 0; i < reads; i++) {
        const started = performance.now();
        const secret = await client.get(NAME);
        samples.push((performance.now() - started) * 1000);
        if (secret.value !== VALUE) throw new Error('the benchmark read a wrong value');
        simulatedNow += intervalMs;
      }
      samples.sort((a, b) => a - b);
      rows.push({ path, reads, storeReads: invocations - before, medianUs: median(samples), p99Us: quantile(samples, 0.99), dollarsPerMillionReads: 0 });
    }
    handlerMs.sort((a, b) => a - b);
    const handlerMedianMs = median(handlerMs);
    // Lambda bills duration by the millisecond, rounded up.
    const perStoreRead =
      HTTP_API_PER_REQUEST + LAMBDA_PER_REQUEST + (Math.ceil(handlerMedianMs) / 1000) * FUNCTION_MEMORY_GB * LAMBDA_ARM_PER_GB_SECOND + DYNAMODB_PER_WRITE_UNIT + EVENTBRIDGE_PER_EVENT;
    for (const row of rows) row.dollarsPerMillionReads = (row.storeReads / row.reads) * perStoreRead * 1_000_000;
    return { rows, latencyMs, readsPerSecond, minutes, handlerMedianMs };
  } finally {
    stdout.restore();
    await dynamoProxy.close();
    await eventsProxy.close();
    await store.close();
  }
}

export function clientRatios({ rows }: Awaited<ReturnType<typeof runClientBench>>): RatioRow[] {
  const [plain, cached] = rows as [ClientBenchRow, ClientBenchRow];
  return [
    {
      benchmark: 'client: store reads per read, cached (TTL 60 s, 10 reads/s)',
      measured: `${integer(cached.storeReads)} of ${integer(cached.reads)}`,
      baseline: `${integer(plain.storeReads)} of ${integer(plain.reads)}`,
      ratio: cached.storeReads / cached.reads / (plain.storeReads / plain.reads),
      target: { max: 0.01 },
    },
    {
      benchmark: 'client: median get latency, cached',
      measured: `${fixed(cached.medianUs, 1)} µs`,
      baseline: `${fixed(plain.medianUs, 1)} µs`,
      ratio: cached.medianUs / plain.medianUs,
    },
  ];
}

export function formatClientBench(result: Awaited<ReturnType<typeof runClientBench>>): string {
  return [
    `${result.readsPerSecond} reads a second of one secret for ${result.minutes} simulated minutes, every AWS request ${result.latencyMs} ms away; get handler median ${fixed(result.handlerMedianMs, 2)} ms.`,
    '',
    markdownTable(
      ['path', 'reads', 'reached the store', 'median', 'p99', '$ per million reads'],
      result.rows.map((r) => [r.path, integer(r.reads), integer(r.storeReads), `${fixed(r.medianUs, 1)} µs`, `${fixed(r.p99Us, 1)} µs`, `$${fixed(r.dollarsPerMillionReads, 4)}`]),
    ),
    '',
    'Price per read that reaches the store: HTTP API request, Lambda request and duration (512 MB, Arm, the measured handler median rounded up to the millisecond), one DynamoDB write unit, one audit event; the publisher and free tiers are left out.',
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const result = await runClientBench();
  console.log(formatClientBench(result));
  reportRatios(clientRatios(result));
  process.exit(0);
}
