// List cursors: pinned values issued before the cursor key became a KeyObject still decode,
// new cursors are byte for byte the same, and a cursor only continues its own profile and query.
import { createHmac, hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sealer } from '../../lib/crypto/sealer.js';
import { ValidationError } from '../../lib/domain/errors.js';
import { decodeCursor, encodeCursor, type CursorScope } from '../../lib/secrets/cursor.js';
import { TEST_KEYS } from '../support/store.js';

const [primaryKey, otherKey] = TEST_KEYS as [string, string];
const key = new Sealer([primaryKey, otherKey]).cursorKey; // the primary's cursor key
const keys = [key];

// Issued before the change (HMAC under a raw Buffer key).
const PINNED: Array<{ scope: CursorScope; after: string; cursor: string }> = [
  { scope: { profileId: 'alice', query: 'tag=prod' }, after: 'db/password', cursor: 'ZGIvcGFzc3dvcmQ.QCrEyoG7LoX9S04wyRlGaw' },
  { scope: { profileId: 'bøb', query: '' }, after: 'ключ/✓', cursor: '0LrQu9GO0Ycv4pyT.GYhlStfaHWoE4a7lmPn3_w' },
];

/** The cursor as first specified: payload.HMAC-SHA256(JSON [profile, query, payload]) cut to 16 bytes, raw Buffer key. */
function referenceCursor(scope: CursorScope, after: string): string {
  const raw = Buffer.from(hkdfSync('sha256', Buffer.from(primaryKey, 'base64url'), 'secret-store', 'cursor/v1', 32));
  const payload = Buffer.from(after, 'utf8').toString('base64url');
  const mac = createHmac('sha256', raw).update(JSON.stringify([scope.profileId, scope.query, payload])).digest();
  return `${payload}.${mac.subarray(0, 16).toString('base64url')}`;
}

const refused = (scope: CursorScope, cursor: string) => expect(() => decodeCursor(keys, scope, cursor)).toThrow(ValidationError);

describe('list cursors', () => {
  it.each(PINNED)('decode and re-encode the pinned cursor after $after', ({ scope, after, cursor }) => {
    expect(decodeCursor(keys, scope, cursor)).toBe(after);
    expect(encodeCursor(key, scope, after)).toBe(cursor);
  });

  it('encode exactly as the reference construction and round-trip', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), fc.string({ minLength: 1, maxLength: 60 }), (profileId, query, after) => {
        const scope = { profileId, query };
        const cursor = encodeCursor(key, scope, after);
        expect(cursor).toBe(referenceCursor(scope, after));
        expect(decodeCursor(keys, scope, cursor)).toBe(after);
      }),
      { numRuns: 200 },
    );
  });

  it('refuse another profile, another query, another key, and a tampered or malformed cursor', () => {
    const [{ scope, cursor }] = PINNED as [(typeof PINNED)[number]];
    const [payload, mac] = cursor.split('.') as [string, string];
    refused({ ...scope, profileId: 'mallory' }, cursor);
    refused({ ...scope, query: 'tag=dev' }, cursor);
    expect(() => decodeCursor([new Sealer([otherKey]).cursorKey], scope, cursor)).toThrow(ValidationError);
    refused(scope, `${Buffer.from('zzz').toString('base64url')}.${mac}`);
    refused(scope, `${payload}.${mac.slice(0, -1)}`);
    refused(scope, `${payload}.${mac}.x`);
    refused(scope, payload);
    refused(scope, `.${mac}`);
  });

  it('accept only the canonical encoding: no padding, no changed spare bits, no stray characters', () => {
    const [{ scope, cursor }] = PINNED as [(typeof PINNED)[number]];
    const [payload, mac] = cursor.split('.') as [string, string];
    const lastBitsChanged = (text: string) => text.slice(0, -1) + String.fromCharCode(text.charCodeAt(text.length - 1) + 1);
    // Each of these decodes to the same bytes as the original in a lenient decoder.
    for (const variant of [`${cursor}==`, `${payload}.${mac}=`, `${payload}.${lastBitsChanged(mac)}`, `${payload}!.${mac}`, `${payload}.${mac} `]) {
      expect(Buffer.from(variant.split('.')[1]!, 'base64url').equals(Buffer.from(mac, 'base64url')) || variant.includes('!')).toBe(true);
      refused(scope, variant);
    }
    expect(decodeCursor(keys, scope, cursor)).toBe(PINNED[0]!.after);
  });

  it('refuses a cursor whose MAC is cut short or too long (no crash on unequal lengths), saying what it is not', () => {
    const { scope, cursor } = PINNED[0]!;
    const [payload, mac] = cursor.split('.') as [string, string];
    for (const variant of [`${payload}.${mac.slice(0, 20)}`, `${payload}.${mac}AAAA`]) {
      let error: unknown;
      try {
        decodeCursor(keys, scope, variant);
      } catch (e) {
        error = e;
      }
      expect(error, variant).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors).toEqual([{ path: 'cursor', message: 'is not a cursor this list issued' }]);
    }
  });
});
