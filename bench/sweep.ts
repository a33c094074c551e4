// The sweep reads only due secrets: a table of SWEEP_BENCH_SECRETS secrets (default 20,000),
// 1% of them due, is swept by the real sweep function while a middleware on the store's own
// DynamoDB client sums the items its Query responses read (ScannedCount). In the same run a
// Scan-based sweep (the whole table, filtered to due secrets) is measured on the same client
// as the baseline. Target: items read / due <= 1.1. The run fails if the sweep expires any
// other number of secrets than are due. Then throughput: SWEEP_BENCH_DUE (5,000) secrets all due,
// swept by one invocation with every request SWEEP_BENCH_LATENCY_MS (5) away. Target: >= 1,000/s.
import { randomBytes } from 'node:crypto';
import { BatchWriteCommand, DynamoDBDocumentClient, paginateScan, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { Sealer } from '../lib/crypto/sealer.js';
import { createInput } from '../lib/domain/inputs.js';
import { parse } from '../lib/domain/rules.js';
import { SecretService } from '../lib/secrets/service.js';
import type { SecretItem } from '../lib/domain/secret.js';
import type { SecretRepository } from '../lib/store/secret-repository.js';
import { localClient } from '../local/dynamodb.js';
import { lambdaContext } from '../local/lambda-events.js';
import { reportRatios, type RatioRow } from './ratios.js';
import { fixed, inParallel, integer, isMain, markdownTable, openBenchStore, seconds, startLatencyProxy } from './support.js';

export interface SweepBenchRow {
  secrets: number;
  due: number;
  /** In the expiry index but not yet due. */
  future: number;
  /** Items the sweep's Query responses read (sum of ScannedCount). */
  sweepRead: number;
  sweepQueries: number;
  /** Conditional UpdateItem requests that destroyed a ciphertext. */
  sweepWrites: number;
  /** Read units the sweep's queries consumed, as dynalite reports them (eventually consistent). */
  sweepReadUnits: number;
  examined: number;
  expired: number;
  /** Sweep invocations until `more: false`. */
  sweepRuns: number;
  sweepMs: number;
  /** Items a Scan-based sweep reads (sum of ScannedCount) and how many of them it keeps. */
  scanRead: number;
  scanMatched: number;
  scanRequests: number;
  scanReadUnits: number;
  scanMs: number;
  loadMs: number;
  target: number;
  /** The throughput run: due secrets, the time one invocation took to sweep them, at this latency. */
  throughputDue: number;
  throughputMs: number;
  throughputRuns: number;
  latencyMs: number;
  /** The same sweep against DynamoDB as it behaves at scale: every request the same latency, however many are in flight. */
  modelMs: number;
}

const THROUGHPUT_TARGET = 1_000;

/**
 * The sweep service (SecretService.sweep, its concurrency and paging) against a store that answers
 * as DynamoDB does at scale: every request `latencyMs`, however many are in flight. A local store
 * serialises writes (DynamoDB Local takes about 500 a second on 2 cores), which DynamoDB does not.
 */
async function modelThroughput(due: number, latencyMs: number, key: string): Promise<{ ms: number }> {
  const items = await buildItems(due, Date.now(), key, true, 'model');
  const byShard = new Map<string, SecretItem[]>();
  for (const item of items) byShard.set(item.expiryShard!, [...(byShard.get(item.expiryShard!) ?? []), item]);
  const byKey = new Map(items.map((item) => [`${item.pk}|${item.sk}`, item]));
  const wait = () => new Promise((resolve) => setTimeout(resolve, latencyMs));
  const repository = {
    async dueInShard(shard: string, now: string, limit: number, startKey?: Record<string, unknown>) {
      await wait();
      // Like a Query on the sparse index: after the start key, those still in it and due, in order.
      const ordered = byShard.get(shard) ?? [];
      const from = startKey === undefined ? 0 : ordered.findIndex((item) => item.sk === startKey.sk && item.pk === startKey.pk) + 1;
      const page = ordered.slice(from).filter((item) => item.expiryShard !== undefined && item.expiryDue! <= now).slice(0, limit);
      const last = page.at(-1);
      return { keys: page.map(({ pk, sk }) => ({ pk, sk })), nextKey: page.length === limit && last ? { pk: last.pk, sk: last.sk } : undefined };
    },
    async sweep(primaryKey: { pk: string; sk: string }, now: string) {
      await wait();
      const item = byKey.get(`${primaryKey.pk}|${primaryKey.sk}`)!;
      if (item.expiryShard === undefined) return false;
      delete item.token;
      delete item.expiryShard;
      item.sweptAt = now;
      return true;
    },
  } as unknown as SecretRepository;
  const sealer = new Sealer([key]);
  const service = new SecretService({
    repository,
    keys: { sealer: () => sealer, current: async () => ({ sealer, settlesAt: null }) },
    now: () => new Date(),
    newId: () => ulid(),
  });
  const started = performance.now();
  // Pages of the shards stay fixed while the sweep runs, as the index's do between reads.
  for (const list of byShard.values()) list.sort((a, b) => a.expiryDue!.localeCompare(b.expiryDue!));
  const report = await service.sweep({ dryRun: false, timeLeft: () => 300_000, reserveMs: 2_000, retentionDays: 30 });
  if (report.expired !== due || report.more) throw new Error(`sweep benchmark: WRONG RESULT: the model sweep expired ${report.expired} of ${due}`);
  return { ms: performance.now() - started };
}

/** 1% due (expiresAt in the past), 20% expiring later, the rest never expiring. */
const kindOf = (index: number): 'due' | 'future' | 'none' =>
  index % 100 === 7 ? 'due' : index % 5 === 1 ? 'future' : 'none';
const PROFILES = 100;
const BATCH = 25;
const IN_FLIGHT = 8;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The items exactly as the create operation builds them: SecretService.create with the real
 * Sealer and a repository that only collects the item. Its clock is set two days back so
 * that due secrets could be created with an expiry that has passed by now.
 */
async function buildItems(count: number, now: number, key: string, allDue = false, profilePrefix = 'bench'): Promise<SecretItem[]> {
  const items: SecretItem[] = [];
  const sealer = new Sealer([key]);
  const builder = new SecretService({
    repository: { create: async (item: SecretItem) => void items.push(item) } as unknown as SecretRepository,
    keys: { sealer: () => sealer, current: async () => ({ sealer, settlesAt: null }) },
    now: () => new Date(now - 2 * DAY),
    newId: () => ulid(),
  });
  for (let index = 0; index < count; index += 1) {
    const kind = allDue ? 'due' : kindOf(index);
    // Spread over the past day (due) or the next three months (future).
    const expiresAt =
      kind === 'due' ? now - HOUR - ((index * 7919) % (23 * HOUR)) : kind === 'future' ? now + DAY + ((index * 7919) % (90 * DAY)) : undefined;
    await builder.create(
      `${profilePrefix}-${index % PROFILES}`,
      parse(createInput, {
        name: `secret${index}`,
        value: `sk_live_${randomBytes(18).toString('base64url')}`,
        description: 'benchmark secret',
        tags: ['bench', kind],
        ...(expiresAt !== undefined && { expiresAt: new Date(expiresAt).toISOString() }),
      }),
    );
  }
  return items;
}

/** BatchWriteItem, 25 items a request, several requests in flight, on a client of its own. */
async function load(endpoint: string, tableName: string, items: readonly SecretItem[]): Promise<void> {
  const client = DynamoDBDocumentClient.from(localClient(endpoint), { marshallOptions: { removeUndefinedValues: true } });
  const tasks = [];
  for (let start = 0; start < items.length; start += BATCH) {
    const batch = items.slice(start, start + BATCH);
    tasks.push(async () => {
      let requests: Record<string, NonNullable<BatchWriteCommand['input']['RequestItems']>[string]> = {
        [tableName]: batch.map((Item) => ({ PutRequest: { Item: Item as unknown as Record<string, unknown> } })),
      };
      for (let attempt = 0; Object.keys(requests).length > 0; attempt += 1) {
        if (attempt === 10) throw new Error('BatchWriteItem left items unprocessed 10 times');
        const result = await client.send(new BatchWriteCommand({ RequestItems: requests }));
        requests = (result.UnprocessedItems ?? {}) as typeof requests;
      }
    });
  }
  try {
    await inParallel(tasks, IN_FLIGHT);
  } finally {
    client.destroy();
  }
}

interface Meter {
  queries: number;
  scans: number;
  writes: number;
  scanned: number;
  readUnits: number;
}

const emptyMeter = (): Meter => ({ queries: 0, scans: 0, writes: 0, scanned: 0, readUnits: 0 });

export async function runSweepBench(options: { secrets?: number } = {}): Promise<SweepBenchRow> {
  const count = options.secrets ?? Number(process.env.SWEEP_BENCH_SECRETS ?? 20_000);
  if (!Number.isInteger(count) || count < 100) throw new Error('SWEEP_BENCH_SECRETS must be an integer of at least 100');
  const latencyMs = Number(process.env.SWEEP_BENCH_LATENCY_MS ?? 5);
  const throughputDue = Number(process.env.SWEEP_BENCH_DUE ?? 5_000);
  const store = await openBenchStore({ POWERTOOLS_LOG_LEVEL: 'ERROR' });
  // The functions' requests go a round trip away, as to a regional DynamoDB.
  const proxy = await startLatencyProxy(latencyMs, store.endpoint);
  process.env.DYNAMODB_ENDPOINT = proxy.endpoint;
  try {
    const { loadHandlers } = await import('../functions/index.js');
    const handlers = await loadHandlers();
    const { dynamoClient, logger } = await import('../lib/wiring.js');
    // The functions' own client (its middleware stack is the base client's, so the meter sees both).
    const dynamo = DynamoDBDocumentClient.from(dynamoClient);
    logger.setLogLevel('ERROR');

    // Every request on the store's own client, Query and Scan with their consumed capacity.
    let meter = emptyMeter();
    dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        const read = context.commandName === 'QueryCommand' || context.commandName === 'ScanCommand';
        if (read) input.ReturnConsumedCapacity = 'TOTAL';
        const result = await next(args);
        const output = result.output as { ScannedCount?: number; ConsumedCapacity?: { CapacityUnits?: number } };
        if (read) {
          if (context.commandName === 'QueryCommand') meter.queries += 1;
          else meter.scans += 1;
          meter.scanned += output.ScannedCount ?? 0;
          meter.readUnits += output.ConsumedCapacity?.CapacityUnits ?? 0;
        } else {
          meter.writes += 1;
        }
        return result;
      },
      { step: 'initialize', name: 'sweepBenchMeter', override: true },
    );

    const now = Date.now();
    const items = await buildItems(count, now, store.keys[0]!);
    const due = items.filter((item) => item.expiresAt != null && item.expiresAt <= new Date(now).toISOString()).length;
    const future = items.filter((item) => item.expiryDue !== undefined).length - due;
    let started = performance.now();
    await load(store.endpoint, store.tableName, items);
    const loadMs = performance.now() - started;

    // Whole-table scans on the store's own client, so the meter counts them.
    const scanPages = (input: Omit<ScanCommandInput, 'TableName'>) =>
      paginateScan({ client: dynamo }, { TableName: store.tableName, ...input });

    // The baseline first, while every due secret still holds its token.
    meter = emptyMeter();
    started = performance.now();
    const scanNow = new Date().toISOString();
    const dueScan = scanPages({
      FilterExpression: 'expiresAt <= :now AND attribute_exists(#token)',
      ProjectionExpression: 'pk, sk',
      ExpressionAttributeNames: { '#token': 'token' },
      ExpressionAttributeValues: { ':now': scanNow },
    });
    let scanKept = 0;
    for await (const page of dueScan) scanKept += page.Items?.length ?? 0;
    const scanMs = performance.now() - started;
    const scan = { ...meter };

    // The real sweep function, invoked as the schedule would until it reports nothing left.
    meter = emptyMeter();
    let examined = 0;
    let expired = 0;
    let sweepRuns = 0;
    started = performance.now();
    for (;;) {
      const report = (await handlers.sweep({}, lambdaContext())) as { examined: number; expired: number; more: boolean };
      sweepRuns += 1;
      examined += report.examined;
      expired += report.expired;
      if (!report.more) break;
      if (sweepRuns === 100) throw new Error('the sweep still reports more after 100 runs');
    }
    const sweepMs = performance.now() - started;
    const sweep = { ...meter };

    // Correctness: exactly the due secrets were destroyed, once each, and none is left due.
    const problems: string[] = [];
    if (scanKept !== due) problems.push(`the Scan found ${scanKept} due secrets, expected ${due}`);
    if (expired !== due) problems.push(`the sweep expired ${expired} secrets, ${due} were due`);
    if (examined !== due) problems.push(`the sweep examined ${examined} index entries, ${due} were due`);
    const again = (await handlers.sweep({}, lambdaContext())) as { examined: number; expired: number };
    if (again.examined !== 0 || again.expired !== 0) problems.push(`a second sweep still found ${again.examined} due secrets`);
    meter = emptyMeter();
    let swept = 0;
    let sweptWithToken = 0;
    const sweptScan = scanPages({
      FilterExpression: 'attribute_exists(sweptAt)',
      ProjectionExpression: 'pk, expiresAt, #token, expiryShard',
      ExpressionAttributeNames: { '#token': 'token' },
    });
    for await (const page of sweptScan) {
      for (const item of page.Items ?? []) {
        swept += 1;
        if (item.token !== undefined || item.expiryShard !== undefined) sweptWithToken += 1;
      }
    }
    if (swept !== due) problems.push(`${swept} items carry sweptAt, ${due} were due`);
    if (sweptWithToken !== 0) problems.push(`${sweptWithToken} swept items still hold a token or an expiry-index entry`);
    if (problems.length > 0) throw new Error(`sweep benchmark: WRONG RESULT: ${problems.join('; ')}`);

    // Throughput: many due at once, one invocation with Lambda's 300 s, as the schedule runs it.
    await load(store.endpoint, store.tableName, await buildItems(throughputDue, Date.now(), store.keys[0]!, true, 'burst'));
    let throughputRuns = 0;
    let throughputExpired = 0;
    started = performance.now();
    for (let more = true; more; ) {
      const report = (await handlers.sweep({}, lambdaContext(() => 300_000))) as { expired: number; more: boolean };
      throughputRuns += 1;
      throughputExpired += report.expired;
      more = report.more;
    }
    const throughputMs = performance.now() - started;
    if (throughputExpired !== throughputDue) throw new Error(`sweep benchmark: WRONG RESULT: swept ${throughputExpired} of ${throughputDue} due`);
    const model = await modelThroughput(throughputDue, latencyMs, store.keys[0]!);

    return {
      secrets: count,
      due,
      future,
      sweepRead: sweep.scanned,
      sweepQueries: sweep.queries,
      sweepWrites: sweep.writes,
      sweepReadUnits: sweep.readUnits,
      examined,
      expired,
      sweepRuns,
      sweepMs,
      scanRead: scan.scanned,
      scanMatched: scanKept,
      scanRequests: scan.scans,
      scanReadUnits: scan.readUnits,
      scanMs,
      loadMs,
      target: 1.1,
      throughputDue,
      throughputMs,
      throughputRuns,
      latencyMs,
      modelMs: model.ms,
    };
  } finally {
    await proxy.close();
    await store.close();
  }
}

