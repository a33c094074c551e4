// Audit events: published to EventBridge with profile, name, id and revision, never a
// value; a failed publish is logged and never fails the caller.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { eventBridgeAuditEvents } from '../../lib/aws/eventbridge.js';
import type { AuditEvents } from '../../lib/secrets/events.js';
import { startFakeAws, verifySignature, type FakeAws } from '../support/fake-aws.js';

const credentials = { accessKeyId: 'unit', secretAccessKey: 'unit-secret' };
let eventBridge: FakeAws;
let auditEvents: AuditEvents;

beforeAll(async () => {
  eventBridge = await startFakeAws();
  const base = new DynamoDBClient({ region: 'us-east-1', credentials });
  const logger = new Logger({ logLevel: 'CRITICAL' });
  auditEvents = eventBridgeAuditEvents(base, { busName: 'audit-bus', endpoint: eventBridge.url, logger });
});
afterAll(async () => {
  await eventBridge.close();
});
beforeEach(() => {
  eventBridge.received.length = 0;
});

const item = { profileId: 'alice', name: 'apiKey', id: '01JD8Z7Q2M5K3V9X4T6B8N0C1R', revision: 3, token: 'gAAAA-secret-token' };

describe('audit events', () => {
  it('publish the secret reference to the configured bus, never the value or token', async () => {
    eventBridge.reply({ body: { FailedEntryCount: 0, Entries: [{ EventId: '1' }] } });
    await auditEvents.publish('secret.accessed', item);
    const [request] = eventBridge.received;
    expect(request!.operation).toBe('PutEvents');
    expect(await verifySignature(request!, credentials)).toMatchObject({ service: 'events' });
    const [entry] = (JSON.parse(request!.body) as { Entries: { Detail: string }[] }).Entries;
    expect(entry).toMatchObject({ EventBusName: 'audit-bus', Source: 'secret-store', DetailType: 'secret.accessed' });
    expect(JSON.parse(entry!.Detail)).toEqual({ profileId: 'alice', name: 'apiKey', id: item.id, revision: 3 });
    expect(request!.body).not.toContain(item.token);
  });

  it("swallow a failed publish: the caller's operation stands", async () => {
    eventBridge.reply({ status: 500, body: { __type: 'InternalException' } });
    await expect(auditEvents.publish('secret.created', item)).resolves.toBeUndefined();
    // One retry, no more: audit must not hold up the caller.
    expect(eventBridge.calls()).toBe(1);
    expect(eventBridge.received.map((r) => r.headers['amz-sdk-request'])).toEqual(['attempt=1; max=2', 'attempt=2; max=2']);
  });

  it('swallow a rejected entry too', async () => {
    eventBridge.reply({ body: { FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] } });
    await expect(auditEvents.publish('secret.created', item)).resolves.toBeUndefined();
  });
});
