// The EventBridge sink of the stream publisher: one signed PutEvents per batch of up to ten
// events, each naming the secret and carrying its idempotency key, and the entries EventBridge
// refused reported back by position.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent, AuditSink } from '../../lib/audit/events.js';
import { eventBridgeSink } from '../../lib/aws/eventbridge.js';
import { startFakeAws, verifySignature, type FakeAws } from '../support/fake-aws.js';

const credentials = { accessKeyId: 'unit', secretAccessKey: 'unit-secret' };
let eventBridge: FakeAws;
let sink: AuditSink;

beforeAll(async () => {
  eventBridge = await startFakeAws();
  sink = eventBridgeSink(new DynamoDBClient({ region: 'us-east-1', credentials }), { busName: 'audit-bus', endpoint: eventBridge.url });
});
afterAll(async () => {
  await eventBridge.close();
});
beforeEach(() => {
  eventBridge.received.length = 0;
});

const event = (n: number): AuditEvent => ({
  type: 'secret.accessed',
  detail: { idempotencyKey: `record-${n}`, time: '2026-12-01T00:00:00.000Z', profileId: 'alice', name: `key${n}`, id: '01JD8Z7Q2M5K3V9X4T6B8N0C1R', revision: 3, valueVersion: 1 },
});

describe('the EventBridge sink', () => {
  it('sends the batch in one signed PutEvents, each entry with its detail and time', async () => {
    eventBridge.reply({ body: { FailedEntryCount: 0, Entries: [{ EventId: '1' }, { EventId: '2' }] } });
    expect(await sink.publish([event(1), event(2)])).toEqual({ failed: [] });
    const [request] = eventBridge.received;
    expect(eventBridge.received).toHaveLength(1);
    expect(request!.operation).toBe('PutEvents');
    expect(await verifySignature(request!, credentials)).toMatchObject({ service: 'events' });
    const { Entries } = JSON.parse(request!.body) as { Entries: { Detail: string }[] };
    expect(Entries).toHaveLength(2);
    expect(Entries[0]).toMatchObject({ EventBusName: 'audit-bus', Source: 'secret-store', DetailType: 'secret.accessed', Time: 1_796_083_200 });
    expect(JSON.parse(Entries[1]!.Detail)).toEqual(event(2).detail);
  });

  it('reports the entries EventBridge refused, by position', async () => {
    eventBridge.reply({ body: { FailedEntryCount: 1, Entries: [{ EventId: '1' }, { ErrorCode: 'InternalFailure' }, { EventId: '3' }] } });
    expect(await sink.publish([event(1), event(2), event(3)])).toEqual({ failed: [1] });
  });

  it('throws when EventBridge cannot be reached after its retries', async () => {
    eventBridge.reply({ status: 500, body: { __type: 'InternalException' } });
    await expect(sink.publish([event(1)])).rejects.toMatchObject({ name: 'InternalException' });
    expect(eventBridge.calls()).toBe(1);
  });
});
