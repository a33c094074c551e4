// Fernet's refusals: every malformed, tampered, expired or mistyped token is an InvalidToken (or TypeError).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Fernet, InvalidKeyError, InvalidToken } from '../../lib/crypto/fernet.js';
import { NOW, craftToken, expectInvalid, timestampBytes, urlsafeB64, verdictOf } from './support.js';

describe('rejected tokens', () => {
  const key = Fernet.generateKey();
  const fernet = new Fernet(key);
  const token = fernet.encrypt('a secret value', { now: NOW });
  const tokenBytes = Buffer.from(token, 'base64url');
  const withByteFlipped = (index: number) => {
    const bytes = Buffer.from(tokenBytes);
    bytes[index < 0 ? bytes.length + index : index]! ^= 0x01;
    return urlsafeB64(bytes);
  };

  it('rejects a wrong version byte, even with a valid HMAC', () => {
    expect(fernet.decrypt(craftToken({ key, plaintext: Buffer.from('x') })).toString()).toBe('x');
    for (const version of [0x00, 0x7f, 0x81, 0xff]) {
      expectInvalid(() => fernet.decrypt(craftToken({ key, version, plaintext: Buffer.from('x') })));
    }
  });

  it('rejects tokens too short to hold header, one block and HMAC', () => {
    expectInvalid(() => fernet.decrypt(urlsafeB64(Buffer.of(0x80))));
    expectInvalid(() => fernet.decrypt(urlsafeB64(Buffer.concat([Buffer.of(0x80), timestampBytes(NOW)]))));
    expectInvalid(() => fernet.decrypt(urlsafeB64(tokenBytes.subarray(0, 72))));
    // Valid HMAC, but no ciphertext at all.
    expectInvalid(() => fernet.decrypt(craftToken({ key, ciphertext: Buffer.alloc(0) })));
  });

  it('rejects bad base64 characters that leave no valid token', () => {
    expectInvalid(() => fernet.decrypt('%%%%%%%%%%%%'));
    expectInvalid(() => fernet.decrypt('!'.repeat(token.length)));
    expectInvalid(() => fernet.decrypt(token.replace(/[A-Za-z]/g, '*')));
  });

  it('rejects bad base64 padding', () => {
    expect(token.endsWith('==')).toBe(true);
    expectInvalid(() => fernet.decrypt(token.slice(0, -2)));
    expectInvalid(() => fernet.decrypt(token.slice(0, -1)));
    expectInvalid(() => fernet.decrypt(`${token.slice(0, -2)}A==`));
  });

  it('rejects an HMAC mismatch: a byte flipped in the ciphertext', () => {
    expectInvalid(() => fernet.decrypt(withByteFlipped(30)));
  });

  it('rejects an HMAC mismatch: a byte flipped in the MAC', () => {
    expectInvalid(() => fernet.decrypt(withByteFlipped(-1)));
    expectInvalid(() => fernet.decrypt(withByteFlipped(-32)));
  });

  it('rejects an HMAC mismatch: a byte flipped in the timestamp or IV', () => {
    expectInvalid(() => fernet.decrypt(withByteFlipped(8)));
    expectInvalid(() => fernet.decrypt(withByteFlipped(9)));
  });

  it('rejects a token signed with another key', () => {
    expectInvalid(() => new Fernet(Fernet.generateKey()).decrypt(token));
  });

  it('rejects bad PKCS7 padding under a valid HMAC', () => {
    const block = (tail: number[]) => Buffer.concat([Buffer.alloc(16 - tail.length, 0x41), Buffer.from(tail)]);
    const badPaddings = [
      block([0x00]), // pad length 0
      block([0x11]), // pad length 17, more than a block
      block([0x03, 0x02, 0x03]), // pad bytes disagree
      Buffer.concat([Buffer.alloc(16, 0x10), block([0x02, 0x01, 0x02])]), // good-looking first block
    ];
    for (const rawBlocks of badPaddings) {
      expectInvalid(() => fernet.decrypt(craftToken({ key, rawBlocks })));
    }
    // The same construction with correct padding decrypts, so the rejections are about padding.
    expect(fernet.decrypt(craftToken({ key, rawBlocks: block([0x02, 0x02]) }))).toEqual(Buffer.alloc(14, 0x41));
  });

  it('rejects a ciphertext that is not a whole number of blocks under a valid HMAC', () => {
    expectInvalid(() => fernet.decrypt(craftToken({ key, ciphertext: randomBytes(17) })));
  });

  it('rejects a token older than the ttl', () => {
    expect(fernet.decrypt(token, { ttl: 60, now: NOW + 60 }).toString()).toBe('a secret value');
    expectInvalid(() => fernet.decrypt(token, { ttl: 60, now: NOW + 61 }));
  });

  it('rejects, when a ttl is given, a timestamp more than 60 s in the future', () => {
    expect(fernet.decrypt(token, { ttl: 60, now: NOW - 60 }).toString()).toBe('a secret value');
    expectInvalid(() => fernet.decrypt(token, { ttl: 60, now: NOW - 61 }));
    expectInvalid(() => fernet.decrypt(token, { ttl: 10 ** 9, now: NOW - 61 }));
  });

  it('accepts a future timestamp without a ttl, as Python does', () => {
    const future = fernet.encrypt('later', { now: Math.floor(Date.now() / 1000) + 10 ** 6 });
    expect(fernet.decrypt(future).toString()).toBe('later');
    expect(fernet.decrypt(token, { now: NOW - 10 ** 6 }).toString()).toBe('a secret value');
  });

  it('defaults now to the clock when only a ttl is given', () => {
    const fresh = fernet.encrypt('fresh');
    expect(fernet.decrypt(fresh, { ttl: 5 }).toString()).toBe('fresh');
    expectInvalid(() => fernet.decrypt(token, { ttl: 5 }));
  });

  it('rejects the empty string and non-ASCII text', () => {
    expectInvalid(() => fernet.decrypt(''));
    expectInvalid(() => fernet.decrypt(`${token}é`));
    expectInvalid(() => fernet.decrypt(`${token.slice(0, 10)}\u{1f510}${token.slice(10)}`));
  });

  it('needs a string token, like Python needs str or bytes', () => {
    expect(() => fernet.decrypt(tokenBytes as unknown as string)).toThrow(TypeError);
    expect(() => fernet.decrypt(undefined as unknown as string)).toThrow(TypeError);
  });

  it('refuses a ttl or now that is not a finite number', () => {
    expect(() => fernet.decrypt(token, { ttl: Number.NaN })).toThrow(TypeError);
    expect(() => fernet.decrypt(token, { ttl: 60, now: Number.NaN })).toThrow(TypeError);
  });

  it('checks the HMAC in extractTimestamp', () => {
    expect(fernet.extractTimestamp(token)).toBe(NOW);
    expectInvalid(() => fernet.extractTimestamp(withByteFlipped(30)));
    expectInvalid(() => new Fernet(Fernet.generateKey()).extractTimestamp(token));
  });

  it('names its errors after their classes', () => {
    const invalidToken = verdictOf(() => fernet.decrypt('nope'));
    expect(invalidToken).toEqual({ verdict: 'reject', error: 'InvalidToken' });
    expect(new InvalidToken()).toBeInstanceOf(Error);
    expect(new InvalidKeyError().name).toBe('InvalidKeyError');
  });
});
