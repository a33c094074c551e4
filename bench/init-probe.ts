// Imports a bundle in a fresh Node process, as a Lambda cold start does, and reports what its
// module initialisation cost. Used by the cold-start bench and the packaging test.
import { spawnSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { Fernet } from '../lib/crypto/fernet.js';
import { projectRoot } from '../infra/packaging.js';

const IMPORT_BUNDLE = join(projectRoot, 'bench/import-bundle.mjs');

/** What a Lambda function's environment holds at cold start (values are local placeholders). */
const LAMBDA_ENV = {
  TABLE_NAME: 'secret-store-bench-secrets',
  FERNET_KEYS: Fernet.generateKey(),
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

export interface InitSample {
  /** Wall time from the import's start until its module graph has evaluated. */
  ms: number;
  /** Null where the OS does not report them (not Linux). */
  stealMs: number | null;
  waitMs: number | null;
  /** Node's built-in modules and bindings the import loaded, in load order. */
  builtins: string[];
}

export function probeInit(bundle: string): InitSample {
  const result = spawnSync(process.execPath, [IMPORT_BUNDLE, bundle], {
    env: { PATH: process.env.PATH, ...LAMBDA_ENV },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`importing ${basename(bundle)} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as InitSample;
}
