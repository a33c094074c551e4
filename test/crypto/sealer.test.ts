// Row binding: pinned values sealed by the Buffer-key implementation must still open, and new
// bindings must equal that construction byte for byte, so stored rows survive the KeyObject change.
import { createHmac, hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sealer, UnsealError, type SealContext } from '../../lib/crypto/sealer.js';
import { TEST_KEYS } from '../support/store.js';

const [primaryKey, oldKey] = TEST_KEYS as [string, string];

// Sealed before the change (binding = HMAC under a raw Buffer key).
const PINNED = {
  primary: {
    context: { profileId: 'alice', name: 'db/password' },
    plaintext: 'sk_live_42',
    sealed: {
      token: 'gAAAAABrCewqeIqXmjM0b1tVRnpu_6EesGsy36GzqsjpvLDoCif3536FyGlY9sF-IL3VdG0zSRg8gSdAw25ofItEUav7FWY1Vw==',
      binding: 'l_dpv_x5VlEMNkFMm1cf9sTXYk7-LUWd1AOyUe5z0eA',
    },
  },
  old: {
    context: { profileId: 'bøb', name: 'ключ' },
    plaintext: 'ünïcødé ✓',
    sealed: {
      token: 'gAAAAABrCewqvgkavNe1I0VQCyxsi1a0gpcuPYoaZx41bDfHFUzp5naLY0fA8vuJyUr5d1NYj6V6OnP2o6EepniAAJ675D7Btw==',
      binding: 'fa1iIK6U_mTuxeQ6uHzdcSiI6VvqF_VOCFSHKzjWr1E',
    },
  },
};

/** The binding as first specified: HMAC-SHA256 over length-prefixed UTF-8 parts, raw Buffer key. */
function referenceBinding(fernetKey: string, context: SealContext, token: string): string {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(fernetKey, 'base64url'), 'secret-store', 'binding/v1', 32));
  const mac = createHmac('sha256', key);
  for (const part of [context.profileId, context.name, token]) {
    const bytes = Buffer.from(part, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    mac.update(length).update(bytes);
  }
  return mac.digest('base64url');
}

const unsealError = (run: () => unknown) => expect(run).toThrow(UnsealError);

describe('Sealer', () => {
  it('opens values sealed before the KeyObject change, under the primary and an older key', () => {
    const { primary, old } = PINNED;
    expect(new Sealer([primaryKey]).open(primary.context, primary.sealed)).toBe(primary.plaintext);
    const rotating = new Sealer([primaryKey, oldKey]);
    expect(rotating.open(primary.context, primary.sealed)).toBe(primary.plaintext);
    expect(rotating.open(old.context, old.sealed)).toBe(old.plaintext);
  });

  it('binds exactly as the reference construction, for any profile, name and value', () => {
    const sealer = new Sealer([primaryKey, oldKey]);
    // Any code point plus lone surrogates: Buffer.write and Buffer.from must encode them alike.
    const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
    const text = fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), surrogate), maxLength: 40 });
    fc.assert(
      fc.property(text, text, text, (profileId, name, value) => {
        const context = { profileId, name };
        const sealed = sealer.seal(context, value);
        expect(sealed.binding).toBe(referenceBinding(primaryKey, context, sealed.token));
        expect(sealer.open(context, sealed)).toBe(Buffer.from(value, 'utf8').toString('utf8'));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a value moved to another row, or a binding that is altered, cut or under an unknown key', () => {
    const { primary, old } = PINNED;
    const sealer = new Sealer([primaryKey]);
    unsealError(() => sealer.open({ ...primary.context, name: 'db/passwor' }, primary.sealed));
    unsealError(() => sealer.open({ profileId: 'alic', name: 'edb/password' }, primary.sealed));
    unsealError(() => sealer.open(primary.context, { ...primary.sealed, binding: primary.sealed.binding.slice(0, -2) }));
    unsealError(() => sealer.open(primary.context, { ...primary.sealed, binding: `A${primary.sealed.binding.slice(1)}` }));
    unsealError(() => sealer.open(primary.context, { ...primary.sealed, binding: '' }));
    unsealError(() => sealer.open(old.context, old.sealed)); // old key no longer configured
    unsealError(() => sealer.open(primary.context, { ...primary.sealed, token: old.sealed.token }));
  });

  it('rotates a value sealed under an older key to the primary, with a binding that follows', () => {
    const { old } = PINNED;
    const sealer = new Sealer([primaryKey, oldKey]);
    expect(sealer.keyOf(old.sealed.token)).toBe(1);
    const rotated = sealer.rotate(old.context, old.sealed);
    expect(sealer.keyOf(rotated.token)).toBe(0);
    expect(rotated.binding).toBe(referenceBinding(primaryKey, old.context, rotated.token));
    expect(new Sealer([primaryKey]).open(old.context, rotated)).toBe(old.plaintext);
  });
});
