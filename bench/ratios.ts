// The one table `npm run bench` ends with: every ratio against its baseline from the same run.
// Each benchmark runs in its own process (the functions read their store's address once, at
// cold start) and hands its ratios back through the file named by BENCH_RATIOS_FILE.
import { appendFileSync } from 'node:fs';

export interface RatioRow {
  benchmark: string;
  measured: string;
  baseline: string;
  ratio: number;
  /**
   * The highest acceptable ratio (lower is better), or the lowest for speed-ups (higher is
   * better); none for a ratio shown for information only.
   */
  target?: { max: number } | { min: number };
}

export function reportRatios(rows: readonly RatioRow[]): void {
  const file = process.env.BENCH_RATIOS_FILE;
  if (file) appendFileSync(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

const verdict = ({ ratio, target }: RatioRow): string => {
  if (!target) return 'info';
  return ('max' in target ? ratio <= target.max : ratio >= target.min) ? 'met' : 'missed';
};

export function formatRatios(rows: readonly RatioRow[]): string {
  return [
    '| benchmark | measured | baseline (same run) | ratio | target | |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const target = !r.target ? '' : 'max' in r.target ? `<= ${r.target.max}x` : `>= ${r.target.min}x`;
      return `| ${r.benchmark} | ${r.measured} | ${r.baseline} | ${r.ratio.toFixed(2)}x | ${target} | ${verdict(r)} |`;
    }),
  ].join('\n');
}
