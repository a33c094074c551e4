// DynamoDB requests and capacity units per operation, and what every billed service costs on
// paper: DynamoDB (table, indexes; stream reads by a Lambda trigger are free), Lambda for the
// function and for its share of the stream publisher, EventBridge for the audit event, and API
// Gateway over HTTP.
// The real handlers run against the local store while a middleware on the store's own client
// asks every request for ReturnConsumedCapacity=TOTAL and sums what comes back. The local store bills
// the base table only and nothing for a Query that reads nothing, so beside its figures stand
// DynamoDB's own rules: index writes worked out from the item before and after each write
// (KEYS_ONLY and INCLUDE indexes), transactions at 2 units per KB of each item, and at least 0.5 read unit per eventually consistent read.
// Prices are published list prices; the Lambda line is an estimate, labelled as such.
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { TABLE_DEFINITION } from '../lib/store/table.js';
import { localClient } from '../local/dynamodb.js';
import { httpEvent, lambdaContext, type HttpResponse } from '../local/lambda-events.js';
import {
  DYNAMODB_PER_GB_MONTH,
  DYNAMODB_PER_READ_UNIT,
  DYNAMODB_PER_WRITE_UNIT,
  EVENTBRIDGE_PER_EVENT,
  HTTP_API_PER_REQUEST,
  LAMBDA_ARM_PER_GB_SECOND,
  LAMBDA_PER_REQUEST,
  SECRETS_MANAGER_PER_CALL,
  SECRETS_MANAGER_PER_SECRET_MONTH,
} from './prices.js';
import { discardStdout, integer, isMain, markdownTable, median, meterRoundTrips, openBenchStore, startLatencyProxy } from './support.js';

// --- Published prices, us-east-1, as of late 2024 (bench/prices.ts) ---------------------------
// DynamoDB Streams: GetRecords calls made by a Lambda trigger are free.
const STREAM_READS_BY_LAMBDA = 0;
// Free tiers (25 GB of DynamoDB storage, Lambda's monthly 1M requests and 400,000 GB-s) are not applied.

// --- Assumptions of the Lambda estimate -----------------------------------------------------
/** An UpdateItem round trip from Lambda to DynamoDB in the same region: an assumption, not measured. */
const ASSUMED_DYNAMODB_ROUND_TRIP_MS = 5;
/** A PutEvents round trip: an assumption as well. The publisher sends one per ten events, in turn. */
const ASSUMED_EVENTBRIDGE_ROUND_TRIP_MS = 5;
/** The publisher's memory (the provider default). */
const PUBLISHER_MEMORY_MB = 512;
/** Records per publisher invocation: a quiet table (one at a time) and a busy one (full batches). */
const PUBLISHER_BATCHES = [1, 100] as const;
/** Lambda gives a function one full vCPU at 1,769 MB and a proportional share below. */
const FULL_VCPU_MB = 1_769;
const LAMBDA_MEMORY_MB = [128, 256] as const;

const STORED_SECRETS = 10_000;
const GET_COUNT = 1_000_000;
/** Per item and per index entry, for indexing (DynamoDB developer guide, item sizes). */
const STORAGE_OVERHEAD_BYTES = 100;
const GIB = 1024 ** 3;
const SWEEPS_PER_MONTH = (30 * 24 * 60) / 5;

export interface CapacityRow {
  operation: string;
  requests: number;
  /** As dynalite reports them. */
  measuredRead: number;
  measuredWrite: number;
  /** By DynamoDB's rules: the table's units plus index writes, at least 0.5 per read. */
  read: number;
  write: number;
  /** Index-entry writes included in `write`. */
  indexWrites: number;
}

export interface CapacityBenchResult {
  rows: CapacityRow[];
  /** Size of a typical secret's item and index entries by DynamoDB's rules, overhead included. */
  itemBytes: number;
  byIdEntryBytes: number;
  byExpiryEntryBytes: number;
  /** Median time of a warm HTTP get on one core of this machine, outside the DynamoDB round trip. */
  getClientUs: number;
  getSamples: number;
  /** Median time the publisher spends on a batch of this many records, outside its PutEvents round trips. */
  publisherClientUs: Record<number, number>;
}

