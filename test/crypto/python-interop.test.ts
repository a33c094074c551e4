// Interop with Python `cryptography` at test time, both directions, in one python3 run.
import { beforeAll, describe, expect, it } from 'vitest';
import { Fernet, MultiFernet } from '../../lib/crypto/fernet.js';
import { EDGE_PAYLOADS, NOW, hasPythonCryptography, type PythonVerdict, runPython, verdictOf } from './support.js';

const PYTHON_SIDE = `
import json, sys
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

def verdict(fernet, token):
    try:
        return {"verdict": "accept", "plaintext": fernet.decrypt(token).hex()}
    except InvalidToken:
        return {"verdict": "reject", "error": "InvalidToken"}
    except Exception as error:
        return {"verdict": "reject", "error": type(error).__name__}

def read(fernet, token):
    result = verdict(fernet, token)
    if result["verdict"] == "accept":
        result["timestamp"] = fernet.extract_timestamp(token)
    return result

request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
new, old = Fernet(request["key"]), Fernet(request["oldKey"])
fuzz = Fernet(request["fuzzKey"])
print(json.dumps({
    "readOurs": [read(new, token) for token in request["ourTokens"]],
    "readOursRotated": [read(new, token) for token in request["ourRotated"]],
    "oldKeyOnRotated": [verdict(old, token) for token in request["ourRotated"]],
    "theirTokens": [new.encrypt_at_time(bytes.fromhex(p["plaintext"]), p["now"]).decode() for p in request["toEncrypt"]],
    "theirRotated": [MultiFernet([new, old]).rotate(token).decode() for token in request["toRotate"]],
    "fuzz": [verdict(fuzz, token) for token in request["fuzz"]],
}))
`;

interface PythonAnswers {
  readOurs: Array<PythonVerdict & { timestamp?: number }>;
  readOursRotated: Array<PythonVerdict & { timestamp?: number }>;
  oldKeyOnRotated: PythonVerdict[];
  theirTokens: string[];
  theirRotated: string[];
  fuzz: PythonVerdict[];
}

const PAYLOADS: Array<[string, Buffer]> = [...EDGE_PAYLOADS, ['UTF-8 text', Buffer.from('héllo wörld ✓ 🔐', 'utf8')]];

const key = Fernet.generateKey();
const oldKey = Fernet.generateKey();
const fuzzKey = Fernet.generateKey();
const ours = new Fernet(key);
const oldFernet = new Fernet(oldKey);
const ourTokens = PAYLOADS.map(([, payload], index) => ours.encrypt(payload, { now: NOW + index }));
const oldTokens = PAYLOADS.map(([, payload], index) => oldFernet.encrypt(payload, { now: NOW - index }));
const ourRotated = oldTokens.map((token) => new MultiFernet([key, oldKey]).rotate(token));
const fuzzTokens = fuzzCases(new Fernet(fuzzKey), 1500);

/** Token strings mutated the ways base64 decoders disagree about, from a fixed seed. */
function fuzzCases(fernet: Fernet, count: number): string[] {
  const bases = [10, 20, 40, 100].map((size) => fernet.encrypt(Buffer.alloc(size, size)));
  const pieces = ['A', 'z', '0', '-', '_', '+', '/', '=', '==', ' ', '\n', '\r\n', '\t', '!', '*', '.', '%', '~', '\0', '\x7f', 'é', '€', '🔐', '\u2028'];
  let seed = 42;
  const random = (limit: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % limit;
  };
  const piece = () => pieces[random(pieces.length)]!;
  const cases: string[] = [];
  for (let i = 0; i < count; i++) {
    let token = bases[random(bases.length)]!;
    for (let edits = 1 + random(3); edits > 0; edits--) {
      const at = random(token.length + 1);
      switch (random(7)) {
        case 0:
          token = token.slice(0, at) + piece() + token.slice(at);
          break;
        case 1:
          token = token.slice(0, at) + token.slice(at + 1);
          break;
        case 2:
          token = token.slice(0, at) + piece() + token.slice(at + 1);
          break;
        case 3:
          token = token.slice(0, at);
          break;
        case 4:
          token += random(2) === 0 ? piece() : token.slice(at);
          break;
        case 5:
          token = token.replaceAll('-', '+').replaceAll('_', '/');
          break;
        default:
          token = token.slice(0, at) + '='.repeat(1 + random(3)) + token.slice(at);
      }
    }
    cases.push(token);
  }
  return cases;
}

describe.skipIf(!hasPythonCryptography)('interop with Python cryptography', () => {
  let python: PythonAnswers;

  beforeAll(() => {
    python = runPython<PythonAnswers>(PYTHON_SIDE, {
      key,
      oldKey,
      fuzzKey,
      ourTokens,
      ourRotated,
      toEncrypt: PAYLOADS.map(([, payload], index) => ({ plaintext: payload.toString('hex'), now: NOW + index })),
      toRotate: oldTokens,
      fuzz: fuzzTokens,
    });
  });

  it.each(PAYLOADS.map(([name], index) => [name, index] as const))('Python decrypts our token: %s', (_name, index) => {
    expect(python.readOurs[index]).toEqual({ verdict: 'accept', plaintext: PAYLOADS[index]![1].toString('hex'), timestamp: NOW + index });
  });

  it.each(PAYLOADS.map(([name], index) => [name, index] as const))('we decrypt Python\'s token: %s', (_name, index) => {
    const token = python.theirTokens[index]!;
    expect(ours.decrypt(token, { ttl: 60, now: NOW + index }).equals(PAYLOADS[index]![1])).toBe(true);
    expect(ours.extractTimestamp(token)).toBe(NOW + index);
  });

  it('Python reads our rotated tokens with the new key only, at their original timestamps', () => {
    PAYLOADS.forEach(([, payload], index) => {
      expect(python.readOursRotated[index]).toEqual({ verdict: 'accept', plaintext: payload.toString('hex'), timestamp: NOW - index });
      expect(python.oldKeyOnRotated[index]).toEqual({ verdict: 'reject', error: 'InvalidToken' });
    });
  });

  it('we read tokens Python rotated, at their original timestamps', () => {
    PAYLOADS.forEach(([, payload], index) => {
      const token = python.theirRotated[index]!;
      expect(ours.decrypt(token).equals(payload)).toBe(true);
      expect(ours.extractTimestamp(token)).toBe(NOW - index);
      expect(() => oldFernet.decrypt(token)).toThrow();
    });
  });

  it('accepts and rejects the same mutated tokens as Python', () => {
    const fuzzFernet = new Fernet(fuzzKey);
    const disagreements = fuzzTokens
      .map((token, index) => ({ token, python: python.fuzz[index]!, ours: verdictOf(() => fuzzFernet.decrypt(token)) }))
      .filter(({ python: theirs, ours: mine }) =>
        theirs.verdict === 'accept' ? JSON.stringify(mine) !== JSON.stringify(theirs) : mine.verdict !== 'reject');
    expect(disagreements).toEqual([]);
    const accepted = python.fuzz.filter((verdict) => verdict.verdict === 'accept').length;
    // The mutations should exercise both outcomes plenty.
    expect(accepted).toBeGreaterThan(200);
    expect(fuzzTokens.length - accepted).toBeGreaterThan(200);
  });
});
