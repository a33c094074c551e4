// npm run bench: every benchmark, each in its own process and each against a baseline
// measured in the same run, then one table of all the ratios.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatRatios, type RatioRow } from './ratios.js';

const BENCHMARKS = [
  ['DynamoDB requests and capacity per operation, cost on paper', 'capacity.ts'],
  ['Warm overhead: the get path against bare UpdateItem', 'warm.ts'],
  ['Cold start: bundle size and init against a DocumentClient-only bundle', 'cold-start.ts'],
  ['Expiry sweep: items read against items due, and against a Scan', 'sweep.ts'],
  ['Fernet against Python cryptography', 'crypto.ts'],
  ['The client\'s cache: reads that reach the store, latency, price', 'client.ts'],
] as const;

const here = fileURLToPath(new URL('.', import.meta.url));
const ratiosFile = join(mkdtempSync(join(tmpdir(), 'secret-store-bench-')), 'ratios.jsonl');
const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
let failures = 0;

for (const [title, file] of BENCHMARKS) {
  console.log(`\n## ${title}\n`);
  const run = spawnSync(process.execPath, [tsx, join(here, file)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_RATIOS_FILE: ratiosFile },
  });
  if (run.status !== 0) {
    failures += 1;
    console.log(`(${file} failed with exit code ${run.status})`);
  }
}

const rows: RatioRow[] = existsSync(ratiosFile)
  ? readFileSync(ratiosFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as RatioRow)
  : [];
console.log('\n## All ratios\n');
console.log(formatRatios(rows));
process.exit(failures === 0 ? 0 : 1);
