// Fernet keys: generation, the keys refused (agreeing with Python where it is strict), and no key material shown.
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Fernet, InvalidKeyError, MultiFernet } from '../../lib/crypto/fernet.js';
import { urlsafeB64, vectors } from './support.js';

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
