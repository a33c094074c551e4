import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Fernet } from '../lib/crypto/fernet.js';

/** The development key, generated on first use and kept (mode 600) across restarts. */
export function developmentKey(path: string): { key: string; created: boolean } {
  if (existsSync(path)) return { key: readFileSync(path, 'utf8').trim(), created: false };
  mkdirSync(dirname(path), { recursive: true });
  const key = Fernet.generateKey();
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  return { key, created: true };
}
