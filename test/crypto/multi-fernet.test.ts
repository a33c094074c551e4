// MultiFernet: rotation to the primary key, decryption under any key, and the ttl whichever key verifies.
import { describe, expect, it } from 'vitest';
import { Fernet, InvalidKeyError, MultiFernet } from '../../lib/crypto/fernet.js';
import { NOW, SPEC_KEY, SPEC_TIME, SPEC_TOKEN, craftToken, expectInvalid, rawTimestamp } from './support.js';

describe('MultiFernet', () => {
  const oldKey = Fernet.generateKey();
  const newKey = Fernet.generateKey();
  const oldFernet = new Fernet(oldKey);
  const newFernet = new Fernet(newKey);

  it('rotates a token to the primary key and keeps its timestamp', () => {
    const original = oldFernet.encrypt('rotate me', { now: SPEC_TIME });
    const rotated = new MultiFernet([newKey, oldKey]).rotate(original);
    expect(rotated).not.toBe(original);
    expect(newFernet.extractTimestamp(rotated)).toBe(oldFernet.extractTimestamp(original));
    expect(newFernet.decrypt(rotated).toString()).toBe('rotate me');
    expectInvalid(() => oldFernet.decrypt(rotated));
    expect(oldFernet.decrypt(original).toString()).toBe('rotate me');
  });

  it('rotates regardless of age, as Python does', () => {
    const ancient = new MultiFernet([newKey, SPEC_KEY]).rotate(SPEC_TOKEN);
    expect(newFernet.decrypt(ancient, { ttl: 1, now: SPEC_TIME }).toString()).toBe('hello');
  });

  it('keeps even timestamps beyond 2^53 exactly when rotating', () => {
    const huge = craftToken({ key: oldKey, timestamp: 2n ** 64n - 1n, plaintext: Buffer.from('far') });
    const rotated = new MultiFernet([newFernet, oldFernet]).rotate(huge);
    expect(rawTimestamp(rotated)).toEqual(Buffer.alloc(8, 0xff));
    expect(newFernet.decrypt(rotated).toString()).toBe('far');
  });

  it('re-encrypts a token already under the primary key with a new IV', () => {
    const multi = new MultiFernet([newKey, oldKey]);
    const token = newFernet.encrypt('same', { now: NOW });
    const rotated = multi.rotate(token);
    expect(rotated).not.toBe(token);
    expect(newFernet.extractTimestamp(rotated)).toBe(NOW);
  });

  it('refuses to rotate a token that no key verifies', () => {
    const multi = new MultiFernet([newKey, oldKey]);
    expectInvalid(() => multi.rotate(new Fernet(Fernet.generateKey()).encrypt('x')));
    expectInvalid(() => multi.rotate('garbage'));
  });

  it('decrypts with any of its keys and says which one', () => {
    const third = Fernet.generateKey();
    const multi = new MultiFernet([newKey, oldFernet, third]);
    for (const [index, key] of [newKey, oldKey, third].entries()) {
      const token = new Fernet(key).encrypt(`under ${index}`);
      expect(multi.decrypt(token).toString()).toBe(`under ${index}`);
      expect(multi.decryptWithKeyIndex(token)).toEqual({ plaintext: Buffer.from(`under ${index}`), keyIndex: index });
      expect(multi.isPrimary(token)).toBe(index === 0);
      expect(multi.extractTimestamp(token)).toBe(new Fernet(key).extractTimestamp(token));
    }
  });

  it('encrypts with the first key only', () => {
    const token = new MultiFernet([newKey, oldKey]).encrypt('primary', { now: NOW });
    expect(newFernet.decrypt(token).toString()).toBe('primary');
    expectInvalid(() => oldFernet.decrypt(token));
  });

  it('applies the ttl whichever key verifies the token', () => {
    const multi = new MultiFernet([newKey, oldKey]);
    const token = oldFernet.encrypt('aged', { now: NOW });
    expect(multi.decrypt(token, { ttl: 60, now: NOW + 60 }).toString()).toBe('aged');
    expectInvalid(() => multi.decrypt(token, { ttl: 60, now: NOW + 61 }));
  });

  it('rejects what none of its keys verifies', () => {
    const multi = new MultiFernet([newKey, oldKey]);
    const stranger = new Fernet(Fernet.generateKey()).encrypt('x');
    expectInvalid(() => multi.decrypt(stranger));
    expectInvalid(() => multi.extractTimestamp(stranger));
    expect(multi.isPrimary(stranger)).toBe(false);
    expect(multi.isPrimary('not a token')).toBe(false);
  });

  it('needs at least one key', () => {
    expect(() => new MultiFernet([])).toThrow(InvalidKeyError);
    expect(() => new MultiFernet(undefined as unknown as string[])).toThrow(TypeError);
    expect(() => new MultiFernet(['not a key'])).toThrow(InvalidKeyError);
  });
});
