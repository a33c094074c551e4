// Audit events go to EventBridge when EVENT_BUS_NAME is set (and not under serverless-offline),
// otherwise to the log as structured lines.
// A failed publish is logged and never fails or undoes the caller's operation.
import { awsJsonRpc } from '../aws/json-rpc.js';
import { auditDetail, type AuditEvents } from '../secrets/events.js';
import { config, dynamoClient, logger } from './clients.js';

const SOURCE = 'secret-store';

function eventBridgeEvents(busName: string): AuditEvents {
  // Audit must not hold up the caller: few retries, short timeouts.
  const putEvents = awsJsonRpc(dynamoClient, {
    signingName: 'events',
    targetPrefix: 'AWSEvents',
    jsonVersion: '1.1',
    endpoint: config.AWS_ENDPOINT_URL_EVENTBRIDGE,
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

const logEvents: AuditEvents = {
  async publish(type, item) {
    logger.info('audit event', { event: type, ...auditDetail(item) });
  },
};

export const auditEvents: AuditEvents =
  config.EVENT_BUS_NAME && config.IS_OFFLINE !== 'true' ? eventBridgeEvents(config.EVENT_BUS_NAME) : logEvents;
