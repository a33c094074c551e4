// Shared by the crypto tests: the spec's key and token, the Python-generated fixture, a plain
// reference Fernet built from per-call node:crypto objects (to craft tokens and cross-check the
// optimized code), and Python.
import { spawnSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { InvalidToken } from '../../lib/crypto/fernet.js';

/** The fernet/spec key and the token its generate vector makes. */
export const SPEC_KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
export const SPEC_TOKEN =
  'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==';
/** 1985-10-26T01:20:00-07:00, the spec vector's timestamp. */
export const SPEC_TIME = 499162800;
/** A fixed "now" for tokens whose timestamp the tests pin. */
export const NOW = 1_700_000_000;

export const expectInvalid = (run: () => unknown) => expect(run).toThrow(InvalidToken);

export type PythonVerdict = { verdict: 'accept'; plaintext: string } | { verdict: 'reject'; error: string };

interface FernetVectors {
  cryptography: string;
  spec: {
    generate: Array<{ secret: string; now: number; iv: string; src: string; token: string }>;
    verify: Array<{ secret: string; now: number; ttl: number; src: string; token: string; python: PythonVerdict }>;
    invalid: Array<{ desc: string; secret: string; now: number; ttl: number; token: string; python: PythonVerdict }>;
  };
  generated: Array<{ desc: string; secret: string; now: number; iv: string; plaintext: string; token: string; text?: string }>;
  tokenCases: {
    secret: string;
    cases: Array<{
      desc: string;
      token: string;
      ttl: number | null;
      now: number | null;
      python: PythonVerdict;
      pythonBytes: PythonVerdict;
    }>;
  };
  keyCases: Array<{ desc: string; key: string; python: 'accept' | 'reject' }>;
}

export const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/fernet-vectors.json', import.meta.url), 'utf8'),
) as FernetVectors;

/** How a call went, in the fixture's terms. */
export function verdictOf(run: () => Buffer): PythonVerdict {
  try {
    return { verdict: 'accept', plaintext: run().toString('hex') };
  } catch (error) {
    return { verdict: 'reject', error: error instanceof Error ? error.name : String(error) };
  }
}

const keyBytes = (key: string) => {
  const raw = Buffer.from(key, 'base64url');
  return { signing: raw.subarray(0, 16), encryption: raw.subarray(16) };
};

/** Url-safe base64 with '=' padding, as Python writes tokens. */
export const urlsafeB64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes).toString('base64').replaceAll('+', '-').replaceAll('/', '_');

const signedToken = (key: string, body: Uint8Array): string =>
  urlsafeB64(Buffer.concat([body, createHmac('sha256', keyBytes(key).signing).update(body).digest()]));

export function timestampBytes(seconds: number | bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(seconds));
  return bytes;
}

/**
 * A token assembled by hand with a valid HMAC. `ciphertext` defaults to AES-CBC of `plaintext`
 * with PKCS7 padding; pass `rawBlocks` to encrypt blocks as given, without padding.
 */
export function craftToken(options: {
  key: string;
  version?: number;
  timestamp?: number | bigint;
  iv?: Uint8Array;
  plaintext?: Uint8Array;
  rawBlocks?: Uint8Array;
  ciphertext?: Uint8Array;
}): string {
  const iv = options.iv ?? Buffer.alloc(16, 7);
  const ciphertext = options.ciphertext ?? referenceCbc(options.key, iv, options.rawBlocks ?? options.plaintext ?? Buffer.alloc(0), options.rawBlocks === undefined);
  const body = Buffer.concat([Buffer.of(options.version ?? 0x80), timestampBytes(options.timestamp ?? 1_700_000_000), iv, ciphertext]);
  return signedToken(options.key, body);
}

function referenceCbc(key: string, iv: Uint8Array, data: Uint8Array, pkcs7: boolean): Buffer {
  const cipher = createCipheriv('aes-128-cbc', keyBytes(key).encryption, iv).setAutoPadding(pkcs7);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** The textbook decryption, one cipher object per call: the yardstick for the optimized one. */
export function referenceDecrypt(key: string, token: string): Buffer {
  const data = Buffer.from(token, 'base64url');
  const { signing, encryption } = keyBytes(key);
  const mac = createHmac('sha256', signing).update(data.subarray(0, -32)).digest();
  if (data[0] !== 0x80 || !mac.equals(data.subarray(-32))) throw new Error('reference: bad token');
  const decipher = createDecipheriv('aes-128-cbc', encryption, data.subarray(9, 25));
  return Buffer.concat([decipher.update(data.subarray(25, -32)), decipher.final()]);
}

export function referenceEncrypt(key: string, plaintext: Uint8Array, timestamp: number, iv: Uint8Array): string {
  return craftToken({ key, timestamp, iv, plaintext });
}

/** The token's 8 timestamp bytes, undecoded. */
export const rawTimestamp = (token: string): Buffer => Buffer.from(token, 'base64url').subarray(1, 9);

const PYTHON = process.env.PYTHON ?? 'python3';

export const hasPythonCryptography =
  spawnSync(PYTHON, ['-c', 'import cryptography.fernet'], { stdio: 'ignore' }).status === 0;

/** Runs `script` under Python with `input` as JSON on stdin; returns its JSON stdout. */
export function runPython<T>(script: string, input: unknown): T {
  const result = spawnSync(PYTHON, ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`python3 failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Payload edge cases: block boundaries, every byte value, 64 KiB. */
export const EDGE_PAYLOADS: Array<[string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['15 bytes', randomBytes(15)],
  ['16 bytes', randomBytes(16)],
  ['17 bytes', randomBytes(17)],
  ['all 256 byte values', Buffer.from(Array.from({ length: 256 }, (_, i) => i))],
  ['64 KiB', randomBytes(64 * 1024)],
];
