// What Lambda's event source mapping does for the stream publisher, on the local DynamoDB's
// stream: read every shard in order and hand the records, in Lambda's event shape, to a
// function; a partial batch response makes the next delivery start at the first failed record.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { localClient } from './dynamodb.js';

// Deliveries of one batch before it is given up on (Lambda: maximumRetryAttempts, then the failure queue).
const MAX_DELIVERIES = 3;

export interface StreamPoller {
  /** Resolves once every record written before the call has been delivered. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export interface PollerOptions {
  endpoint: string;
  tableName: string;
  /** Receives each batch, as Lambda would pass it; may answer with a partial batch response. */
  deliver: (event: { Records: DynamoDBRecord[] }) => Promise<DynamoDBBatchResponse | void>;
  batchSize?: number;
  intervalMs?: number;
  /** TRIM_HORIZON (every record the stream holds) or LATEST (from now). */
  from?: 'TRIM_HORIZON' | 'LATEST';
  onError?: (error: Error) => void;
}

/** The SDK's stream record as Lambda hands it over: creation time in epoch seconds. */
const asLambdaRecord = (record: StreamRecord, streamArn: string): DynamoDBRecord =>
  ({
    ...record,
    eventSourceARN: streamArn,
    dynamodb: { ...record.dynamodb, ApproximateCreationDateTime: (record.dynamodb?.ApproximateCreationDateTime?.getTime() ?? Date.now()) / 1000 },
  }) as DynamoDBRecord;

export async function pollStream(options: PollerOptions): Promise<StreamPoller> {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const streams = new DynamoDBStreamsClient({ endpoint: options.endpoint, region: 'us-east-1', credentials });
  const tables = localClient(options.endpoint);
  const { Table } = await tables.send(new DescribeTableCommand({ TableName: options.tableName }));
  tables.destroy();
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream`);

  const iterators = new Map<string, string | undefined>(); // shard id -> next iterator (undefined: closed and done)
  const pending = new Map<string, { records: DynamoDBRecord[]; attempts: number }>(); // to deliver again
  let stopped = false;
  let idleWaiters: Array<() => void> = [];

  const lastDelivered = new Map<string, string>(); // shard id -> sequence number

  const shardsAtStart = new Set<string>();
  let started = false;

  /** An iterator after the last record delivered from the shard, or from the configured start (shards found later: from their start). */
  const iteratorFor = async (shardId: string) =>
    (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shardId,
          ...(lastDelivered.has(shardId)
            ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: lastDelivered.get(shardId) }
            : { ShardIteratorType: !started || shardsAtStart.has(shardId) ? (options.from ?? 'TRIM_HORIZON') : 'TRIM_HORIZON' }),
        }),
      )
    ).ShardIterator;

  async function refreshShards(): Promise<void> {
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of StreamDescription?.Shards ?? []) {
      if (!started) shardsAtStart.add(shard.ShardId!);
      if (!iterators.has(shard.ShardId!)) iterators.set(shard.ShardId!, await iteratorFor(shard.ShardId!));
    }
    started = true;
  }

  /** A page of the shard's records; an iterator DynamoDB Local no longer honours is taken again. */
  async function read(shardId: string, iterator: string) {
    try {
      return await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: options.batchSize ?? 100 }));
    } catch (error) {
      // DynamoDB Local refuses a TRIM_HORIZON iterator taken on an empty shard once other tables
      // have written (TrimmedDataAccessException); iterators also expire after 15 minutes.
      const name = (error as Error).name;
      if (name !== 'TrimmedDataAccessException' && name !== 'ExpiredIteratorException') throw error;
      const fresh = await iteratorFor(shardId);
      return fresh === undefined ? { Records: [], NextShardIterator: undefined } : streams.send(new GetRecordsCommand({ ShardIterator: fresh, Limit: options.batchSize ?? 100 }));
    }
  }

  /** One pass over every shard: 'idle' when it delivered nothing (caught up), 'retry' after a failed delivery. */
  async function poll(): Promise<'idle' | 'busy' | 'retry'> {
    await refreshShards();
    let state: 'idle' | 'busy' | 'retry' = 'idle';
    for (const [shardId, iterator] of iterators) {
      const retry = pending.get(shardId);
      let records = retry?.records ?? [];
      let next = iterator;
      if (records.length === 0 && iterator !== undefined) {
        const page = await read(shardId, iterator);
        records = (page.Records ?? []).map((r) => asLambdaRecord(r, streamArn!));
        next = page.NextShardIterator;
      }
      iterators.set(shardId, next);
      if (records.length === 0) continue;
      if (state === 'idle') state = 'busy';
      // A function error retries the whole batch, as Lambda does; a partial response, from its first failure.
      const response = await options.deliver({ Records: records }).catch(() => ({ batchItemFailures: [{ itemIdentifier: records[0]!.dynamodb!.SequenceNumber! }] }));
      // As Lambda: resume from the earliest record reported; an identifier not in the batch fails all of it.
      const reported = (response?.batchItemFailures ?? []).map((f) => records.findIndex((r) => r.dynamodb?.SequenceNumber === f.itemIdentifier));
      const from = reported.length === 0 ? -1 : reported.includes(-1) ? 0 : Math.min(...reported);
      const attempts = (retry?.attempts ?? 0) + 1;
      const delivered = from === -1 ? records.at(-1) : records[from - 1];
      if (delivered?.dynamodb?.SequenceNumber) lastDelivered.set(shardId, delivered.dynamodb.SequenceNumber);
      if (from === -1 || attempts >= MAX_DELIVERIES) {
        if (from !== -1) options.onError?.(new Error(`gave up on ${records.length - from} stream records after ${MAX_DELIVERIES} deliveries`));
        pending.delete(shardId);
      } else {
        pending.set(shardId, { records: records.slice(from), attempts });
        state = 'retry';
      }
    }
    return state;
  }

  const loop = (async () => {
    while (!stopped) {
      let state: 'idle' | 'busy' | 'retry' = 'retry';
      try {
        state = await poll();
      } catch (error) {
        options.onError?.(error as Error);
      }
      if (state === 'idle') {
        for (const resolve of idleWaiters) resolve();
        idleWaiters = [];
      }
      await new Promise((resolve) => setTimeout(resolve, state === 'busy' ? 0 : (options.intervalMs ?? 200)));
    }
  })();

  return {
    // Two idle passes after the call: the first may have started before the last write.
    drain: async () => {
      for (let pass = 0; pass < 2; pass += 1) await new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    async stop() {
      stopped = true;
      await loop;
      streams.destroy();
    },
  };
}
