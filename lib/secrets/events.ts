// Audit events mirroring the original's signals. They name the secret, never its value.
import type { SecretItem } from '../store/secret-item.js';

export type AuditEventType =
  | 'secret.created'
  | 'secret.edited'
  | 'secret.accessed'
  | 'secret.expired'
  | 'secret.deleted'
  | 'secret.rotated';

export interface AuditEventDetail {
  profileId: string;
  name: string;
  id: string;
  revision: number;
}

export interface AuditEvents {
  /** Never throws: a failed publish is logged and the caller's operation stands. */
  publish(type: AuditEventType, item: Pick<SecretItem, 'profileId' | 'name' | 'id' | 'revision'>): Promise<void>;
}

export const auditDetail = (item: Pick<SecretItem, 'profileId' | 'name' | 'id' | 'revision'>): AuditEventDetail => ({
  profileId: item.profileId,
  name: item.name,
  id: item.id,
  revision: item.revision,
});
