// List cursors: opaque to callers, bound by a MAC to the profile and the query that made
// them, so a tampered cursor or one replayed by another profile is refused (400).
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { ValidationError } from '../domain/errors.js';

const MAC_BYTES = 16;

export interface CursorScope {
  profileId: string;
  /** Filters of the list call; a cursor only continues the same query. */
  query: string;
}

export function encodeCursor(key: KeyObject, scope: CursorScope, after: string): string {
  // Stryker disable next-line StringLiteral: equivalent; an empty encoding name means UTF-8, Node's default
  const payload = Buffer.from(after, 'utf8').toString('base64url');
  return `${payload}.${sign(key, scope, payload).toString('base64url')}`;
}

/**
 * The name the cursor continues after; ValidationError unless this scope issued it under one of
 * `keys` (every listed key, so a cursor outlives a change of primary key).
 */
export function decodeCursor(keys: readonly KeyObject[], scope: CursorScope, cursor: string): string {
  const [payload, mac, extra] = cursor.split('.');
  // Only the encoding this module writes: no padding, no spare bits, nothing else decodes to the same.
  const canonical = (part: string) => Buffer.from(part, 'base64url').toString('base64url') === part;
  if (payload && mac && extra === undefined && canonical(payload) && canonical(mac)) {
    const presented = Buffer.from(mac, 'base64url');
    for (const key of keys) {
      const expected = sign(key, scope, payload);
      if (presented.length === expected.length && timingSafeEqual(presented, expected)) {
        return Buffer.from(payload, 'base64url').toString('utf8');
      }
    }
  }
  throw new ValidationError([{ path: 'cursor', message: 'is not a cursor this list issued' }]);
}

function sign(key: KeyObject, scope: CursorScope, payload: string): Buffer {
  return createHmac('sha256', key)
    .update(JSON.stringify([scope.profileId, scope.query, payload]))
    .digest()
    .subarray(0, MAC_BYTES);
}