/** A secret of ordinary size for every operation and for the storage estimate. */
const TYPICAL = {
  name: 'stripeApiKey',
  value: 'sk_live_51HqLyjWDarjtT1zdp7dc4eC39HqLyjWDarjtT1zdp7dc',
  description: 'Stripe live key for the billing service',
  tags: ['prod', 'billing'],
  annotations: { owner: 'payments' },
};

/** Attribute sizes by DynamoDB's rules (names and values as UTF-8, 3 bytes per list or map, 1 per element). */
function valueBytes(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') {
    const digits = String(Math.abs(value)).replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length || 1;
    return 1 + Math.ceil(digits / 2);
  }
  if (Array.isArray(value) || value instanceof Set) return 3 + [...value].reduce((sum: number, v) => sum + 1 + valueBytes(v), 0);
  return 3 + Object.entries(value as object).reduce((sum, [k, v]) => sum + 1 + Buffer.byteLength(k, 'utf8') + valueBytes(v), 0);
}

export const itemBytes = (item: Record<string, unknown>): number =>
  Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name, 'utf8') + valueBytes(value), 0);

const TABLE_KEYS = TABLE_DEFINITION.KeySchema.map((k) => k.AttributeName);
const INDEXES = TABLE_DEFINITION.GlobalSecondaryIndexes.map((index) => {
  const projection = index.Projection as { ProjectionType: string; NonKeyAttributes?: string[] };
  if (projection.ProjectionType !== 'KEYS_ONLY' && projection.ProjectionType !== 'INCLUDE') throw new Error(`index ${index.IndexName}: only KEYS_ONLY and INCLUDE are modelled`);
  return { name: index.IndexName, keys: index.KeySchema.map((k) => k.AttributeName), projected: projection.NonKeyAttributes ?? [] };
});

/** The entry an item has in an index: the table's and the index's keys and the projected attributes it has, or none. */
function indexEntry(item: Record<string, unknown> | undefined, keys: readonly string[], projected: readonly string[] = []): Record<string, unknown> | undefined {
  if (item === undefined || keys.some((k) => item[k] === undefined)) return undefined;
  return Object.fromEntries([...new Set([...TABLE_KEYS, ...keys, ...projected])].filter((k) => item[k] !== undefined).map((k) => [k, item[k]]));
}

/** Write units a change of one item costs in the indexes: 1 KB units per entry put or deleted. */
function indexWriteUnits(before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): number {
  let units = 0;
  for (const index of INDEXES) {
    const old = indexEntry(before, index.keys, index.projected);
    const now = indexEntry(after, index.keys, index.projected);
    if (old !== undefined && now !== undefined && JSON.stringify(old) === JSON.stringify(now)) continue; // nothing projected changed
    if (old !== undefined) units += Math.ceil(itemBytes(old) / 1024);
    if (now !== undefined) units += Math.ceil(itemBytes(now) / 1024);
  }
  return units;
}

/** The stream record a get makes: the item's access recorded, images as the stream carries them. */
function accessRecord(item: Record<string, unknown>, n: number) {
  const image = marshall({ ...item, accessCount: n + 1 }, { removeUndefinedValues: true });
  return {
    eventID: `bench-${n}`,
    eventName: 'MODIFY',
    dynamodb: { ApproximateCreationDateTime: Date.now() / 1000, SequenceNumber: String(n), OldImage: marshall({ ...item, accessCount: n }, { removeUndefinedValues: true }), NewImage: image },
  };
}

