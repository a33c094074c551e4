// Audit events from the table's stream: which change is which event, secret.expired exactly once
// however a secret expires, nothing from the images but the names, and a batch published ten
// events a request, resuming from the first event that was not delivered.
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../lib/audit/events.js';
import { auditEventOf } from '../../lib/audit/from-stream.js';
import { publishRecords } from '../../lib/audit/publisher.js';

type Item = Record<string, string | number>;
const T = '2026-12-01T00:00:00.000Z';
const LATER = '2026-12-01T01:00:00.000Z';

const wire = (item: Item | undefined) =>
  item && Object.fromEntries(Object.entries(item).map(([k, v]) => [k, typeof v === 'number' ? { N: String(v) } : { S: v }]));
const secret = (attributes: Item = {}): Item => ({
  pk: 'PROFILE#alice', sk: 'SECRET#apiKey', profileId: 'alice', name: 'apiKey', id: '01JD8Z7Q2M5K3V9X4T6B8N0C1R',
  revision: 1, createdAt: T, updatedAt: T, token: 'gAAAAA-ciphertext', binding: 'binding-mac', ...attributes,
});
let sequence = 0;
const record = (eventName: 'INSERT' | 'MODIFY' | 'REMOVE', before?: Item, after?: Item, extra: Partial<DynamoDBRecord> = {}): DynamoDBRecord => ({
  eventID: `event-${(sequence += 1)}`,
  eventName,
  dynamodb: { ApproximateCreationDateTime: Date.parse(T) / 1000, SequenceNumber: String(sequence), OldImage: wire(before), NewImage: wire(after) } as never,
  ...extra,
});
const typeOf = (r: DynamoDBRecord) => auditEventOf(r)?.type ?? null;
/** What the sweep leaves of an item: its ciphertext and index entry gone, sweptAt set. */
const sweptFrom = (item: Item): Item =>
  Object.fromEntries(Object.entries({ ...item, sweptAt: LATER }).filter(([k]) => !['token', 'binding', 'expiryShard', 'expiryDue'].includes(k)));

describe('a stream record as an audit event', () => {
  it('names the kind of change', () => {
    const s = secret();
    expect(typeOf(record('INSERT', undefined, s))).toBe('secret.created');
    expect(typeOf(record('MODIFY', s, { ...s, revision: 2, description: 'new' }))).toBe('secret.edited');
    expect(typeOf(record('MODIFY', s, { ...s, lastAccessed: LATER }))).toBe('secret.accessed');
    expect(typeOf(record('MODIFY', s, { ...s, token: 'gAAAAA-rotated', binding: 'b2' }))).toBe('secret.rotated');
    expect(typeOf(record('REMOVE', s))).toBe('secret.deleted');
  });

  it('carries the record id as the idempotency key, the change time, and nothing of the value', () => {
    const r = record('INSERT', undefined, secret());
    const event = auditEventOf(r);
    expect(event).toEqual({
      type: 'secret.created',
      detail: { idempotencyKey: r.eventID, time: T, profileId: 'alice', name: 'apiKey', id: '01JD8Z7Q2M5K3V9X4T6B8N0C1R', revision: 1, valueVersion: 1 },
    });
    expect(JSON.stringify(event)).not.toMatch(/ciphertext|binding-mac/);
  });

  it('publishes secret.expired once when expire ends a secret now, not again when the sweep destroys it', () => {
    const live = secret();
    const expired = { ...live, revision: 2, updatedAt: LATER, expiresAt: LATER, expiryShard: 'EXPIRY#3', expiryDue: LATER };
    expect(typeOf(record('MODIFY', live, expired))).toBe('secret.expired');
    expect(typeOf(record('MODIFY', expired, sweptFrom(expired)))).toBeNull();
  });

  it('publishes secret.expired once when time ends a secret: the sweep, after an edit that set a future expiry', () => {
    const live = secret();
    const scheduled = { ...live, revision: 2, updatedAt: T, expiresAt: LATER };
    expect(typeOf(record('MODIFY', live, scheduled))).toBe('secret.edited');
    expect(typeOf(record('MODIFY', scheduled, sweptFrom(scheduled)))).toBe('secret.expired');
  });

  it('ignores DynamoDB removing a swept tombstone at the end of its retention, and items that are not secrets', () => {
    const tombstone = secret({ sweptAt: T, purgeAt: 1 });
    expect(typeOf(record('REMOVE', tombstone, undefined, { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } }))).toBeNull();
    expect(typeOf(record('INSERT', undefined, { pk: 'CONFIG#x', sk: 'CONFIG#x' }))).toBeNull();
  });
});

