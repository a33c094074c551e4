// A change in the table's stream, as the audit event it means. Only the attributes an event
// names are read from the images: the token and binding they also carry go nowhere.
import type { DynamoDBRecord } from 'aws-lambda';
import type { AuditEvent, AuditEventType } from './events.js';

type Image = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;

const text = (image: Image | undefined, name: string): string | undefined => image?.[name]?.S;
const number = (image: Image | undefined, name: string): number | undefined => {
  const value = image?.[name]?.N;
  return value === undefined ? undefined : Number(value);
};

/** The secret's own attributes start with a profile partition; anything else in the table is not a secret. */
const isSecret = (image: Image | undefined) => text(image, 'pk')?.startsWith('PROFILE#') === true && text(image, 'sk')?.startsWith('SECRET#') === true;

/**
 * A change's audit event type, or null for a change no one asked about (DynamoDB's TTL removing a
 * swept tombstone, the sweep of a secret an earlier change already expired). `secret.expired` marks the moment a secret became
 * unreadable, once: an expire or PATCH that sets expiresAt at or before its own updatedAt, or else
 * the sweep that destroys the ciphertext of a secret that expired with time.
 */
export function auditTypeOf(record: DynamoDBRecord): AuditEventType | null {
  const before = record.dynamodb?.OldImage;
  const after = record.dynamodb?.NewImage;
  switch (record.eventName) {
    case 'INSERT':
      return 'secret.created';
    case 'REMOVE':
      // TTL deletions are DynamoDB's own: a swept tombstone reaching the end of its retention.
      if (record.userIdentity?.type === 'Service') return null;
      // A deleted secret removed at the end of its window; without a deletion before, a forced delete.
      return text(before, 'deletedAt') !== undefined ? 'secret.purged' : 'secret.deleted';
    case 'MODIFY': {
      if (text(after, 'deletedAt') !== undefined && text(before, 'deletedAt') === undefined) return 'secret.deleted';
      if (text(after, 'deletedAt') === undefined && text(before, 'deletedAt') !== undefined) return 'secret.restored';
      if (text(after, 'sweptAt') !== undefined && text(before, 'sweptAt') === undefined) {
        const expiredByChange = (text(before, 'expiresAt') ?? '') <= (text(before, 'updatedAt') ?? '');
        return expiredByChange ? null : 'secret.expired';
      }
      if (number(after, 'revision') !== number(before, 'revision')) {
        const expiresAt = text(after, 'expiresAt');
        const becameExpired = expiresAt !== undefined && expiresAt <= (text(after, 'updatedAt') ?? '') && expiresAt !== text(before, 'expiresAt');
        return becameExpired ? 'secret.expired' : 'secret.edited';
      }
      if (text(after, 'token') !== text(before, 'token')) return 'secret.rotated';
      if (number(after, 'accessCount') !== number(before, 'accessCount') || text(after, 'lastAccessed') !== text(before, 'lastAccessed')) {
        return 'secret.accessed';
      }
      return null;
    }
    default:
      return null;
  }
}

/** When the change was made: Lambda gives epoch seconds; the AWS CLI, for a record replayed by hand, an ISO string. */
function timeOf(record: DynamoDBRecord): string {
  const created: unknown = record.dynamodb?.ApproximateCreationDateTime;
  const ms = typeof created === 'number' ? created * 1000 : typeof created === 'string' ? Date.parse(created) : Number.NaN;
  return new Date(Number.isFinite(ms) ? ms : Date.now()).toISOString();
}

/** The audit event of a stream record, or null when the change is not one. */
export function auditEventOf(record: DynamoDBRecord): AuditEvent | null {
  const image = record.eventName === 'REMOVE' ? record.dynamodb?.OldImage : record.dynamodb?.NewImage;
  if (!isSecret(image)) return null;
  const type = auditTypeOf(record);
  if (type === null) return null;
  return {
    type,
    detail: {
      idempotencyKey: record.eventID ?? '',
      time: timeOf(record),
      profileId: text(image, 'profileId') ?? '',
      name: text(image, 'name') ?? '',
      id: text(image, 'id') ?? '',
      revision: number(image, 'revision') ?? 0,
      valueVersion: number(image, 'valueVersion') ?? 1,
      ...(type === 'secret.accessed' && { readBy: text(image, 'lastReader') ?? text(image, 'profileId') ?? '' }),
    },
  };
}
