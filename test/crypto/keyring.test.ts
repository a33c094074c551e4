import { describe, expect, it } from 'vitest';
import { Fernet, InvalidToken } from '../../lib/crypto/fernet.js';
import { ConfigError, keyringFromEnv, parseKeyring, parseKeys } from '../../lib/crypto/keyring.js';

const primary = Fernet.generateKey();
const secondary = Fernet.generateKey();

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).name).toBe('ConfigError');
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('keyringFromEnv', () => {
  it('fails naming FERNET_KEYS when it is missing', () => {
    expect(configError(() => keyringFromEnv({})).message).toContain('FERNET_KEYS');
  });

  it('fails naming FERNET_KEYS when it is empty or blank', () => {
    for (const value of ['', '   ', '\n']) {
      expect(configError(() => keyringFromEnv({ FERNET_KEYS: value })).message).toContain('FERNET_KEYS');
    }
  });

  it('names the malformed entry and its position, never the key text', () => {
    const damaged = primary.slice(0, 30) + '!' + primary.slice(31);
    const error = configError(() => keyringFromEnv({ FERNET_KEYS: `${secondary},${damaged}` }));
    expect(error.message).toBe('FERNET_KEYS entry 2 is not a url-safe base64 32-byte Fernet key');
    expect(error.message).not.toContain(damaged);
    expect(error.message).not.toContain(primary.slice(0, 10));
    expect(error.message).not.toContain(secondary.slice(0, 10));
    expect(error.cause).toBeUndefined();
  });

  it.each([
    ['a truncated key', primary.slice(0, -2)],
    ['a 31-byte key', Buffer.alloc(31, 1).toString('base64url') + '='],
    ['a hex key', Buffer.alloc(32, 1).toString('hex')],
    ['words', 'correct horse battery staple'],
  ])('rejects %s', (_name, entry) => {
    const error = configError(() => keyringFromEnv({ FERNET_KEYS: entry }));
    expect(error.message).toContain('FERNET_KEYS entry 1');
    expect(error.message).not.toContain(entry);
  });

  it('treats an empty entry as malformed', () => {
    expect(configError(() => keyringFromEnv({ FERNET_KEYS: `${primary},,${secondary}` })).message).toBe('FERNET_KEYS entry 2 is empty');
    expect(configError(() => keyringFromEnv({ FERNET_KEYS: `${primary},` })).message).toBe('FERNET_KEYS entry 2 is empty');
  });

  it('puts the first key first: it encrypts, the others only decrypt', () => {
    const keyring = keyringFromEnv({ FERNET_KEYS: ` ${primary} ,\n${secondary} ` });
    const token = keyring.encrypt('value');
    expect(new Fernet(primary).decrypt(token).toString()).toBe('value');
    expect(() => new Fernet(secondary).decrypt(token)).toThrow(InvalidToken);
    expect(keyring.isPrimary(token)).toBe(true);

    const old = new Fernet(secondary).encrypt('older');
    expect(keyring.decryptWithKeyIndex(old)).toEqual({ plaintext: Buffer.from('older'), keyIndex: 1 });
    expect(keyring.isPrimary(old)).toBe(false);
  });

  it('reads another variable when asked', () => {
    expect(configError(() => keyringFromEnv({ FERNET_KEYS: primary }, 'OTHER_KEYS')).message).toContain('OTHER_KEYS');
    expect(keyringFromEnv({ OTHER_KEYS: primary }, 'OTHER_KEYS').decrypt(new Fernet(primary).encrypt('x')).toString()).toBe('x');
  });

  it('reads process.env by default', () => {
    const saved = process.env.FERNET_KEYS;
    process.env.FERNET_KEYS = primary;
    try {
      expect(keyringFromEnv().isPrimary(new Fernet(primary).encrypt('x'))).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.FERNET_KEYS;
      else process.env.FERNET_KEYS = saved;
    }
  });
});

describe('parseKeyring and parseKeys', () => {
  it('name the source they were given, e.g. an SSM parameter', () => {
    const source = 'SSM parameter /secret-store/dev/fernet-keys';
    expect(configError(() => parseKeyring(`${primary},nope`, source)).message).toBe(`${source} entry 2 is not a url-safe base64 32-byte Fernet key`);
    expect(configError(() => parseKeys(undefined, source)).message).toContain(source);
  });

  it('return the trimmed keys in order', () => {
    expect(parseKeys(`  ${primary}\t,${secondary}\n`, 'FERNET_KEYS')).toEqual([primary, secondary]);
    const keyring = parseKeyring(`${secondary},${primary}`, 'FERNET_KEYS');
    expect(keyring.isPrimary(new Fernet(secondary).encrypt('x'))).toBe(true);
  });
});
