// The Fernet key list: comma-separated keys, primary (newest) first, from FERNET_KEYS or an SSM
// parameter. It is checked once when loaded so a bad key fails fast; errors name the source and the
// entry's position, never key text.
import { ConfigError } from '../config.js';
import { Fernet, InvalidKeyError, MultiFernet } from './fernet.js';

export { ConfigError };

/** The keys listed in `value`, trimmed and validated, primary first. `sourceName` is for messages. */
export function parseKeys(value: string | undefined, sourceName: string): string[] {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(`${sourceName} is not set: it must list at least one Fernet key, primary first`);
  }
  return value.split(',').map((entry, index) => {
    const key = entry.trim();
    const position = `${sourceName} entry ${index + 1}`;
    if (key === '') throw new ConfigError(`${position} is empty`);
    try {
      new Fernet(key);
    } catch (error) {
      // Stryker disable next-line ConditionalExpression: equivalent; the Fernet constructor throws nothing but InvalidKeyError
      if (error instanceof InvalidKeyError) throw new ConfigError(`${position} is not a url-safe base64 32-byte Fernet key`);
      throw error;
    }
    return key;
  });
}

/** The keyring in `value`: encrypts with its first key, decrypts with any. */
export function parseKeyring(value: string | undefined, sourceName: string): MultiFernet {
  return new MultiFernet(parseKeys(value, sourceName));
}

export function keyringFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  variable = 'FERNET_KEYS',
): MultiFernet {
  return parseKeyring(env[variable], variable);
}
