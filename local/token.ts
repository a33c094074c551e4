// Unsigned-but-well-formed JWTs for the local HTTP API: serverless-offline checks the
// issuer, audience and expiry of the token but (with ignoreJWTSignature) not its signature.
import { createHmac } from 'node:crypto';

export const LOCAL_ISSUER = 'http://localhost:3000/local-issuer';
export const LOCAL_AUDIENCE = 'secret-store-local';

export function localToken(profileId: string, options: { claim?: string; ttlSeconds?: number; claims?: Record<string, string> } = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'HS256', typ: 'JWT' };
  const payload = {
    iss: LOCAL_ISSUER,
    aud: LOCAL_AUDIENCE,
    [options.claim ?? 'sub']: profileId,
    ...options.claims,
    iat: now,
    exp: now + (options.ttlSeconds ?? 12 * 3600),
  };
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const unsigned = `${encode(header)}.${encode(payload)}`;
  // Signed with a throwaway key only so the token has the usual three parts.
  return `${unsigned}.${createHmac('sha256', 'local-only').update(unsigned).digest('base64url')}`;
}
