// The one table `npm run bench` ends with: every ratio against its baseline from the same run.
// Each benchmark runs in its own process (the functions read their store's address once, at
// cold start) and hands its ratios back through the file named by BENCH_RATIOS_FILE.
import { appendFileSync } from 'node:fs';

export interface RatioRow {
  benchmark: string;
  measured: string;
  baseline: string;
  ratio: number;
  /** The highest acceptable ratio (lower is better), or the lowest for speed-ups (higher is better). */
  target: { max: number } | { min: number };
}

export function reportRatios(rows: readonly RatioRow[]): void {
  const file = process.env.BENCH_RATIOS_FILE;
  if (file) appendFileSync(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

const meets = (row: RatioRow): boolean => ('max' in row.target ? row.ratio <= row.target.max : row.ratio >= row.target.min);

export function formatRatios(rows: readonly RatioRow[]): string {
  return [
    '| benchmark | measured | baseline (same run) | ratio | target | |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const target = 'max' in r.target ? `<= ${r.target.max}x` : `>= ${r.target.min}x`;
      return `| ${r.benchmark} | ${r.measured} | ${r.baseline} | ${r.ratio.toFixed(2)}x | ${target} | ${meets(r) ? 'met' : 'missed'} |`;
    }),
  ].join('\n');
}
