// Fernet (https://github.com/fernet/spec) on node:crypto, byte-for-byte compatible with
// Python `cryptography`'s Fernet and MultiFernet.
//
//   token = base64url(0x80 | timestamp u64 BE | IV 16 | AES-128-CBC(PKCS7) | HMAC-SHA256 32)
//   key   = base64url(signing key 16 | encryption key 16)
//
// Tokens and keys are decoded the way Python's base64.urlsafe_b64decode does (non-strict:
// characters outside the alphabet are skipped, decoding stops after the padding), so we
// accept exactly the tokens Python accepts. Deliberate difference: a token string with
// non-ASCII characters is InvalidToken here, where Python raises a plain ValueError.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  randomBytes,
  randomFillSync,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';

const VERSION = 0x80;
const HEADER_BYTES = 1 + 8 + 16;
const MAC_BYTES = 32;
const BLOCK = 16;
const MIN_TOKEN_BYTES = HEADER_BYTES + BLOCK + MAC_BYTES;
/** Python's _MAX_CLOCK_SKEW: a token from further in the future is refused when a ttl is given. */
const MAX_CLOCK_SKEW = 60;

export class InvalidToken extends Error {
  override readonly name = 'InvalidToken';
  constructor(reason = 'invalid token') {
    super(reason);
  }
}

export class InvalidKeyError extends Error {
  override readonly name = 'InvalidKeyError';
  constructor() {
    super('Fernet key must be 32 url-safe base64-encoded bytes.');
  }
}

export interface EncryptOptions {
  /** Unix seconds to stamp the token with; defaults to now. */
  now?: number;
}

export interface DecryptOptions {
  /** Maximum token age in seconds; no limit when absent. */
  ttl?: number;
  /** Unix seconds to judge the ttl against; defaults to now. */
  now?: number;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

// IVs come from a pooled CSPRNG draw: one syscall per 256 tokens instead of one per token.
const IV_POOL_BYTES = 4096;
let ivPool = Buffer.alloc(0);
let ivOffset = IV_POOL_BYTES;
function nextIv(): Buffer {
  if (ivOffset + BLOCK > ivPool.length) {
    ivPool = randomFillSync(Buffer.allocUnsafeSlow(IV_POOL_BYTES));
    ivOffset = 0;
  }
  const iv = ivPool.subarray(ivOffset, ivOffset + BLOCK);
  ivOffset += BLOCK;
  return iv;
}

// Python's binascii.a2b_base64 in non-strict mode, after urlsafe '-_' -> '+/' translation.
const DECODE_TABLE = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  .split('')
  .forEach((c, i) => (DECODE_TABLE[c.charCodeAt(0)] = i));
DECODE_TABLE['-'.charCodeAt(0)] = 62;
DECODE_TABLE['_'.charCodeAt(0)] = 63;
const CANONICAL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Decodes like Python's base64.urlsafe_b64decode; null where Python raises. */
export function pythonUrlsafeB64Decode(text: string): Buffer | null {
  // Fast path for what every encoder produces.
  if (text.length % 4 === 0 && CANONICAL.test(text)) return Buffer.from(text, 'base64url');
  const out = Buffer.allocUnsafe(Math.ceil((text.length * 3) / 4));
  let length = 0;
  let quadPos = 0;
  let leftChar = 0;
  let pads = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code > 127) return null; // Python: ValueError (non-ASCII str)
    if (code === 61 /* = */) {
      if (quadPos >= 2 && quadPos + ++pads >= 4) return out.subarray(0, length);
      continue;
    }
    const value = DECODE_TABLE[code]!;
    if (value < 0) continue;
    pads = 0;
    switch (quadPos) {
      case 0:
        quadPos = 1;
        leftChar = value;
        break;
      case 1:
        quadPos = 2;
        out[length++] = (leftChar << 2) | (value >> 4);
        leftChar = value & 0x0f;
        break;
      case 2:
        quadPos = 3;
        out[length++] = ((leftChar << 4) | (value >> 2)) & 0xff;
        leftChar = value & 0x03;
        break;
      default:
        quadPos = 0;
        out[length++] = ((leftChar << 6) | value) & 0xff;
        leftChar = 0;
    }
  }
  return quadPos === 0 ? out.subarray(0, length) : null;
}

const encodeToken = (bytes: Buffer): string => {
  const text = bytes.toString('base64url');
  const padding = (4 - (text.length % 4)) % 4;
  return padding === 0 ? text : text + '='.repeat(padding);
};

export class Fernet {
  readonly #signingKey: KeyObject;
  readonly #encryptionKey: KeyObject;

  constructor(key: string) {
    const raw = typeof key === 'string' ? pythonUrlsafeB64Decode(key) : null;
    if (raw === null || raw.length !== 32) throw new InvalidKeyError();
    this.#signingKey = createSecretKey(raw.subarray(0, 16));
    this.#encryptionKey = createSecretKey(raw.subarray(16));
    raw.fill(0);
  }

  static generateKey(): string {
    return encodeToken(randomBytes(32));
  }

  encrypt(data: string | Uint8Array, opts: EncryptOptions = {}): string {
    const plaintext = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    return this.encryptAt(plaintext, opts.now ?? nowSeconds(), nextIv());
  }

