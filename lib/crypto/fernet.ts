/**
 * ## Fernet compatibility
 *
 * `lib/crypto/fernet.ts` implements [Fernet](https://github.com/fernet/spec) on `node:crypto` alone
 * and makes and accepts the same tokens as Python `cryptography`'s `Fernet` and `MultiFernet`
 * (checked against cryptography 48 by known-answer, interop and differential tests in `test/crypto/`).
 *
 * Tokens are decoded by the rules of Python's `base64.urlsafe_b64decode`, so, as in Python, these
 * decrypt even though fernet/spec's `invalid.json` lists some of them as invalid: characters outside
 * the base64 alphabet (whitespace, line breaks, `*`, `!`, ...) are skipped, the standard `+` `/`
 * alphabet works as well as `-` `_`, and anything after the closing `=` padding is ignored. Missing
 * padding is rejected. Without a `ttl` the timestamp is not checked, so a token from the future decrypts.
 *
 * Deliberate differences from Python:
 *
 * - Tokens must be strings (Python also takes `bytes`). A token containing a non-ASCII character is
 *   `InvalidToken`; Python raises `ValueError` for such a `str`.
 * - Keys must be canonical: 43 url-safe base64 characters and one `=`. Python's lenient decoder also
 *   takes a key with stray characters or whitespace in it, the `+` `/` alphabet, or text after the `=`;
 *   here that is an `InvalidKeyError`, so a damaged key fails at startup instead of being half-read.
 *   (The keyring trims whitespace around each key before it gets here.)
 * - A token whose HMAC verifies but which is too short to hold an IV and a ciphertext block is
 *   `InvalidToken`; Python raises `ValueError`. Only a holder of the signing key can make one.
 * - `extractTimestamp` returns a `number`, exact up to 2^53 seconds; `rotate` copies the timestamp
 *   bytes, so it keeps even larger ones exactly.
 */
import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  hash,
  randomBytes,
  randomFillSync,
  timingSafeEqual,
  type Cipheriv,
  type Decipheriv,
  type KeyObject,
} from 'node:crypto';

export class InvalidToken extends Error {
  override readonly name = 'InvalidToken';

  constructor(message = 'Invalid Fernet token') {
    super(message);
  }
}

export class InvalidKeyError extends Error {
  override readonly name = 'InvalidKeyError';

  constructor(message = 'Fernet key must be 32 url-safe base64-encoded bytes') {
    super(message);
  }
}

export interface EncryptOptions {
  /** Unix seconds (a non-negative integer) to stamp the token with; defaults to the current time. */
  now?: number;
}

export interface DecryptOptions {
  /** Maximum token age in seconds. Without it the timestamp is not checked at all. */
  ttl?: number;
  /** Unix seconds to judge the ttl against; defaults to the current time. */
  now?: number;
}

// Token layout: version | timestamp (u64 BE) | IV | AES-128-CBC ciphertext | HMAC-SHA256.
const VERSION = 0x80;
const TIMESTAMP_OFFSET = 1;
const IV_OFFSET = 9;
const CIPHERTEXT_OFFSET = 25;
const BLOCK_BYTES = 16;
const MAC_BYTES = 32;
/** The shortest token Python can decrypt: header, one ciphertext block, HMAC. */
const MIN_TOKEN_BYTES = CIPHERTEXT_OFFSET + BLOCK_BYTES + MAC_BYTES;
/** Python's `_MAX_CLOCK_SKEW`: with a ttl, a token stamped further in the future is refused. */
const MAX_CLOCK_SKEW_SECONDS = 60;

const KEY_BYTES = 32;
const CANONICAL_KEY = /^[A-Za-z0-9_-]{43}=$/;

/**
 * Token bytes live in "frames": buffers that start with FRAME_HEADROOM bytes of scratch space,
 * where the HMAC writes its inner key pad so the inner hash covers the message without a copy.
 */
const FRAME_HEADROOM = 64;
const SHA256_BLOCK_BYTES = 64;

