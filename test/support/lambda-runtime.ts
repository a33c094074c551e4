// The packaged functions run as Lambda runs them: each function bundled with the esbuild options
// serverless.yml uses, imported by Node's own loader (not vitest's), once per warm instance, in
// Lambda's environment (no FERNET_KEYS, no IS_OFFLINE, credentials only from the environment),
// and invoked as `handler(event, context)`. A thrown error is reported as Lambda reports it.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { FUNCTIONS, type FunctionName } from '../../functions/index.js';
import { packagingOptions, projectRoot } from '../../infra/packaging.js';
import { lambdaContext } from '../../local/lambda-events.js';

/** Node's own loader (require of an ES module, Node 22+): vitest's module runner would transform the bundles itself. */
const nativeRequire = createRequire(import.meta.url) as (path: string) => { handler: LambdaHandler };

type LambdaHandler = (event: unknown, context: unknown) => Promise<unknown>;

/** What Lambda hands back: the payload, or the function error (errorType is the error's name). */
export type Invocation = { ok: true; payload: unknown } | { ok: false; errorType: string; errorMessage: string };

export interface Instance {
  name: FunctionName;
  invoke(event: unknown, remainingMs?: number): Promise<Invocation>;
}

export interface PackagedFunctions {
  /** A new warm instance of the function: a cold start (its module initialisation) in its own module graph. */
  start(name: FunctionName): Promise<Instance>;
  close(): void;
}

const timeoutSecondsOf = (name: FunctionName): number => {
  const fn = FUNCTIONS[name];
  return 'timeout' in fn ? fn.timeout : 10;
};

/** Variables Lambda sets that the tests must not inherit from a local run. */
const NOT_IN_LAMBDA = ['FERNET_KEYS', 'IS_OFFLINE', 'DYNAMODB_ENDPOINT', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE'];

/** Bundles every function as `serverless package` does, into a folder of its own. */
export async function packageFunctions(): Promise<PackagedFunctions> {
  const outdir = mkdtempSync(join(tmpdir(), 'secret-store-aws-mode-'));
  const names = Object.keys(FUNCTIONS) as FunctionName[];
  await build({
    ...packagingOptions(),
    entryPoints: Object.fromEntries(names.map((name) => [name, join(projectRoot, 'functions', name, 'handler.ts')])),
    outdir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  let started = 0;
  return {
    async start(name) {
      // A copy of the bundle is a module of its own: a second warm instance shares nothing with the first.
      const copy = join(outdir, `instance-${(started += 1)}`, `${name}.mjs`);
      mkdirSync(dirname(copy));
      copyFileSync(join(outdir, `${name}.mjs`), copy);
      const { handler } = nativeRequire(copy);
      return {
        name,
        // Lambda stops a function at its timeout: the declared one, or the provider's 10 s.
        async invoke(event, remainingMs = timeoutSecondsOf(name) * 1000) {
          const deadline = Date.now() + remainingMs;
          try {
            return { ok: true, payload: await handler(event, lambdaContext(() => deadline - Date.now())) };
          } catch (error) {
            return { ok: false, errorType: (error as Error).name, errorMessage: (error as Error).message };
          }
        },
      };
    },
    close: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** Makes this process's environment Lambda's for `functionEnv` (set before any instance starts). */
export function useLambdaEnvironment(functionEnv: Record<string, string>, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string }): void {
  for (const variable of NOT_IN_LAMBDA) delete process.env[variable];
  for (const variable of Object.keys(process.env)) if (variable.startsWith('AWS_ENDPOINT_URL')) delete process.env[variable];
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    ...functionEnv,
  });
}