  /** Python's _encrypt_from_parts: fixed time and IV, for known-answer tests and rotation. */
  encryptAt(plaintext: Uint8Array, timestamp: number, iv: Uint8Array): string {
    const cipherLength = (Math.floor(plaintext.length / BLOCK) + 1) * BLOCK;
    const token = Buffer.allocUnsafe(HEADER_BYTES + cipherLength + MAC_BYTES);
    token[0] = VERSION;
    token.writeBigUInt64BE(BigInt(timestamp), 1);
    token.set(iv, 9);
    const cipher = createCipheriv('aes-128-cbc', this.#encryptionKey, iv);
    const body = cipher.update(plaintext);
    token.set(body, HEADER_BYTES);
    token.set(cipher.final(), HEADER_BYTES + body.length);
    const macStart = HEADER_BYTES + cipherLength;
    token.set(createHmac('sha256', this.#signingKey).update(token.subarray(0, macStart)).digest(), macStart);
    return encodeToken(token);
  }

  decrypt(token: string, opts: DecryptOptions = {}): Buffer {
    const data = unverifiedTokenData(token);
    const timestamp = readTimestamp(data);
    if (opts.ttl !== undefined) {
      const now = opts.now ?? nowSeconds();
      if (timestamp + opts.ttl < now) throw new InvalidToken('token has expired');
      if (now + MAX_CLOCK_SKEW < timestamp) throw new InvalidToken('token timestamp is in the future');
    }
    this.verifySignature(data);
    return this.decryptBody(data);
  }

  /** The token's timestamp in Unix seconds, after its signature is verified. */
  extractTimestamp(token: string): number {
    const data = unverifiedTokenData(token);
    this.verifySignature(data);
    return readTimestamp(data);
  }

  /** @internal Signature check alone, so MultiFernet finds the right key without decrypting twice. */
  verifies(data: Buffer): boolean {
    if (data.length < 9 + MAC_BYTES) return false;
    const macStart = data.length - MAC_BYTES;
    const expected = createHmac('sha256', this.#signingKey).update(data.subarray(0, macStart)).digest();
    return timingSafeEqual(expected, data.subarray(macStart));
  }

  private verifySignature(data: Buffer): void {
    if (!this.verifies(data)) throw new InvalidToken('signature does not match');
  }

  /** @internal Decrypts a token body whose signature has been verified. */
  decryptBody(data: Buffer): Buffer {
    const cipherText = data.subarray(HEADER_BYTES, data.length - MAC_BYTES);
    if (data.length < MIN_TOKEN_BYTES || cipherText.length % BLOCK !== 0) throw new InvalidToken('bad ciphertext length');
    try {
      const decipher = createDecipheriv('aes-128-cbc', this.#encryptionKey, data.subarray(9, HEADER_BYTES));
      const head = decipher.update(cipherText);
      const tail = decipher.final();
      return tail.length === 0 ? head : Buffer.concat([head, tail]);
    } catch {
      throw new InvalidToken('bad padding');
    }
  }
}

/** Decoded token bytes with the version checked; the signature is not yet verified. */
export function unverifiedTokenData(token: string): Buffer {
  if (typeof token !== 'string') throw new InvalidToken('token must be a string');
  const data = pythonUrlsafeB64Decode(token);
  if (data === null || data.length === 0 || data[0] !== VERSION) throw new InvalidToken('bad version or encoding');
  if (data.length < 9) throw new InvalidToken('token too short');
  return data;
}

function readTimestamp(data: Buffer): number {
  return Number(data.readBigUInt64BE(1));
}

export class MultiFernet {
  readonly #fernets: Fernet[];

  constructor(keys: Array<Fernet | string>) {
    if (!Array.isArray(keys) || keys.length === 0) throw new Error('MultiFernet requires at least one key');
    this.#fernets = keys.map((k) => (k instanceof Fernet ? k : new Fernet(k)));
  }

  encrypt(data: string | Uint8Array, opts: EncryptOptions = {}): string {
    return this.#fernets[0]!.encrypt(data, opts);
  }

  decrypt(token: string, opts: DecryptOptions = {}): Buffer {
    return this.decryptWithKeyIndex(token, opts).plaintext;
  }

  /** The plaintext and the position of the key that verified the token (0 = primary). */
  decryptWithKeyIndex(token: string, opts: DecryptOptions = {}): { plaintext: Buffer; keyIndex: number } {
    let lastError: unknown = new InvalidToken();
    for (const [keyIndex, fernet] of this.#fernets.entries()) {
      try {
        return { plaintext: fernet.decrypt(token, opts), keyIndex };
      } catch (error) {
        if (!(error instanceof InvalidToken)) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  /** True when the primary key made the token (its signature verifies under it). */
  isPrimary(token: string): boolean {
    try {
      return this.#fernets[0]!.verifies(unverifiedTokenData(token));
    } catch {
      return false;
    }
  }

  extractTimestamp(token: string): number {
    for (const fernet of this.#fernets) {
      try {
        return fernet.extractTimestamp(token);
      } catch (error) {
        if (!(error instanceof InvalidToken)) throw error;
      }
    }
    throw new InvalidToken();
  }

  /** Re-encrypts under the primary key, keeping the original timestamp (Python's rotate). */
  rotate(token: string): string {
    const timestamp = this.extractTimestamp(token);
    const plaintext = this.decrypt(token);
    return this.#fernets[0]!.encryptAt(plaintext, timestamp, nextIv());
  }
}