// Frames are staged in one reused buffer: allocating a Buffer per token (or per digest) costs more
// than the AES and SHA-256 work on a small token. Every public method is synchronous and holds at
// most one frame at a time, so sharing it is safe.
const MAX_REUSED_FRAME_BYTES = 1 << 20;
let sharedFrame = Buffer.allocUnsafeSlow(8192);

// Stryker disable EqualityOperator,ConditionalExpression,ArithmeticOperator: equivalent; these choose where a frame's bytes live and how big the reused buffer grows, never what they are
function takeFrame(length: number): Buffer {
  if (length > sharedFrame.length) {
    if (length > MAX_REUSED_FRAME_BYTES) return Buffer.allocUnsafeSlow(length);
    sharedFrame = Buffer.allocUnsafeSlow(Math.max(length, 2 * sharedFrame.length));
  }
  return sharedFrame.subarray(0, length);
}
// Stryker restore EqualityOperator,ConditionalExpression,ArithmeticOperator

const currentUnixSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * HMAC-SHA256 (RFC 2104) from two one-shot hashes, H((K ^ opad) || H((K ^ ipad) || message)).
 * A createHmac object per token costs more than hashing a small token.
 */
class HmacSha256 {
  readonly #innerPad = Buffer.alloc(SHA256_BLOCK_BYTES, 0x36);
  /** K ^ opad followed by room for the inner digest. */
  readonly #outerInput = Buffer.alloc(SHA256_BLOCK_BYTES + MAC_BYTES, 0x5c);

  constructor(key: Uint8Array) {
    // Stryker disable next-line EqualityOperator: equivalent; key[key.length] is undefined, and x ^ undefined is x
    for (let i = 0; i < key.length; i++) {
      this.#innerPad[i]! ^= key[i]!;
      this.#outerInput[i]! ^= key[i]!;
    }
  }