describe('publishing a batch', () => {
  const inserts = (n: number) => Array.from({ length: n }, (_, i) => record('INSERT', undefined, secret({ name: `key${i}`, sk: `SECRET#key${i}` })));
  const recordingSink = (fail: (batch: AuditEvent[], call: number) => number[] | 'throw' = () => []) => {
    const batches: AuditEvent[][] = [];
    return {
      batches,
      sink: {
        async publish(events: AuditEvent[]) {
          batches.push(events);
          const failed = fail(events, batches.length);
          if (failed === 'throw') throw new Error('unreachable');
          return { failed };
        },
      },
    };
  };

  it('sends ten events a request, in stream order, and reports nothing to retry', async () => {
    const records = inserts(23);
    const { batches, sink } = recordingSink();
    const report = await publishRecords(records, sink, { now: Date.parse(T) + 2_000 });
    expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
    expect(batches.flat().map((e) => e.detail.idempotencyKey)).toEqual(records.map((r) => r.eventID));
    expect(report).toEqual({ response: { batchItemFailures: [] }, published: 23, failed: 0, lagMs: 2_000 });
  });

  it('resumes from the first event a request did not deliver; what came before is done', async () => {
    const records = inserts(23);
    const { sink } = recordingSink((_, call) => (call === 2 ? [4, 7] : []));
    const report = await publishRecords(records, sink);
    expect(report.response).toEqual({ batchItemFailures: [{ itemIdentifier: records[14]!.dynamodb!.SequenceNumber }] });
    expect(report).toMatchObject({ published: 14, failed: 9 });
  });

  it('resumes from the start of a request that failed outright', async () => {
    const records = inserts(12);
    const { sink } = recordingSink((_, call) => (call === 2 ? 'throw' : []));
    const report = await publishRecords(records, sink);
    expect(report.response.batchItemFailures).toEqual([{ itemIdentifier: records[10]!.dynamodb!.SequenceNumber }]);
  });

  it('hands the rest of the batch back rather than start a request Lambda could cut short', async () => {
    const records = inserts(25);
    const { batches, sink } = recordingSink();
    let left = 60_000;
    const report = await publishRecords(records, sink, { timeLeft: () => (left -= 25_000) });
    expect(batches.map((b) => b.length)).toEqual([10]);
    expect(report.response.batchItemFailures).toEqual([{ itemIdentifier: records[10]!.dynamodb!.SequenceNumber }]);
  });

  it('reads the change time Lambda gives (epoch seconds) and the one the AWS CLI prints (ISO)', () => {
    const byCli = record('INSERT', undefined, secret());
    (byCli.dynamodb as { ApproximateCreationDateTime: unknown }).ApproximateCreationDateTime = LATER;
    expect(auditEventOf(byCli)?.detail.time).toBe(LATER);
  });

  it('skips records that are no audit event, and sends nothing for a batch of them', async () => {
    const s = secret();
    const { batches, sink } = recordingSink();
    const report = await publishRecords([record('MODIFY', s, { ...s })], sink);
    expect(batches).toEqual([]);
    expect(report.response.batchItemFailures).toEqual([]);
  });
});
