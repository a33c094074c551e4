// The packaged functions read credentials only from the environment (lib/aws/lambda-credentials.ts,
// swapped in for the SDK's default chain by serverless.yml's esbuild alias; the packaging test
// checks the artifacts).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MISSING_CREDENTIALS, defaultProvider } from '../../lib/aws/lambda-credentials.js';

afterEach(() => vi.unstubAllEnvs());

describe('Lambda credentials', () => {
  it("returns the execution role's credentials from the environment, as Lambda provides them", async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret-example');
    vi.stubEnv('AWS_SESSION_TOKEN', 'session-example');
    await expect(defaultProvider()()).resolves.toMatchObject({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret-example',
      sessionToken: 'session-example',
    });
  });

  it('says where it looks when the environment has none, and stops there', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '');
    const failure = await defaultProvider()().catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'CredentialsProviderError', message: MISSING_CREDENTIALS, tryNextLink: false });
  });
});
