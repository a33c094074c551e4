// Fernet payloads: edge sizes round-trip byte for byte, token format, IVs, and agreement with a textbook implementation.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Fernet, MultiFernet } from '../../lib/crypto/fernet.js';
import { EDGE_PAYLOADS, NOW, craftToken, expectInvalid, rawTimestamp, referenceDecrypt, referenceEncrypt, timestampBytes } from './support.js';

describe('payloads', () => {
  const fernet = new Fernet(Fernet.generateKey());

  it.each<[string, Buffer]>([...EDGE_PAYLOADS, ['1 MiB', randomBytes(1024 * 1024)]])('round-trips %s byte for byte', (_name, payload) => {
    const token = fernet.encrypt(payload, { now: NOW });
    const plaintext = fernet.decrypt(token, { ttl: 60, now: NOW });
    expect(Buffer.isBuffer(plaintext)).toBe(true);
    expect(plaintext.equals(payload)).toBe(true);
    expect(Buffer.from(token, 'base64url').length).toBe(57 + (Math.floor(payload.length / 16) + 1) * 16);
  }, 60_000);

  it('encrypts a string as UTF-8', () => {
    const text = 'héllo wörld ✓ 🔐';
    expect(fernet.decrypt(fernet.encrypt(text)).toString('utf8')).toBe(text);
    expect(fernet.decrypt(fernet.encrypt(text)).equals(Buffer.from(text, 'utf8'))).toBe(true);
  });

  it('takes any Uint8Array and leaves the caller\'s bytes alone', () => {
    const payload = new Uint8Array([1, 2, 3, 250]);
    const token = fernet.encrypt(payload);
    expect([...payload]).toEqual([1, 2, 3, 250]);
    expect([...fernet.decrypt(token)]).toEqual([1, 2, 3, 250]);
  });

  it('writes padded url-safe base64 tokens with the version and timestamp in front', () => {
    for (let length = 0; length < 48; length++) {
      const token = fernet.encrypt(randomBytes(length), { now: NOW });
      expect(token).toMatch(/^gAAAAA[A-Za-z0-9_-]*={0,2}$/);
      expect(token.length % 4).toBe(0);
      expect(rawTimestamp(token)).toEqual(timestampBytes(NOW));
    }
  });

  it('stamps the current time by default', () => {
    const before = Math.floor(Date.now() / 1000);
    const stamped = fernet.extractTimestamp(fernet.encrypt('now'));
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('refuses a now that cannot be a u64 timestamp', () => {
    for (const now of [-1, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => fernet.encrypt('x', { now })).toThrow(RangeError);
    }
  });

  it('refuses data that is neither a string nor bytes', () => {
    expect(() => fernet.encrypt(42 as unknown as string)).toThrow(TypeError);
  });

  it('draws a fresh IV for every token, across many refills of the IV pool', () => {
    const ivs = new Set<string>();
    for (let i = 0; i < 1000; i++) ivs.add(Buffer.from(fernet.encrypt('same', { now: NOW }), 'base64url').subarray(9, 25).toString('hex'));
    expect(ivs.size).toBe(1000);
  }, 60_000);
});

describe('agreement with a textbook implementation', () => {
  // The optimized code keeps one OpenSSL context per key and direction; interleaving keys, sizes,
  // failures and directions checks that no token depends on the ones before it.
  it('produces and reads the same tokens through hundreds of interleaved operations', () => {
    const keys = [Fernet.generateKey(), Fernet.generateKey()];
    const fernets = keys.map((key) => new Fernet(key));
    const multi = new MultiFernet([...keys].reverse());
    let seed = 1;
    const random = (limit: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % limit;
    };
    for (let i = 0; i < 500; i++) {
      const which = random(2);
      const key = keys[which]!;
      const fernet = fernets[which]!;
      const size = random(10) === 0 ? random(5000) : random(70);
      const payload = randomBytes(size);
      switch (random(5)) {
        case 0:
          expect(referenceDecrypt(key, fernet.encrypt(payload)).equals(payload)).toBe(true);
          break;
        case 1:
          expect(fernet.decrypt(referenceEncrypt(key, payload, NOW, randomBytes(16))).equals(payload)).toBe(true);
          break;
        case 2:
          expect(multi.decrypt(referenceEncrypt(key, payload, NOW, randomBytes(16))).equals(payload)).toBe(true);
          expect(referenceDecrypt(keys[1]!, multi.encrypt(payload)).equals(payload)).toBe(true);
          break;
        case 3: {
          const badlyPadded = randomBytes(16 * (1 + random(4)));
          badlyPadded[badlyPadded.length - 1] = 0;
          expectInvalid(() => fernet.decrypt(craftToken({ key, rawBlocks: badlyPadded })));
          break;
        }
        default:
          expect(referenceDecrypt(keys[1]!, multi.rotate(referenceEncrypt(key, payload, NOW, randomBytes(16)))).equals(payload)).toBe(true);
      }
    }
  }, 60_000);
});
