import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Fernet, InvalidKeyError, InvalidToken, MultiFernet } from '../../lib/crypto/fernet.js';
import {
  craftToken,
  rawTimestamp,
  referenceDecrypt,
  referenceEncrypt,
  timestampBytes,
  urlsafeB64,
  vectors,
  verdictOf,
  EDGE_PAYLOADS,
} from './support.js';

const SPEC_KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SPEC_TOKEN =
  'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==';
/** 1985-10-26T01:20:00-07:00, the spec vector's timestamp. */
const SPEC_TIME = 499162800;
const NOW = 1_700_000_000;

const expectInvalid = (run: () => unknown) => expect(run).toThrow(InvalidToken);

describe('known answers', () => {
  it('reproduces the fernet/spec generate vector', () => {
    const [vector] = vectors.spec.generate;
    expect(vector).toMatchObject({ secret: SPEC_KEY, now: SPEC_TIME, iv: '000102030405060708090a0b0c0d0e0f', token: SPEC_TOKEN });
    const token = new Fernet(SPEC_KEY)._encryptFromParts(vector!.src, vector!.now, Buffer.from(vector!.iv, 'hex'));
    expect(token).toBe(SPEC_TOKEN);
  });

  it('verifies the fernet/spec verify vector', () => {
    for (const vector of vectors.spec.verify) {
      const plaintext = new Fernet(vector.secret).decrypt(vector.token, { ttl: vector.ttl, now: vector.now });
      expect(plaintext.toString()).toBe(vector.src);
      expect(vector.python).toEqual({ verdict: 'accept', plaintext: Buffer.from(vector.src).toString('hex') });
    }
  });

  it.each(vectors.spec.invalid)('fernet/spec invalid.json "$desc": same verdict as Python ($python.verdict)', (vector) => {
    const fernet = new Fernet(vector.secret);
    const ours = verdictOf(() => fernet.decrypt(vector.token, { ttl: vector.ttl, now: vector.now }));
    expect(ours.verdict).toBe(vector.python.verdict);
    if (ours.verdict === 'reject') expect(ours).toEqual({ verdict: 'reject', error: 'InvalidToken' });
  });

  it('accepts the two spec-"invalid" tokens that Python accepts (stray and trailing characters)', () => {
    const accepted = vectors.spec.invalid.filter((v) => v.python.verdict === 'accept').map((v) => v.desc);
    expect(accepted.sort()).toEqual(['invalid characters in b64', 'trailing characters after b64 padding']);
  });

  it.each(vectors.generated)('matches Python for $desc at $now', (vector) => {
    const fernet = new Fernet(vector.secret);
    const plaintext = vector.text ?? Buffer.from(vector.plaintext, 'hex');
    expect(fernet._encryptFromParts(plaintext, vector.now, Buffer.from(vector.iv, 'hex'))).toBe(vector.token);
    expect(fernet.decrypt(vector.token).toString('hex')).toBe(vector.plaintext);
    expect(fernet.extractTimestamp(vector.token)).toBe(vector.now);
  });

  it('decrypts the known answers with a fixed now and a ttl, so they never expire', () => {
    for (const vector of vectors.generated) {
      const plaintext = new Fernet(vector.secret).decrypt(vector.token, { ttl: 1, now: vector.now });
      expect(plaintext.toString('hex')).toBe(vector.plaintext);
    }
  });
});

describe('tokens Python accepts and rejects', () => {
  const fernet = new Fernet(vectors.tokenCases.secret);

  it.each(vectors.tokenCases.cases)('$desc: $python.verdict', ({ token, ttl, now, python }) => {
    const ours = verdictOf(() => fernet.decrypt(token, ttl === null ? {} : { ttl, now: now ?? undefined }));
    if (python.verdict === 'accept') {
      expect(ours).toEqual(python);
    } else {
      // Python lets a plain ValueError out for a non-ASCII str; we call every rejection InvalidToken.
      expect(ours).toEqual({ verdict: 'reject', error: 'InvalidToken' });
    }
  });

  it('covers both of Python\'s error kinds and both verdicts', () => {
    const outcomes = new Set(vectors.tokenCases.cases.map(({ python }) => (python.verdict === 'accept' ? 'accept' : python.error)));
    expect(outcomes).toEqual(new Set(['accept', 'InvalidToken', 'ValueError']));
  });
});

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

