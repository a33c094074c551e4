import { ValidationError } from '../../lib/domain/errors.js';
import type { Invocation } from '../../lib/lambda/invocation.js';
import { secretFunction } from '../../lib/lambda/secret-function.js';
import { appliedManifest, inManifestTerms, secretFromManifest } from '../../lib/manifest/secret-manifest.js';
import config from './config.js';

/** The manifest: YAML text, or (a JSON body, a direct payload) the object itself. */
function manifestRequest({ input, text, headers }: Invocation) {
  // An apply makes the secret what the manifest says, whatever its revision.
  if ('if-match' in headers) throw new ValidationError([{ path: 'If-Match', message: 'is not taken by apply' }]);
  return text ?? input;
}

export const handler = secretFunction(config, manifestRequest, async ({ profileId, input }, { secrets }) => {
  // The yaml package loads with the first YAML body, not at every cold start.
  const manifest = typeof input === 'string' ? (await import('../../lib/manifest/yaml-text.js')).parseManifestText(input) : input;
  const { secret: wanted, renamed } = secretFromManifest(manifest);
  const { secret, outcome } = await secrets.apply(profileId, wanted).catch((error: unknown) => {
    throw error instanceof ValidationError ? inManifestTerms(error) : error;
  });
  return {
    status: outcome === 'created' ? 201 : 200,
    body: appliedManifest(secret, outcome, renamed),
    headers: { ETag: `"${secret.revision}"`, ...(outcome === 'created' && { Location: `/secrets/${secret.name}` }) },
  };
});
