// serverless.yml's custom.esbuild read as the esbuild options serverless-esbuild passes on, for
// builds outside `serverless package` that must match it (the cold-start bench, the AWS-mode tests).
import type { BuildOptions } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

const ESBUILD_OPTIONS = ['bundle', 'minify', 'sourcemap', 'treeShaking', 'target', 'platform', 'format', 'mainFields', 'banner', 'alias'] as const;

export function packagingOptions(): BuildOptions {
  const yml = parse(readFileSync(join(projectRoot, 'serverless.yml'), 'utf8')) as { custom: { esbuild: Record<string, unknown> } };
  const options = Object.fromEntries(ESBUILD_OPTIONS.filter((k) => k in yml.custom.esbuild).map((k) => [k, yml.custom.esbuild[k]]));
  // serverless-esbuild builds from the service directory, where alias paths resolve.
  return { ...options, absWorkingDir: projectRoot } as BuildOptions;
}
