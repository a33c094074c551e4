// Fernet against the spec's vectors and the Python-generated fixture: known answers and Python's verdicts on tokens.
import { describe, expect, it } from 'vitest';
import { Fernet } from '../../lib/crypto/fernet.js';
import { SPEC_KEY, SPEC_TIME, SPEC_TOKEN, vectors, verdictOf } from './support.js';

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
