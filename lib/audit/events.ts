// Audit events, mirroring the original's signals. They name the secret, never its value.
import type { Logger } from '@aws-lambda-powertools/logger';
export type AuditEventType =
  | 'secret.created'
  | 'secret.edited'
  | 'secret.accessed'
  | 'secret.expired'
  | 'secret.deleted'
  | 'secret.restored'
  | 'secret.purged'
  | 'secret.rotated';

export interface AuditEventDetail {
  /** The stream record's eventID: the same on every delivery of this event, for consumers to dedupe. */
  idempotencyKey: string;
  /** When the change was made (the stream record's approximate creation time, ISO 8601). */
  time: string;
  profileId: string;
  name: string;
  id: string;
  revision: number;
  /** The version of the value it holds then (1 for secrets from before versions). */
  valueVersion: number;
  /** secret.accessed: the profile that read it (its owner, or a member of the account it is shared with). */
  readBy?: string;
}

export interface AuditEvent {
  type: AuditEventType;
  detail: AuditEventDetail;
}

/** Where events go: EventBridge in AWS, the log elsewhere. `failed` lists the positions not delivered. */
export interface AuditSink {
  publish(events: AuditEvent[]): Promise<{ failed: number[] }>;
}

/** Events as structured log lines, where no event bus is configured (and under npm start). */
export const logAuditSink = (logger: Pick<Logger, 'info'>): AuditSink => ({
  async publish(events) {
    for (const { type, detail } of events) logger.info('audit event', { event: type, ...detail });
    return { failed: [] };
  },
});
