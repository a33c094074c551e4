// Audit events mirroring the original's signals. They name the secret, never its value.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SecretItem } from '../domain/secret.js';

export type AuditEventType =
  | 'secret.created'
  | 'secret.edited'
  | 'secret.accessed'
  | 'secret.expired'
  | 'secret.deleted'
  | 'secret.rotated';

type AuditedItem = Pick<SecretItem, 'profileId' | 'name' | 'id' | 'revision'>;

export interface AuditEventDetail {
  profileId: string;
  name: string;
  id: string;
  revision: number;
}

export interface AuditEvents {
  /** Never throws: a failed publish is logged and the caller's operation stands. */
  publish(type: AuditEventType, item: AuditedItem): Promise<void>;
}

export const auditDetail = (item: AuditedItem): AuditEventDetail => ({
  profileId: item.profileId,
  name: item.name,
  id: item.id,
  revision: item.revision,
});

/** Audit events as structured log lines, where no event bus is configured (and under npm start). */
export const logAuditEvents = (logger: Pick<Logger, 'info'>): AuditEvents => ({
  async publish(type, item) {
    logger.info('audit event', { event: type, ...auditDetail(item) });
  },
});
