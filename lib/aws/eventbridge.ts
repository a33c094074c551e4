// Audit events on EventBridge: one PutEvents per batch of up to ten.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AuditSink } from '../audit/events.js';
import { awsJsonRpc } from './json-rpc.js';

const SOURCE = 'secret-store';

interface PutEventsOutput {
  FailedEntryCount?: number;
  Entries?: { EventId?: string; ErrorCode?: string }[];
}

export function eventBridgeSink(base: DynamoDBClient, options: { busName: string; endpoint?: string }): AuditSink {
  const putEvents = awsJsonRpc(base, { signingName: 'events', targetPrefix: 'AWSEvents', jsonVersion: '1.1', endpoint: options.endpoint });
  return {
    async publish(events) {
      const output = await putEvents<PutEventsOutput>('PutEvents', {
        Entries: events.map(({ type, detail }) => ({
          EventBusName: options.busName,
          Source: SOURCE,
          DetailType: type,
          Time: Date.parse(detail.time) / 1000,
          Detail: JSON.stringify(detail),
        })),
      });
      // An entry that failed has an ErrorCode and no EventId.
      const failed = (output.Entries ?? []).flatMap((entry, i) => (entry.ErrorCode || !entry.EventId ? [i] : []));
      return { failed: output.FailedEntryCount ? failed : [] };
    },
  };
}