  /** Writes the MAC of frame[FRAME_HEADROOM, end) to target[targetOffset...]. Uses the frame's headroom. */
  sign(frame: Buffer, end: number, target: Buffer, targetOffset: number): void {
    this.#innerPad.copy(frame, 0);
    // Digests come back as 'binary' (latin1) strings, one char per byte: no Buffer to allocate.
    this.#outerInput.write(hash('sha256', frame.subarray(0, end), 'binary'), SHA256_BLOCK_BYTES, 'latin1');
    frame.fill(0, 0, FRAME_HEADROOM); // no key-derived bytes left behind
    target.write(hash('sha256', this.#outerInput, 'binary'), targetOffset, 'latin1');
  }
}

/**
 * AES-128-CBC on one long-lived OpenSSL context per direction: building a cipher per token costs
 * more than encrypting a few KiB with it. After each call a CBC context carries on from the last
 * ciphertext block it saw (its "chain"), as if that were the next IV, so we correct for it:
 * encrypting P1 ^ chain ^ iv, or XOR-ing the first decrypted block with chain ^ iv, is exactly
 * CBC under `iv`. Inputs are always whole blocks (we pad ourselves), so nothing stays buffered.
 */
class AesCbc {
  readonly #key: KeyObject;
  #encryptor!: Cipheriv;
  #decryptor!: Decipheriv;
  readonly #encryptChain = Buffer.alloc(BLOCK_BYTES);
  readonly #decryptChain = Buffer.alloc(BLOCK_BYTES);

  constructor(key: Uint8Array) {
    this.#key = createSecretKey(key);
    this.#resetEncryptor();
    this.#resetDecryptor();
  }

  /** Encrypts whole blocks under `iv`; overwrites the first block of `padded`. */
  encrypt(padded: Buffer, iv: Uint8Array): Buffer {
    xorBlock(padded, this.#encryptChain, iv);
    let ciphertext: Buffer;
    try {
      ciphertext = this.#encryptor.update(padded);
    } catch (error) {
      this.#resetEncryptor(); // the chain is unknown after a failed update
      throw error;
    }
    ciphertext.copy(this.#encryptChain, 0, ciphertext.length - BLOCK_BYTES);
    return ciphertext;
  }

  /** Decrypts whole blocks under `iv`; the padding is left for the caller to check. */
  decrypt(ciphertext: Uint8Array, iv: Uint8Array): Buffer {
    let plaintext: Buffer;
    try {
      plaintext = this.#decryptor.update(ciphertext);
    } catch (error) {
      this.#resetDecryptor();
      throw error;
    }
    xorBlock(plaintext, this.#decryptChain, iv);
    this.#decryptChain.set(ciphertext.subarray(ciphertext.length - BLOCK_BYTES));
    return plaintext;
  }

  #resetEncryptor(): void {
    this.#encryptChain.fill(0);
    // Stryker disable next-line BooleanLiteral: equivalent; only update() is called, on whole blocks, and auto padding acts in final() alone
    this.#encryptor = createCipheriv('aes-128-cbc', this.#key, this.#encryptChain).setAutoPadding(false);
  }

  #resetDecryptor(): void {
    this.#decryptChain.fill(0);
    this.#decryptor = createDecipheriv('aes-128-cbc', this.#key, this.#decryptChain).setAutoPadding(false);
  }
}

function xorBlock(target: Uint8Array, a: Uint8Array, b: Uint8Array): void {
  // Stryker disable next-line EqualityOperator: equivalent; a write past a typed array's end is dropped
  for (let i = 0; i < BLOCK_BYTES; i++) target[i]! ^= a[i]! ^ b[i]!;
}

// IVs are cut from a pooled CSPRNG draw (as Node does for randomUUID): one randomFillSync per 256
// tokens instead of one per token. Every IV is handed out once.
const ivPool = Buffer.allocUnsafeSlow(4096);
let ivPoolOffset = ivPool.length;

function takeIv(): Buffer {
  // Stryker disable next-line ConditionalExpression: equivalent when true; a refill per token is slower, not different (the IV test kills the other mutants)
  if (ivPoolOffset === ivPool.length) {
    randomFillSync(ivPool);
    ivPoolOffset = 0;
  }
  ivPoolOffset += BLOCK_BYTES;
  return ivPool.subarray(ivPoolOffset - BLOCK_BYTES, ivPoolOffset);
}

/** The two key halves of one Fernet key, with everything precomputed that a token needs. */
class KeyMaterial {
  readonly #hmac: HmacSha256;
  readonly #aes: AesCbc;
  readonly #expectedMac = Buffer.alloc(MAC_BYTES);

  constructor(key: Uint8Array) {
    this.#hmac = new HmacSha256(key.subarray(0, 16));
    this.#aes = new AesCbc(key.subarray(16));
  }

  /** Python's `_encrypt_from_parts`, with the timestamp as two u32 halves. */
  seal(plaintext: Uint8Array, timestampHigh: number, timestampLow: number, iv: Uint8Array): string {
    const paddedLength = (Math.floor(plaintext.length / BLOCK_BYTES) + 1) * BLOCK_BYTES;
    const macStart = FRAME_HEADROOM + CIPHERTEXT_OFFSET + paddedLength;
    const frame = takeFrame(macStart + MAC_BYTES);
    frame[FRAME_HEADROOM] = VERSION;
    frame.writeUInt32BE(timestampHigh, FRAME_HEADROOM + TIMESTAMP_OFFSET);
    frame.writeUInt32BE(timestampLow, FRAME_HEADROOM + TIMESTAMP_OFFSET + 4);
    const tokenIv = frame.subarray(FRAME_HEADROOM + IV_OFFSET, FRAME_HEADROOM + CIPHERTEXT_OFFSET);
    tokenIv.set(iv);
    // PKCS7-pad in place where the ciphertext will go, then replace it with the ciphertext.
    const body = frame.subarray(FRAME_HEADROOM + CIPHERTEXT_OFFSET, macStart);
    body.set(plaintext);
    body.fill(paddedLength - plaintext.length, plaintext.length);
    body.set(this.#aes.encrypt(body, tokenIv));
    this.#hmac.sign(frame, macStart, frame, macStart);
    return encodeFrame(frame);
  }

  /** Whether the token's HMAC verifies under this key (Python's `_verify_signature`). */
  verify(frame: Buffer): boolean {
    if (frame.length - FRAME_HEADROOM < MAC_BYTES) return false;
    const macStart = frame.length - MAC_BYTES;
    this.#hmac.sign(frame, macStart, this.#expectedMac, 0);
    return timingSafeEqual(this.#expectedMac, frame.subarray(macStart));
  }

  /** The plaintext of a token whose layout was checked, or undefined where Python rejects it. */
  open(frame: Buffer): Buffer | undefined {
    if (!this.verify(frame)) return undefined;
    const iv = frame.subarray(FRAME_HEADROOM + IV_OFFSET, FRAME_HEADROOM + CIPHERTEXT_OFFSET);
    const ciphertext = frame.subarray(FRAME_HEADROOM + CIPHERTEXT_OFFSET, frame.length - MAC_BYTES);
    const padded = this.#aes.decrypt(ciphertext, iv);
    const padLength = padded[padded.length - 1]!;
    if (padLength === 0 || padLength > BLOCK_BYTES) return undefined;
    for (let i = padded.length - padLength; i < padded.length; i++) {
      if (padded[i] !== padLength) return undefined;
    }
    return padded.subarray(0, padded.length - padLength);
  }
}

// Base64 with '=' padding, as Python's urlsafe_b64encode writes it, by byte length % 3.
const BASE64_PADDING = ['', '==', '='] as const;

function encodeFrame(frame: Buffer): string {
  return frame.toString('base64url', FRAME_HEADROOM) + BASE64_PADDING[(frame.length - FRAME_HEADROOM) % 3];
}

// Stryker disable next-line ArithmeticOperator: equivalent; a bigger frame than needed changes nothing read from it
const maxDecodedFrameLength = (text: string): number => FRAME_HEADROOM + Math.ceil(text.length / 4) * 3;

/** The token's bytes in a frame, decoded as Python decodes them; undefined where Python raises. */
function decodeToken(token: string): Buffer | undefined {
  const frame = takeFrame(maxDecodedFrameLength(token));
  // Stryker disable next-line StringLiteral,ArithmeticOperator: equivalent; the fast path only decides whether the slow, Python-exact decoder runs, and both give the same bytes
  const end = FRAME_HEADROOM + frame.write(token, FRAME_HEADROOM, 'base64url');
  // A token exactly as an encoder writes it round-trips; Node and Python then read the same bytes.
  const decoded = frame.subarray(0, end);
  // Stryker disable next-line ConditionalExpression: equivalent; the fast path only decides whether the slow, Python-exact decoder runs, and both give the same bytes
  if (encodeFrame(decoded) === token) return decoded;
  return decodeLikePython(token);
}

const NON_ASCII = /[\u0080-\uffff]/;
// Base64 alphabet values after urlsafe_b64decode's '-' -> '+' and '_' -> '/' translation; -1: skipped.
const BASE64_VALUES = new Int8Array(128).fill(-1);
for (const [value, char] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) {
  BASE64_VALUES[char.charCodeAt(0)] = value;
}
BASE64_VALUES['-'.charCodeAt(0)] = 62;
BASE64_VALUES['_'.charCodeAt(0)] = 63;

/** A port of CPython's non-strict `binascii.a2b_base64`, which `base64.urlsafe_b64decode` uses. */
function decodeLikePython(text: string): Buffer | undefined {
  if (NON_ASCII.test(text)) return undefined; // Python: ValueError for a non-ASCII str
  const frame = takeFrame(maxDecodedFrameLength(text));
  let end = FRAME_HEADROOM;
  let quadPosition = 0;
  let leftBits = 0;
  let pads = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x3d /* '=' */) {
      // Padding that completes a quad ends decoding; any other '=' is skipped.
      if (quadPosition >= 2 && quadPosition + ++pads >= 4) return frame.subarray(0, end);
      continue;
    }
    const value = BASE64_VALUES[code]!;
    if (value < 0) continue;
    pads = 0;
    switch (quadPosition) {
      case 0:
        leftBits = value;
        break;
      case 1:
        frame[end++] = (leftBits << 2) | (value >> 4);
        leftBits = value & 0x0f;
        break;
      case 2:
        frame[end++] = (leftBits << 4) | (value >> 2);
        leftBits = value & 0x03;
        break;
      default:
        frame[end++] = (leftBits << 6) | value;
    }
    quadPosition = (quadPosition + 1) % 4;
  }
  // Python: "Incorrect padding", or one data character too many.
  return quadPosition === 0 ? frame.subarray(0, end) : undefined;
}

/** Python's `_get_unverified_token_data`: decoded bytes with a Fernet version and a timestamp. */
function parseToken(token: string): Buffer {
  if (typeof token !== 'string') throw new TypeError('Fernet token must be a string');
  const frame = decodeToken(token);
  const length = frame === undefined ? 0 : frame.length - FRAME_HEADROOM;
  if (frame === undefined || length < IV_OFFSET || frame[FRAME_HEADROOM] !== VERSION) throw new InvalidToken();
  return frame;
}

interface TimeLimit {
  ttl: number;
  now: number;
}

/** The ttl check's inputs, read before the token takes the shared frame. */
function timeLimitOf(options: DecryptOptions): TimeLimit | undefined {
  const { ttl, now = currentUnixSeconds() } = options;
  if (ttl === undefined) return undefined;
  if (!Number.isFinite(ttl) || !Number.isFinite(now)) throw new TypeError('ttl and now must be finite numbers');
  return { ttl, now };
}

/** The checks Python's `_decrypt_data` makes before the HMAC, plus a layout check it makes after. */
function checkBeforeDecrypt(frame: Buffer, limit: TimeLimit | undefined): void {
  if (limit !== undefined) {
    const timestamp = readTimestamp(frame);
    if (timestamp + limit.ttl < limit.now || limit.now + MAX_CLOCK_SKEW_SECONDS < timestamp) throw new InvalidToken();
  }
  const length = frame.length - FRAME_HEADROOM;
  if (length < MIN_TOKEN_BYTES || (length - CIPHERTEXT_OFFSET - MAC_BYTES) % BLOCK_BYTES !== 0) throw new InvalidToken();
}

function readTimestamp(frame: Buffer): number {
  const offset = FRAME_HEADROOM + TIMESTAMP_OFFSET;
  return frame.readUInt32BE(offset) * 2 ** 32 + frame.readUInt32BE(offset + 4);
}

function timestampHalves(now: number | undefined): [high: number, low: number] {
  const seconds = now ?? currentUnixSeconds();
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new RangeError('now must be a non-negative integer of Unix seconds');
  return [Math.floor(seconds / 2 ** 32), seconds >>> 0];
}

function plaintextBytes(data: string | Uint8Array): Uint8Array {
  // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent; Buffer.from copies a Uint8Array's bytes as they are, and an empty encoding name means UTF-8, Node's default
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return data;
  throw new TypeError('data must be a string or a Uint8Array');
}

let keyMaterialOf: (fernet: Fernet) => KeyMaterial;

export class Fernet {
  readonly #key: KeyMaterial;

  static {
    keyMaterialOf = (fernet) => fernet.#key;
  }

  /** `key`: 32 bytes in url-safe base64, as `generateKey` and Python's `Fernet.generate_key` make. */
  constructor(key: string) {
    if (typeof key !== 'string' || !CANONICAL_KEY.test(key)) throw new InvalidKeyError();
    const raw = Buffer.from(key, 'base64url');
    this.#key = new KeyMaterial(raw);
    raw.fill(0);
  }

  static generateKey(): string {
    return randomBytes(KEY_BYTES).toString('base64url') + '=';
  }

  encrypt(data: string | Uint8Array, options: EncryptOptions = {}): string {
    return this.#key.seal(plaintextBytes(data), ...timestampHalves(options.now), takeIv());
  }

  decrypt(token: string, options: DecryptOptions = {}): Buffer {
    const limit = timeLimitOf(options);
    const frame = parseToken(token);
    checkBeforeDecrypt(frame, limit);
    const plaintext = this.#key.open(frame);
    if (plaintext === undefined) throw new InvalidToken();
    return plaintext;
  }

  /** The token's timestamp in Unix seconds, once its HMAC is verified. */
  extractTimestamp(token: string): number {
    const frame = parseToken(token);
    if (!this.#key.verify(frame)) throw new InvalidToken();
    return readTimestamp(frame);
  }

  /**
   * @internal Python's `_encrypt_from_parts`: a token with a caller-chosen IV, for known-answer
   * tests only. Reusing an IV under one key leaks plaintext relations; use `encrypt`.
   */
  _encryptFromParts(data: string | Uint8Array, now: number, iv: Uint8Array): string {
    if (!(iv instanceof Uint8Array) || iv.length !== BLOCK_BYTES) throw new RangeError('iv must be 16 bytes');
    return this.#key.seal(plaintextBytes(data), ...timestampHalves(now), iv);
  }
}

/** Several Fernet keys: encrypts with the first (primary) one, decrypts with any of them. */
export class MultiFernet {
  readonly #keys: readonly [KeyMaterial, ...KeyMaterial[]];

  constructor(keys: Array<Fernet | string>) {
    if (!Array.isArray(keys)) throw new TypeError('MultiFernet takes an array of keys');
    const [first, ...rest] = keys.map((key) => keyMaterialOf(key instanceof Fernet ? key : new Fernet(key)));
    if (first === undefined) throw new InvalidKeyError('MultiFernet requires at least one key');
    this.#keys = [first, ...rest];
  }

  encrypt(data: string | Uint8Array, options: EncryptOptions = {}): string {
    return this.#keys[0].seal(plaintextBytes(data), ...timestampHalves(options.now), takeIv());
  }

  decrypt(token: string, options: DecryptOptions = {}): Buffer {
    return this.decryptWithKeyIndex(token, options).plaintext;
  }

  /** The plaintext and the position of the key that decrypted it (0: the primary key). */
  decryptWithKeyIndex(token: string, options: DecryptOptions = {}): { plaintext: Buffer; keyIndex: number } {
    const limit = timeLimitOf(options);
    const frame = parseToken(token);
    checkBeforeDecrypt(frame, limit);
    for (const [keyIndex, key] of this.#keys.entries()) {
      const plaintext = key.open(frame);
      if (plaintext !== undefined) return { plaintext, keyIndex };
    }
    throw new InvalidToken();
  }

  /** Whether the token's HMAC verifies under the primary key, i.e. rotating it would change nothing. */
  isPrimary(token: string): boolean {
    return this.keyIndexOf(token) === 0;
  }

  /** The position of the first key the token's HMAC verifies under, or -1 (not a token of these keys). */
  keyIndexOf(token: string): number {
    let frame: Buffer;
    try {
      frame = parseToken(token);
    } catch (error) {
      if (error instanceof InvalidToken) return -1;
      throw error;
    }
    return this.#keys.findIndex((key) => key.verify(frame));
  }

  extractTimestamp(token: string): number {
    const frame = parseToken(token);
    if (!this.#keys.some((key) => key.verify(frame))) throw new InvalidToken();
    return readTimestamp(frame);
  }

  /** Re-encrypts under the primary key with a fresh IV, keeping the token's timestamp (Python's `rotate`). */
  rotate(token: string): string {
    const frame = parseToken(token);
    checkBeforeDecrypt(frame, undefined);
    const timestampOffset = FRAME_HEADROOM + TIMESTAMP_OFFSET;
    const timestampHigh = frame.readUInt32BE(timestampOffset);
    const timestampLow = frame.readUInt32BE(timestampOffset + 4);
    for (const key of this.#keys) {
      const plaintext = key.open(frame);
      // seal reuses the shared frame, so everything needed from this token is read by now.
      if (plaintext !== undefined) return this.#keys[0].seal(plaintext, timestampHigh, timestampLow, takeIv());
    }
    throw new InvalidToken();
  }
}