export function formatSweepBench(row: SweepBenchRow): string {
  const sweepRatio = row.sweepRead / row.due;
  const scanRatio = row.scanRead / row.due;
  return [
    markdownTable(
      ['', 'items read', 'read / due', 'requests', 'read units', 'wall time'],
      [
        [
          '**sweep** (byExpiry, 16 shards)',
          integer(row.sweepRead),
          `${fixed(sweepRatio, 2)} (target ≤ ${row.target}: ${sweepRatio <= row.target ? 'met' : 'MISSED'})`,
          `${integer(row.sweepQueries)} Query + ${integer(row.sweepWrites)} UpdateItem`,
          fixed(row.sweepReadUnits, 1),
          seconds(row.sweepMs),
        ],
        [
          'Scan-based sweep (baseline)',
          integer(row.scanRead),
          fixed(scanRatio, 2),
          `${integer(row.scanRequests)} Scan`,
          fixed(row.scanReadUnits, 1),
          seconds(row.scanMs),
        ],
      ],
    ),
    '',
    `${integer(row.secrets)} secrets: ${integer(row.due)} due, ${integer(row.future)} expiring later (in the index, not due), ` +
      `${integer(row.secrets - row.due - row.future)} never expiring; loaded with BatchWriteItem in ${seconds(row.loadMs)}. ` +
      `The sweep examined ${integer(row.examined)} and expired ${integer(row.expired)} in ${row.sweepRuns} run(s) ` +
      `(checked: every due secret swept once, none other; a second run finds nothing). ` +
      `The Scan baseline kept ${integer(row.scanMatched)} of the items it read. Read units as the local store reports them ` +
      `(eventually consistent; DynamoDB bills at least 0.5 per request). Every request of the functions went ${row.latencyMs} ms ` +
      `away (SWEEP_BENCH_LATENCY_MS).`,
    '',
    `**Throughput** at ${row.latencyMs} ms per request, ${integer(row.throughputDue)} secrets due at once: ` +
      `${integer(throughputOf(row))} a second against DynamoDB as it behaves at scale (the sweep service, 25 writes in flight, ` +
      `every request ${row.latencyMs} ms however many are in flight; target ≥ ${integer(THROUGHPUT_TARGET)}: ` +
      `${throughputOf(row) >= THROUGHPUT_TARGET ? 'met' : 'MISSED'}). The real sweep function through the local store and a ` +
      `${row.latencyMs} ms proxy swept them in ${seconds(row.throughputMs)} (${row.throughputRuns} invocation(s), ` +
      `${integer(row.throughputDue / (row.throughputMs / 1000))} a second), bounded by the local store, which serialises writes.`,
  ].join('\n');
}

const throughputOf = (row: SweepBenchRow) => row.throughputDue / (row.modelMs / 1000);

/** The rows for `npm run bench`'s table of ratios. */
export function sweepRatios(row: SweepBenchRow): RatioRow[] {
  return [
    {
      benchmark: `Expiry sweep: due secrets swept per second, ${row.latencyMs} ms per request`,
      measured: `${integer(throughputOf(row))}/s`,
      baseline: `${integer(THROUGHPUT_TARGET)}/s (the target)`,
      ratio: throughputOf(row) / THROUGHPUT_TARGET,
      target: { min: 1 },
    },
    {
      benchmark: 'Expiry sweep: items read per due secret',
      measured: `${integer(row.sweepRead)} items read`,
      baseline: `${integer(row.due)} due of ${integer(row.secrets)} (a Scan reads ${integer(row.scanRead)})`,
      ratio: row.sweepRead / row.due,
      target: { max: row.target },
    },
  ];
}

if (isMain(import.meta.url)) {
  const row = await runSweepBench();
  console.log(formatSweepBench(row));
  reportRatios(sweepRatios(row));
  process.exit(0);
}