export async function runCapacityBench(): Promise<CapacityBenchResult> {
  const store = await openBenchStore({ POWERTOOLS_LOG_LEVEL: 'ERROR' });
  // The audit bus as deployed, answered at once by a local stand-in (its latency is assumed below).
  const eventBridge = await startLatencyProxy(0);
  Object.assign(process.env, { EVENT_BUS_NAME: 'default', AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.endpoint });
  // Reads items before and after each write on a client of its own, outside the counts.
  const inspector = DynamoDBDocumentClient.from(localClient(store.endpoint));
  const inspect = async (key: Record<string, unknown>) =>
    (await inspector.send(new GetCommand({ TableName: store.tableName, Key: key, ConsistentRead: true }))).Item;
  try {
    const { loadHandlers } = await import('../functions/index.js');
    const handlers = await loadHandlers();
    const { dynamoClient: dynamo, logger } = await import('../lib/wiring.js');
    logger.setLogLevel('ERROR');

    let row: CapacityRow | undefined;
    dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        const current = row;
        if (current === undefined) return next(args); // only while an operation is measured
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity = 'TOTAL';
        const command = context.commandName ?? '';
        const write = /^((Put|Update|Delete)Item|TransactWrite)/.test(command);
        // Every item a write touches (each of a transaction's), read before and after for its index writes.
        type Touch = { Key?: Record<string, unknown>; Item?: Record<string, unknown> };
        const keyOf = (t: Touch) => t.Key ?? Object.fromEntries(TABLE_KEYS.map((k) => [k, t.Item?.[k]]));
        const touched = !write
          ? []
          : input.TransactItems
            ? (input.TransactItems as Record<string, Touch>[]).map((t) => keyOf(Object.values(t)[0]!))
            : [keyOf(input as Touch)];
        const before = await Promise.all(touched.map(inspect));
        const result = await next(args);
        const after = await Promise.all(touched.map(inspect));
        const output = result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] };
        current.requests += 1;
        const transaction = command.startsWith('TransactWrite');
        if (transaction) {
          // DynamoDB bills a transaction's items twice: 2 units per KB of each item, the larger of before and after.
          current.write += touched.reduce((sum, _, i) => sum + 2 * Math.ceil(Math.max(itemBytes(before[i] ?? {}), itemBytes(after[i] ?? {}), 1) / 1024), 0);
        }
        for (const consumed of [output.ConsumedCapacity ?? []].flat()) {
          const units = consumed.CapacityUnits ?? 0;
          if (write) {
            const tableWrite = consumed.WriteCapacityUnits ?? units;
            current.measuredWrite += tableWrite;
            if (!transaction) current.write += tableWrite;
          } else {
            const read = consumed.ReadCapacityUnits ?? units;
            current.measuredRead += read;
            current.read += Math.max(0.5, read);
          }
        }
        if (write) {
          const indexUnits = touched.reduce((sum, _, i) => sum + indexWriteUnits(before[i], after[i]), 0);
          current.write += indexUnits;
          current.indexWrites += indexUnits;
        }
        return result;
      },
      { step: 'initialize', name: 'capacityBenchMeter', override: true },
    );

    const measure = async (operation: string, run: () => Promise<unknown>): Promise<CapacityRow> => {
      row = { operation, requests: 0, measuredRead: 0, measuredWrite: 0, read: 0, write: 0, indexWrites: 0 };
      try {
        await run();
        return row;
      } finally {
        row = undefined;
      }
    };
    const profile = { userProfileId: 'bench' };
    const direct = (op: keyof typeof handlers, payload: Record<string, unknown>) =>
      handlers[op]({ ...profile, ...payload }, lambdaContext()) as Promise<Record<string, unknown>>;

    // Cold-start work and a page's worth of other secrets, outside the counts.
    await direct('create', { name: 'warmUp', value: 'x' });
    for (let i = 0; i < 60; i += 1) await direct('create', { name: `filler${i}`, value: TYPICAL.value, tags: ['prod'] });

    let id = '';
    const rows: CapacityRow[] = [];
    rows.push(await measure('create', async () => void (id = String((await direct('create', TYPICAL)).id))));
    const in30Days = new Date(Date.now() + 30 * 86_400_000).toISOString();
    rows.push(await measure('create with expiresAt', () => direct('create', { ...TYPICAL, name: 'expiringKey', expiresAt: in30Days })));
    rows.push(await measure('get', () => direct('get', { name: TYPICAL.name })));
    rows.push(await measure('get by id (direct invocation)', () => direct('get', { id })));
    const stored = (await inspect({ pk: 'PROFILE#bench', sk: `SECRET#${TYPICAL.name}` }))!;
    const expiring = (await inspect({ pk: 'PROFILE#bench', sk: 'SECRET#expiringKey' }))!;
    rows.push(await measure('list page (50)', () => direct('list', { limit: 50 })));
    rows.push(await measure('update', () => direct('update', { name: TYPICAL.name, description: 'rotated monthly' })));
    // A change of value keeps the previous one as a version item: a read, then one transaction.
    rows.push(await measure('update value (previous kept)', () => direct('update', { name: TYPICAL.name, value: `${TYPICAL.value}2` })));
    for (let i = 3; i <= 10; i += 1) await direct('update', { name: TYPICAL.name, value: `${TYPICAL.value}${i}` });
    rows.push(await measure('update value, history full', () => direct('update', { name: TYPICAL.name, value: `${TYPICAL.value}11` })));
    rows.push(await measure('get an earlier version', () => direct('get', { name: TYPICAL.name, version: 5 })));
    rows.push(await measure('expire', () => direct('expire', { name: TYPICAL.name })));
    rows.push(await measure('delete (scheduled)', () => direct('delete', { name: TYPICAL.name })));
    rows.push(await measure('delete, forced, 9 versions', () => direct('delete', { name: TYPICAL.name, force: true })));
    await direct('create', { ...TYPICAL, name: 'dueKey' });
    await direct('expire', { name: 'dueKey' });
    rows.push(await measure('sweep, one secret due', () => handlers.sweep({}, lambdaContext())));
    rows.push(await measure('sweep, nothing due', () => handlers.sweep({}, lambdaContext())));

    // Time a warm HTTP get spends outside its DynamoDB round trip, at the production log level:
    // the function's own work, for the Lambda estimate.
    logger.setLogLevel('INFO');
    const roundTrips = meterRoundTrips(dynamo, 'capacityBenchRoundTrips');
    const getOnce = async () => {
      const event = httpEvent({ method: 'GET', path: `/secrets/expiringKey`, profile: 'bench' });
      const context = lambdaContext();
      const inside = roundTrips.wallMs;
      const start = performance.now();
      const response = (await handlers.get(event, context)) as HttpResponse;
      const outside = performance.now() - start - (roundTrips.wallMs - inside);
      if (response.statusCode !== 200) throw new Error(`get answered ${response.statusCode}`);
      return outside * 1000;
    };
    const stdout = discardStdout();
    const getSamples = Number(process.env.CAPACITY_BENCH_GETS ?? 1_000);
    const outside: number[] = [];
    try {
      for (let i = 0; i < 200; i += 1) await getOnce();
      for (let i = 0; i < getSamples; i += 1) outside.push(await getOnce());
    } finally {
      stdout.restore();
      logger.setLogLevel('ERROR');
    }

    // The publisher's own work per batch, its PutEvents answered at once by a local stand-in.
    const publisherClientUs: Record<number, number> = {};
    for (const size of PUBLISHER_BATCHES) {
      const samples: number[] = [];
      for (let run = 0; run < 60; run += 1) {
        const event = { Records: Array.from({ length: size }, (_, i) => accessRecord(stored, run * size + i)) };
        const start = performance.now();
        const response = (await handlers.publish(event, lambdaContext())) as { batchItemFailures: unknown[] };
        if (response.batchItemFailures.length > 0) throw new Error('the publisher reported failures');
        if (run >= 10) samples.push((performance.now() - start) * 1000);
      }
      publisherClientUs[size] = median(samples.toSorted((a, b) => a - b));
    }

    const entryBytes = (item: Record<string, unknown>, index: string) =>
      itemBytes(indexEntry(item, INDEXES.find((i) => i.name === index)!.keys)!) + STORAGE_OVERHEAD_BYTES;
    return {
      rows,
      itemBytes: itemBytes(stored) + STORAGE_OVERHEAD_BYTES,
      byIdEntryBytes: entryBytes(stored, 'byId'),
      byExpiryEntryBytes: entryBytes(expiring, 'byExpiry'),
      getClientUs: median(outside.toSorted((a, b) => a - b)),
      getSamples,
      publisherClientUs,
    };
  } finally {
    inspector.destroy();
    await eventBridge.close();
    await store.close();
  }
}

