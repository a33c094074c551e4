// Audit events on EventBridge: one PutEvents per event. A failed publish is logged and never
// fails or undoes the caller's operation.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import { auditDetail, type AuditEvents } from '../secrets/events.js';
import { awsJsonRpc } from './json-rpc.js';

const SOURCE = 'secret-store';

export function eventBridgeAuditEvents(base: DynamoDBClient, options: { busName: string; endpoint?: string; logger: Logger }): AuditEvents {
  const { busName, logger } = options;
  // Audit must not hold up the caller: few retries, short timeouts.
  const putEvents = awsJsonRpc(base, {
    signingName: 'events',
    targetPrefix: 'AWSEvents',
    jsonVersion: '1.1',
    endpoint: options.endpoint,
    maxAttempts: 2,
    timeoutMs: 1_000,
  });
  return {
    async publish(type, item) {
      try {
        const result = await putEvents<{ FailedEntryCount?: number; Entries?: { ErrorCode?: string }[] }>('PutEvents', {
          Entries: [{ EventBusName: busName, Source: SOURCE, DetailType: type, Detail: JSON.stringify(auditDetail(item)) }],
        });
        if (result.FailedEntryCount) logger.warn('audit event not published', { type, code: result.Entries?.[0]?.ErrorCode });
      } catch (error) {
        logger.warn('audit event not published', { type, error: (error as Error).name });
      }
    },
  };
}
