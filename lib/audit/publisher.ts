// Publishes a batch of stream records as audit events, ten to a PutEvents, and reports where the
// batch must resume: Lambda's partial batch response for streams retries from the earliest
// record reported. No event is lost; an event is sent again only from the first undelivered one
// of a request on (consumers dedupe by idempotencyKey).
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import type { AuditEvent, AuditSink } from './events.js';
import { auditEventOf } from './from-stream.js';

/** PutEvents takes at most 10 entries. */
export const EVENTS_PER_REQUEST = 10;

export interface PublishReport {
  response: DynamoDBBatchResponse;
  published: number;
  failed: number;
  /** Age of the oldest record in the batch when it was published, in milliseconds. */
  lagMs: number;
}

/** Time a PutEvents may take with its retries; with less left, the rest of the batch is handed back. */
const REQUEST_BUDGET_MS = 15_000;

export async function publishRecords(
  records: DynamoDBRecord[],
  sink: AuditSink,
  options: { now?: number; timeLeft?: () => number } = {},
): Promise<PublishReport> {
  const now = options.now ?? Date.now();
  const events: Array<{ event: AuditEvent; sequenceNumber: string }> = [];
  for (const record of records) {
    const event = auditEventOf(record);
    if (event) events.push({ event, sequenceNumber: record.dynamodb?.SequenceNumber ?? '' });
  }
  const oldest = Math.min(...records.map((r) => (r.dynamodb?.ApproximateCreationDateTime ?? now / 1000) * 1000));
  let published = 0;
  for (let start = 0; start < events.length; start += EVENTS_PER_REQUEST) {
    const chunk = events.slice(start, start + EVENTS_PER_REQUEST);
    let failed: number[];
    if ((options.timeLeft?.() ?? Infinity) < REQUEST_BUDGET_MS) {
      failed = chunk.map((_, i) => i); // Lambda would stop us mid-request: retry from here instead
    } else {
      try {
        ({ failed } = await sink.publish(chunk.map((c) => c.event)));
      } catch {
        failed = chunk.map((_, i) => i);
      }
    }
    if (failed.length > 0) {
      // Everything from the first undelivered event on is retried; what came before is done.
      const first = Math.min(...failed);
      return {
        response: { batchItemFailures: [{ itemIdentifier: chunk[first]!.sequenceNumber }] },
        published: published + first,
        failed: events.length - start - first,
        lagMs: now - oldest,
      };
    }
    published += chunk.length;
  }
  return { response: { batchItemFailures: [] }, published, failed: 0, lagMs: records.length > 0 ? now - oldest : 0 };
}
