import type { Secret } from '../store/secret-item.js';
import type { Outcome } from './invocation.js';

/** A secret answer; the ETag is its revision, for If-Match on the next PATCH. */
export const secretResponse = (secret: Secret, status = 200, headers: Record<string, string> = {}): Outcome => ({
  status,
  body: secret,
  headers: { ETag: `"${secret.revision}"`, ...headers },
});
