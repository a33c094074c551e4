// Audit events: published to EventBridge with profile, name, id and revision, never a
// value; a failed publish is logged and never fails the caller.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvents } from '../../lib/secrets/events.js';

const eventBridge = mockClient(EventBridgeClient);
let auditEvents: AuditEvents;

beforeAll(async () => {
  Object.assign(process.env, {
    TABLE_NAME: 'secrets',
    FERNET_KEYS: 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=',
    EVENT_BUS_NAME: 'audit-bus',
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'CRITICAL',
  });
  ({ auditEvents } = await import('../../lib/runtime/audit.js'));
});
afterEach(() => eventBridge.reset());

const item = { profileId: 'alice', name: 'apiKey', id: '01JD8Z7Q2M5K3V9X4T6B8N0C1R', revision: 3, token: 'gAAAA-secret-token' };

describe('audit events', () => {
  it('publish the secret reference to the configured bus, never the value or token', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    await auditEvents.publish('secret.accessed', item);
    const [entry] = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries!;
    expect(entry).toMatchObject({ EventBusName: 'audit-bus', Source: 'secret-store', DetailType: 'secret.accessed' });
    expect(JSON.parse(entry!.Detail!)).toEqual({ profileId: 'alice', name: 'apiKey', id: item.id, revision: 3 });
  });

  it('swallow a failed publish: the caller\'s operation stands', async () => {
    eventBridge.on(PutEventsCommand).rejects(new Error('network down'));
    await expect(auditEvents.publish('secret.created', item)).resolves.toBeUndefined();
  });
});