interface ConsumedCapacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

const dollars = (value: number): string =>
  value >= 100 ? `$${integer(value)}` : `$${value.toPrecision(3)}`;

export function formatCapacityBench(result: CapacityBenchResult): string {
  const units = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
  const capacity = markdownTable(
    ['operation', 'requests', 'read units (local store)', 'write units (local store)', 'read units (DynamoDB)', 'write units (DynamoDB)', 'of which index writes'],
    result.rows.map((r) => [
      r.operation,
      String(r.requests),
      units(r.measuredRead),
      units(r.measuredWrite),
      units(r.read),
      units(r.write),
      units(r.indexWrites),
    ]),
  );

  const get = result.rows.find((r) => r.operation === 'get')!;
  const sweepIdle = result.rows.find((r) => r.operation === 'sweep, nothing due')!;
  const unitCost = (r: CapacityRow) => r.read * DYNAMODB_PER_READ_UNIT + r.write * DYNAMODB_PER_WRITE_UNIT;
  const perSecret = result.itemBytes + result.byIdEntryBytes;
  const storage = (STORED_SECRETS * perSecret * DYNAMODB_PER_GB_MONTH) / GIB;
  const billedMs = (clientUs: number, roundTripsMs: number, mb: number) => Math.ceil(roundTripsMs + (clientUs / 1000) * (FULL_VCPU_MB / mb));
  const lambda = LAMBDA_MEMORY_MB.map((mb) => {
    const ms = billedMs(result.getClientUs, ASSUMED_DYNAMODB_ROUND_TRIP_MS, mb);
    return { mb, ms, cost: GET_COUNT * (LAMBDA_PER_REQUEST + (mb / 1024) * (ms / 1000) * LAMBDA_ARM_PER_GB_SECOND) };
  });
  // The publisher's share of a get: one stream record, one event; a batch's invocation split over its records.
  const publisher = PUBLISHER_BATCHES.map((size) => {
    const ms = billedMs(result.publisherClientUs[size]!, Math.ceil(size / 10) * ASSUMED_EVENTBRIDGE_ROUND_TRIP_MS, PUBLISHER_MEMORY_MB);
    const perInvocation = LAMBDA_PER_REQUEST + (PUBLISHER_MEMORY_MB / 1024) * (ms / 1000) * LAMBDA_ARM_PER_GB_SECOND;
    return { size, ms, cost: (GET_COUNT / size) * perInvocation };
  });
  const dynamodbGets = GET_COUNT * unitCost(get);
  const events = GET_COUNT * EVENTBRIDGE_PER_EVENT;
  const lambdaGets = lambda.find((l) => l.mb === 256)!.cost;
  const totals = publisher.map((p) => dynamodbGets + lambdaGets + p.cost + events + STREAM_READS_BY_LAMBDA);
  const cost = markdownTable(
    ['work', 'this store: DynamoDB', 'this store: Lambda arm64 (estimate)', 'this store: audit', 'this store: total', 'AWS Secrets Manager'],
    [
      [
        '1 million gets, direct invocation',
        `${dollars(dynamodbGets)} (${units(get.write)} write unit${get.write === 1 ? '' : 's'} each: get records the access; stream reads by Lambda free)`,
        lambda.map((l) => `${dollars(l.cost)} at ${l.mb} MB (${l.ms} ms billed)`).join('; '),
        `${dollars(events)} EventBridge (1 event each) + publisher ` +
          publisher.map((p) => `${dollars(p.cost)} at ${p.size} record${p.size === 1 ? '' : 's'} an invocation (${p.ms} ms billed)`).join(' or '),
        totals.map((t, i) => `${dollars(t)} (${PUBLISHER_BATCHES[i] === 1 ? 'quiet' : 'busy'})`).join(' / '),
        `${dollars(GET_COUNT * SECRETS_MANAGER_PER_CALL)} (GetSecretValue, no audit event)`,
      ],
      [
        '1 million gets over HTTP',
        'as above',
        'as above',
        'as above',
        totals.map((t, i) => `${dollars(t + GET_COUNT * HTTP_API_PER_REQUEST)} (${PUBLISHER_BATCHES[i] === 1 ? 'quiet' : 'busy'}: + API Gateway ${dollars(GET_COUNT * HTTP_API_PER_REQUEST)})`).join(' / '),
        `${dollars(GET_COUNT * SECRETS_MANAGER_PER_CALL)}`,
      ],
      [
        `${integer(STORED_SECRETS)} secrets stored for a month`,
        `${dollars(storage)} (${integer(perSecret)} bytes each: item ${integer(result.itemBytes)} + byId entry ${integer(result.byIdEntryBytes)})`,
        '—',
        '—',
        dollars(storage),
        dollars(STORED_SECRETS * SECRETS_MANAGER_PER_SECRET_MONTH),
      ],
      [
        'sweep every 5 minutes for a month, nothing due',
        `${dollars(SWEEPS_PER_MONTH * unitCost(sweepIdle))} (${units(sweepIdle.read)} read units a run)`,
        `${dollars(SWEEPS_PER_MONTH * LAMBDA_PER_REQUEST)} in requests (duration not estimated)`,
        '—',
        dollars(SWEEPS_PER_MONTH * (unitCost(sweepIdle) + LAMBDA_PER_REQUEST)),
        'no equivalent',
      ],
    ],
  );
  return [
    capacity,
    '',
    'The local store reports the base table only (dynalite: 0 for a Query that reads nothing); the DynamoDB columns add what DynamoDB also bills: ' +
      'index writes (worked out from the item before and after each write, 1 unit per KB of each entry put or deleted), transactions at 2 units per KB of each item ' +
      'and at least 0.5 read unit per eventually consistent read.',
    '',
    cost,
    '',
    `Published us-east-1 prices as of late 2024: DynamoDB on-demand $0.625 per million write and $0.125 per million read request units, ` +
      `$0.25 per GB-month; Secrets Manager $0.40 per secret-month and $0.05 per 10,000 API calls; Lambda arm64 $0.0000133334 per GB-second ` +
      `and $0.20 per million requests. Free tiers not applied. Storage: each item ${integer(result.itemBytes)} bytes and its byId entry ` +
      `${integer(result.byIdEntryBytes)} bytes (attribute names and values by DynamoDB's rules, plus ${STORAGE_OVERHEAD_BYTES} bytes overhead each); ` +
      `a secret with a pending expiry adds a byExpiry entry of ${integer(result.byExpiryEntryBytes)} bytes. ` +
      `Lambda estimate: billed duration = an assumed ${ASSUMED_DYNAMODB_ROUND_TRIP_MS} ms DynamoDB round trip + the get's measured time ` +
      `outside that round trip (${integer(result.getClientUs)} µs on one core of this machine, median of ${integer(result.getSamples)} warm HTTP gets ` +
      `at log level INFO) scaled to the memory size's CPU share (1 vCPU at ${integer(FULL_VCPU_MB)} MB), rounded up to 1 ms. ` +
      `Over HTTP, API Gateway adds ${dollars(GET_COUNT * HTTP_API_PER_REQUEST)} per million requests (HTTP API); a direct Lambda invocation does not. ` +
      `Audit: every get is one stream record, published as one EventBridge event ($1.00 per million); the stream publisher's invocations ` +
      `(${PUBLISHER_MEMORY_MB} MB) are shared by the records of a batch: one record an invocation on a quiet table, up to 100 on a busy one. ` +
      `Its billed duration: one assumed ${ASSUMED_EVENTBRIDGE_ROUND_TRIP_MS} ms PutEvents round trip per ten events, in turn, plus its measured ` +
      `work outside them (${PUBLISHER_BATCHES.map((b) => `${integer(result.publisherClientUs[b]!)} µs for ${b}`).join(', ')}, median of 50 batches ` +
      `answered locally at once), scaled as above. Reads of the stream by the Lambda trigger are free.`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  console.log(formatCapacityBench(await runCapacityBench()));
  process.exit(0);
}