describe('keys', () => {
  const key = Fernet.generateKey();

  it('generates 32 random bytes as padded url-safe base64', () => {
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(Buffer.from(key, 'base64url')).toHaveLength(32);
    expect(Fernet.generateKey()).not.toBe(key);
  });

  it.each([
    ['bad base64', 'this is not a fernet key, not even close!!!!'],
    ['missing padding', key.slice(0, -1)],
    ['31 bytes', urlsafeB64(randomBytes(31))],
    ['33 bytes', urlsafeB64(randomBytes(33))],
    ['16 bytes', urlsafeB64(randomBytes(16))],
    ['surrounding whitespace', ` ${key}\n`],
    ['standard base64 alphabet', urlsafeB64(Buffer.alloc(32, 0xff)).replaceAll('_', '/')],
  ])('rejects %s with a message that does not contain the key', (_name, candidate) => {
    const error = keyError(candidate);
    expect(error).toBeInstanceOf(InvalidKeyError);
    expect(error?.name).toBe('InvalidKeyError');
    expect(error?.message).not.toContain(candidate.trim().slice(0, 10));
  });

  it('rejects the empty string', () => {
    expect(keyError('')).toBeInstanceOf(InvalidKeyError);
  });

  it('rejects non-strings, a Buffer of 32 bytes included', () => {
    for (const candidate of [undefined, null, 42, randomBytes(32), { key }]) {
      expect(() => new Fernet(candidate as unknown as string)).toThrow(InvalidKeyError);
    }
  });

  it('agrees with Python on every key it accepts, and only takes canonical keys', () => {
    // Python's lenient base64 also reads these; we want a damaged key to fail loudly.
    const deliberatelyRejected = new Set([
      'generated with + and / (standard alphabet)',
      "two '=' at the end",
      'leading and trailing whitespace',
      'space inside',
      "trailing text after '='",
    ]);
    for (const { desc, key: candidate, python } of vectors.keyCases) {
      const expected = python === 'accept' && !deliberatelyRejected.has(desc) ? 'accept' : 'reject';
      expect({ desc, ours: keyError(candidate) === undefined ? 'accept' : 'reject' }).toEqual({ desc, ours: expected });
    }
  });

  it('keeps key material out of inspection and JSON', () => {
    const fernet = new Fernet(key);
    const raw = Buffer.from(key, 'base64url');
    const shown = `${inspect(fernet, { showHidden: true, depth: 10 })} ${JSON.stringify(fernet)} ${inspect(new MultiFernet([fernet]), { showHidden: true, depth: 10 })}`;
    expect(shown).not.toContain(key.slice(0, 16));
    expect(shown).not.toContain(raw.subarray(0, 8).toString('hex'));
  });

  it('leaves no key-derived bytes in the buffers it hands out', () => {
    const fernet = new Fernet(key);
    const plaintext = fernet.decrypt(fernet.encrypt('x'));
    const signing = Buffer.from(key, 'base64url').subarray(0, 16);
    const innerPad = Buffer.from(signing.map((byte) => byte ^ 0x36));
    const outerPad = Buffer.from(signing.map((byte) => byte ^ 0x5c));
    const backing = Buffer.from(plaintext.buffer, 0, plaintext.buffer.byteLength);
    expect(backing.indexOf(innerPad)).toBe(-1);
    expect(backing.indexOf(outerPad)).toBe(-1);
    expect(backing.indexOf(signing)).toBe(-1);
  });
});

function keyError(candidate: string): Error | undefined {
  try {
    new Fernet(candidate);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}
