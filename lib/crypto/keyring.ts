// The key list: comma-separated Fernet keys, primary first (new keys go in front).
// Checked once when loaded; errors name where the list came from and the entry's
// position, never the key text.
import { Fernet, InvalidKeyError, MultiFernet } from './fernet.js';

export class KeyConfigError extends Error {
  override readonly name = 'KeyConfigError';
}

/** The validated keys of a list read from `source` (e.g. "FERNET_KEYS"). */
export function parseKeys(value: string | undefined, source: string): string[] {
  if (value === undefined || value.trim() === '') throw new KeyConfigError(`${source} is not set: it must list at least one Fernet key.`);
  const keys = value.split(',').map((k) => k.trim());
  keys.forEach((key, index) => {
    try {
      new Fernet(key);
    } catch (error) {
      if (!(error instanceof InvalidKeyError)) throw error;
      throw new KeyConfigError(`${source} entry ${index + 1} of ${keys.length} is not a url-safe base64 32-byte Fernet key.`);
    }
  });
  return keys;
}

export function keyringFromEnv(env: NodeJS.ProcessEnv = process.env, variable = 'FERNET_KEYS'): MultiFernet {
  return new MultiFernet(parseKeys(env[variable], variable));
}
