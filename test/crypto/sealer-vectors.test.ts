// The sealer's MACs against an independent implementation in Python (hmac, hashlib and
// cryptography's HKDF): the row binding, the idempotency record's value MAC and the key
// fingerprint are exactly what docs/DESIGN.md describes, so a change to a label, an encoding or a
// length prefix cannot pass unnoticed. Also the sealer's own refusals.
import { describe, expect, it } from 'vitest';
import { Fernet } from '../../lib/crypto/fernet.js';
import { KeysTooOld, Sealer, UnsealError, keyFingerprint } from '../../lib/crypto/sealer.js';
import { hasPythonCryptography, runPython } from './support.js';

const PYTHON = `
import sys, json, hmac, hashlib, base64, struct
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes
case = json.load(sys.stdin)
raw = base64.urlsafe_b64decode(case["key"])
def derive(purpose):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"secret-store", info=purpose.encode()).derive(raw)
def prefixed(*parts):
    out = b""
    for p in parts:
        b = p.encode("utf-8")
        out += struct.pack(">I", len(b)) + b
    return out
b64 = lambda d: base64.urlsafe_b64encode(d).decode().rstrip("=")
print(json.dumps({
    "fingerprint": hmac.new(raw, b"secret-store key fingerprint", hashlib.sha256).hexdigest()[:8],
    "binding": b64(hmac.new(derive("binding/v1"), prefixed(case["profileId"], case["name"], case["token"], *([str(case["version"])] if "version" in case else [])), hashlib.sha256).digest()),
    "requestMac": b64(hmac.new(derive("request/v1"), case["value"].encode("utf-8"), hashlib.sha256).digest()),
}))
`;

describe.skipIf(!hasPythonCryptography)('the sealer\'s MACs, as Python computes them', () => {
  it('binds (profile, name, token) with length prefixes under the binding key, MACs request values under the request key, fingerprints keys', () => {
    const key = Fernet.generateKey();
    const sealer = new Sealer([key]);
    for (const [profileId, name, value] of [
      ['alice', 'apiKey', 'v'],
      ['ålice', 'naïve', 'é \u{1F600}'],
      ['ab', 'c', ''],
    ] as const) {
      const sealed = sealer.seal({ profileId, name }, value || 'x');
      const expected = runPython<{ fingerprint: string; binding: string; requestMac: string }>(PYTHON, { key, profileId, name, token: sealed.token, value });
      expect(sealed.binding).toBe(expected.binding);
      expect(sealer.requestMac(value)).toBe(expected.requestMac);
      expect(sealer.isRequestMac(value, expected.requestMac)).toBe(true);
      expect(keyFingerprint(key)).toBe(expected.fingerprint);
    }
    expect(sealer.fingerprints).toEqual([keyFingerprint(key)]);
  });

  it('binds a version of a value with its number as a fourth prefixed part; rebinding keeps the token and needs the old binding', () => {
    const key = Fernet.generateKey();
    const sealer = new Sealer([key]);
    const row = { profileId: 'alice', name: 'apiKey' };
    for (const version of [1, 2, 10, 1234567890]) {
      const sealed = sealer.seal({ ...row, version }, 'v');
      expect(sealed.binding).toBe(runPython<{ binding: string }>(PYTHON, { key, ...row, version, token: sealed.token, value: '' }).binding);
      expect(sealer.open({ ...row, version }, sealed)).toBe('v');
      // Another version's slot, or the row alone, is another context.
      expect(() => sealer.open({ ...row, version: version + 1 }, sealed)).toThrow(UnsealError);
      expect(() => sealer.open(row, sealed)).toThrow(UnsealError);
    }
    // A value sealed before versions (bound to the row alone) becomes version 1 of the history.
    const legacy = sealer.seal(row, 'old');
    const rebound = sealer.rebind(row, { ...row, version: 1 }, legacy);
    expect(rebound.token).toBe(legacy.token);
    expect(sealer.open({ ...row, version: 1 }, rebound)).toBe('old');
    expect(() => sealer.rebind({ ...row, name: 'other' }, { ...row, version: 1 }, legacy)).toThrow(UnsealError);
  });

  it('refuses a token bound to its row that no key decrypts, as "cannot be decrypted", with the cause', () => {
    const key = Fernet.generateKey();
    const sealer = new Sealer([key]);
    const good = sealer.seal({ profileId: 'a', name: 'n' }, 'v').token;
    const damaged = `${good.slice(0, -6)}${good.slice(-6, -5) === 'A' ? 'B' : 'A'}${good.slice(-5)}`;
    const { binding } = runPython<{ binding: string }>(PYTHON, { key, profileId: 'a', name: 'n', token: damaged, value: '' });
    let error: unknown;
    try {
      sealer.open({ profileId: 'a', name: 'n' }, { token: damaged, binding });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsealError);
    expect(error).toMatchObject({ message: 'token cannot be decrypted', cause: expect.objectContaining({ name: 'InvalidToken' }) });
  });
});

describe('the sealer', () => {
  const key = Fernet.generateKey();

  it('needs a key, and refuses to seal once its list is too old, at the millisecond', () => {
    expect(() => new Sealer([])).toThrow(new Error('Sealer needs at least one key'));
    const until = Date.now() + 60_000;
    const sealer = new Sealer([key], { sealableUntil: until });
    expect(sealer.isStale(until)).toBe(false);
    expect(sealer.isStale(until + 1)).toBe(true);
    expect(new Sealer([key]).isStale(Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(new Sealer([key], { sealableUntil: 0 }).isStale()).toBe(true);
    const stale = new Sealer([key], { sealableUntil: Date.now() - 1 });
    let error: unknown;
    try {
      stale.seal({ profileId: 'a', name: 'n' }, 'v');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KeysTooOld);
    expect(error).toMatchObject({ name: 'KeysTooOld', message: 'the keys in hand are too old to seal with' });
  });

  it('says why it cannot open: another row\'s token, or one no key decrypts', () => {
    const sealer = new Sealer([key]);
    const sealed = sealer.seal({ profileId: 'a', name: 'n' }, 'v');
    expect(() => sealer.open({ profileId: 'b', name: 'n' }, sealed)).toThrow(new UnsealError('token is not bound to this secret'));
    const foreign = new Sealer([Fernet.generateKey()]).seal({ profileId: 'a', name: 'n' }, 'v');
    expect(() => sealer.open({ profileId: 'a', name: 'n' }, foreign)).toThrow(new UnsealError('token is not bound to this secret'));
    expect(new UnsealError('x').name).toBe('UnsealError');
  });

  it('names the key a token is under by its place in the list, whichever key seals', () => {
    const [k0, k1, k2] = [Fernet.generateKey(), Fernet.generateKey(), Fernet.generateKey()];
    const tokens = [k0, k1, k2].map((k) => new Fernet(k).encrypt('v'));
    for (const sealingKey of [0, 1, 2]) {
      const sealer = new Sealer([k0, k1, k2], { sealingKey });
      expect(tokens.map((t) => sealer.keyOf(t)), `sealing with ${sealingKey}`).toEqual([0, 1, 2]);
      expect(sealer.keyOf(new Fernet(Fernet.generateKey()).encrypt('v'))).toBe(-1);
    }
  });
});
