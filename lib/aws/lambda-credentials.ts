// What the Lambda bundles get in place of @aws-sdk/credential-provider-node (esbuild `alias` in
// serverless.yml): credentials from the environment only, where Lambda puts them; tests and
// scripts, unbundled, keep the SDK's full chain. docs/DESIGN.md, "Packaging".
import { fromEnv, type FromEnvInit } from '@aws-sdk/credential-provider-env';
import { CredentialsProviderError } from '@smithy/core/config';

export const MISSING_CREDENTIALS =
  'No AWS credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. The packaged functions read credentials only ' +
  'from the environment, as Lambda provides them; to run a bundle elsewhere against AWS, export them first ' +
  '(aws configure export-credentials --format env prints them).';

/** Same name and signature as the chain it replaces, which client runtime configs import. */
export function defaultProvider(init?: FromEnvInit) {
  const fromEnvironment = fromEnv(init);
  return async () => {
    try {
      return await fromEnvironment();
    } catch {
      throw new CredentialsProviderError(MISSING_CREDENTIALS, { logger: init?.logger, tryNextLink: false });
    }
  };
}
