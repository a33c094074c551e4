// Cold start: each function bundled exactly as serverless.yml bundles it (custom.esbuild),
// against a floor bundle built in the same run that only creates the DynamoDB
// DocumentClient. Size in bytes; init = importing the bundle in a fresh Node process,
// median of COLD_START_RUNS (default 15) processes, functions and floor interleaved.
import { build, type BuildOptions } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { TEST_KEYS } from '../test/support/store.js';
import { reportRatios, type RatioRow } from './ratios.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.COLD_START_RUNS ?? 15);
export const COLD_START_TARGET = 1.15;

const FLOOR_SOURCE = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
export const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
export const handler = async () => client;
`;

/** The esbuild options serverless-esbuild receives from serverless.yml. */
function packagingOptions(): BuildOptions {
  const yml = parse(readFileSync(join(root, 'serverless.yml'), 'utf8')) as { custom: { esbuild: Record<string, unknown> } };
  const { bundle, minify, sourcemap, treeShaking, target, platform, format, mainFields, banner } = yml.custom.esbuild;
  return { bundle, minify, sourcemap, treeShaking, target, platform, format, mainFields, banner } as BuildOptions;
}

// What a Lambda function's environment holds at cold start (values are local placeholders).
const LAMBDA_ENV = {
  TABLE_NAME: 'secret-store-bench-secrets',
  FERNET_KEYS: TEST_KEYS[0]!,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

/** Milliseconds from process start of the import until the module graph has evaluated. */
function initTime(bundle: string): number {
  const probe = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(bundle).href)}); process.stdout.write(String(performance.now() - t));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    env: { PATH: process.env.PATH, ...LAMBDA_ENV },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`importing ${basename(bundle)} failed:\n${result.stderr}`);
  return Number(result.stdout);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export interface ColdStartRow {
  bundle: string;
  bytes: number;
  initMs: number;
  sizeRatio: number;
  initRatio: number;
}

export async function runColdStartBench(): Promise<ColdStartRow[]> {
  const outdir = mkdtempSync(join(tmpdir(), 'secret-store-cold-'));
  const floorEntry = join(outdir, 'floor.ts');
  writeFileSync(floorEntry, FLOOR_SOURCE);
  const functions = readdirSync(join(root, 'functions')).filter((f) => f.endsWith('.ts')).sort();
  await build({
    ...packagingOptions(),
    entryPoints: Object.fromEntries([
      ['floor', floorEntry],
      ...functions.map((f) => [basename(f, '.ts'), join(root, 'functions', f)]),
    ]),
    // The floor lives outside the project; resolve its packages from the project's node_modules.
    nodePaths: [join(root, 'node_modules')],
    outdir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  const bundles = ['floor', ...functions.map((f) => basename(f, '.ts'))];
  const times = new Map(bundles.map((b) => [b, [] as number[]]));
  const file = (b: string) => join(outdir, `${b}.mjs`);
  for (let run = 0; run < RUNS; run += 1) {
    for (const b of bundles) times.get(b)!.push(initTime(file(b)));
  }
  const floorBytes = statSync(file('floor')).size;
  const floorInit = median(times.get('floor')!);
  return bundles.map((b) => {
    const bytes = statSync(file(b)).size;
    const initMs = median(times.get(b)!);
    return { bundle: b, bytes, initMs, sizeRatio: bytes / floorBytes, initRatio: initMs / floorInit };
  });
}

export function formatColdStartBench(rows: readonly ColdStartRow[]): string {
  const mark = (ratio: number) => (ratio <= COLD_START_TARGET ? 'ok' : 'over');
  return [
    `| bundle | bytes | size ratio | init ms (median of ${RUNS}) | init ratio | target ${COLD_START_TARGET}x |`,
    '|---|---|---|---|---|---|',
    ...rows.map((r) =>
      r.bundle === 'floor'
        ? `| floor (DocumentClient only) | ${r.bytes} | 1.00x | ${r.initMs.toFixed(1)} | 1.00x | baseline |`
        : `| ${r.bundle} | ${r.bytes} | ${r.sizeRatio.toFixed(2)}x | ${r.initMs.toFixed(1)} | ${r.initRatio.toFixed(2)}x | size ${mark(r.sizeRatio)}, init ${mark(r.initRatio)} |`,
    ),
  ].join('\n');
}

export function coldStartRatios(rows: readonly ColdStartRow[]): RatioRow[] {
  const floor = rows.find((r) => r.bundle === 'floor')!;
  return rows
    .filter((r) => r !== floor)
    .flatMap((r) => [
      {
        benchmark: `cold start: ${r.bundle} bundle size`,
        measured: `${(r.bytes / 1024).toFixed(0)} KiB`,
        baseline: `${(floor.bytes / 1024).toFixed(0)} KiB (DocumentClient only)`,
        ratio: r.sizeRatio,
        target: { max: COLD_START_TARGET },
      },
      {
        benchmark: `cold start: ${r.bundle} init`,
        measured: `${r.initMs.toFixed(1)} ms`,
        baseline: `${floor.initMs.toFixed(1)} ms`,
        ratio: r.initRatio,
        target: { max: COLD_START_TARGET },
      },
    ]);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await runColdStartBench();
  console.log(formatColdStartBench(rows));
  reportRatios(coldStartRatios(rows));
}
