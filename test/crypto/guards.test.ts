// What Fernet, MultiFernet and the key list refuse, and how they say it: the arguments a caller
// can get wrong, each with its own error and message (never a key or a value), and a fresh IV for
// every token across the IV pool's refills.
import { describe, expect, it } from 'vitest';
import { Fernet, InvalidKeyError, InvalidToken, MultiFernet } from '../../lib/crypto/fernet.js';
import { ConfigError, parseKeys } from '../../lib/crypto/keyring.js';

const key = Fernet.generateKey();
const fernet = new Fernet(key);
const multi = new MultiFernet([key]);

describe('arguments', () => {
  it('refuse what is not a token, a key, a time or a plaintext, each with its own message', () => {
    expect(() => multi.decrypt(7 as unknown as string)).toThrow(new TypeError('Fernet token must be a string'));
    expect(() => multi.decrypt('x', { ttl: Number.NaN })).toThrow(new TypeError('ttl and now must be finite numbers'));
    expect(() => multi.decrypt('x', { ttl: 60, now: Infinity })).toThrow(new TypeError('ttl and now must be finite numbers'));
    for (const now of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1]) {
      expect(() => fernet.encrypt('v', { now }), String(now)).toThrow(new RangeError('now must be a non-negative integer of Unix seconds'));
    }
    expect(() => fernet.encrypt(5 as unknown as string)).toThrow(new TypeError('data must be a string or a Uint8Array'));
    expect(() => fernet._encryptFromParts('v', 0, new Uint8Array(15))).toThrow(new RangeError('iv must be 16 bytes'));
    expect(() => fernet._encryptFromParts('v', 0, [0, 1] as unknown as Uint8Array)).toThrow(new RangeError('iv must be 16 bytes'));
    expect(() => new MultiFernet(key as unknown as string[])).toThrow(new TypeError('MultiFernet takes an array of keys'));
    expect(() => new MultiFernet([])).toThrow(new InvalidKeyError('MultiFernet requires at least one key'));
    expect(new InvalidToken().message).toBe('Invalid Fernet token');
    expect(new InvalidKeyError().message).toBe('Fernet key must be 32 url-safe base64-encoded bytes');
  });

  it('takes a key only in its canonical form: 43 characters and "=", nothing before or after', () => {
    for (const candidate of [`x${key}`, `${key}x`, key.slice(1), 7]) expect(() => new Fernet(candidate as string), String(candidate)).toThrow(InvalidKeyError);
    expect(Fernet.generateKey()).toMatch(/^[A-Za-z0-9_-]{43}=$/);
  });

  it('encrypts text as UTF-8 and bytes as they are', () => {
    expect(multi.decrypt(fernet.encrypt('é')).toString('hex')).toBe('c3a9');
    expect(multi.decrypt(fernet.encrypt(new Uint8Array([0xc3, 0xa9])))).toEqual(Buffer.from('é'));
  });

  it('tells a token of other keys (-1) from a token that is not one', () => {
    const other = new MultiFernet([Fernet.generateKey()]);
    expect(other.keyIndexOf(fernet.encrypt('v'))).toBe(-1);
    expect(multi.keyIndexOf('not a token')).toBe(-1);
    expect(multi.keyIndexOf(fernet.encrypt('v'))).toBe(0);
    expect(() => multi.keyIndexOf(7 as unknown as string)).toThrow(TypeError);
  });
});

describe('IVs', () => {
  it('are fresh for every token, across the pool\'s refills (256 tokens each)', () => {
    const ivs = new Set<string>();
    for (let i = 0; i < 700; i++) ivs.add(Buffer.from(fernet.encrypt('same'), 'base64url').subarray(9, 25).toString('hex'));
    expect(ivs.size).toBe(700);
  });
});

describe('the key list', () => {
  it('says a missing or blank list is not set, and names an empty or bad entry by position', () => {
    for (const value of [undefined, '', '   ']) expect(() => parseKeys(value, 'FERNET_KEYS'), JSON.stringify(value)).toThrow(new ConfigError('FERNET_KEYS is not set: it must list at least one Fernet key, primary first'));
    expect(() => parseKeys(`${key},,${key}`, 'FERNET_KEYS')).toThrow(new ConfigError('FERNET_KEYS entry 2 is empty'));
    expect(() => parseKeys(`${key}, nope`, 'P')).toThrow(new ConfigError('P entry 2 is not a url-safe base64 32-byte Fernet key'));
    expect(parseKeys(` ${key} `, 'P')).toEqual([key]);
  });
});
