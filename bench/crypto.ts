// Fernet encrypt+decrypt round trips per second, ours against Python `cryptography` in the same run.
// Python runs as one child process driven over stdin, so short measurement windows alternate between
// the two sides and both see the same machine. Shared machines stall in bursts (we saw 50 ms windows
// take seconds, on both sides alike), so each side reports its best window: its speed when it had
// the CPU. Windows are short so that many fit in the time budget and some miss the stalls.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { Fernet } from '../lib/crypto/fernet.js';
import { reportRatios, type RatioRow } from './ratios.js';

export interface CryptoBenchRow {
  name: string;
  /** Our round trips per second. */
  ours: number;
  /** Python's round trips per second; NaN when Python or `cryptography` is unavailable. */
  baseline: number;
  /** ours / baseline. */
  ratio: number;
  /** The ratio we aim for. */
  target: number;
}

const CASES = [
  { name: 'fernet encrypt+decrypt 64 B', bytes: 64, target: 2 },
  { name: 'fernet encrypt+decrypt 4 KiB', bytes: 4096, target: 1.5 },
] as const;
/** Rounds of one window per case and side, as many as fit in the time budget. */
const MAX_ROUNDS = 300;
const MIN_ROUNDS = 5;
/** For the whole run, Python's start and the warm-ups included. */
const TIME_BUDGET_SECONDS = 20;
const SECONDS_PER_WINDOW = 0.02;
/** Round trips between clock reads. */
const BATCH = 4;
const WARMUP_ROUND_TRIPS = 300;

// Same loop as ours: encrypt then decrypt, timed in batches, for at least the requested seconds.
const PYTHON_WORKER = `
import json, os, sys, time
try:
    import cryptography
    from cryptography.fernet import Fernet
except ImportError as error:
    print(json.dumps({"error": str(error)}), flush=True)
    sys.exit(0)
fernet = Fernet(Fernet.generate_key())
payloads = {}
print(json.dumps({"ready": cryptography.__version__}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    data = payloads.get(request["bytes"])
    if data is None:
        data = payloads[request["bytes"]] = os.urandom(request["bytes"])
        for _ in range(${WARMUP_ROUND_TRIPS}):
            fernet.decrypt(fernet.encrypt(data))
    count = 0
    start = time.perf_counter()
    while True:
        for _ in range(${BATCH}):
            fernet.decrypt(fernet.encrypt(data))
        count += ${BATCH}
        elapsed = time.perf_counter() - start
        if elapsed >= request["seconds"]:
            break
    print(json.dumps({"opsPerSecond": count / elapsed}), flush=True)
`;

function measureOurs(fernet: Fernet, data: Buffer, seconds: number): number {
  let bytesBack = 0;
  let count = 0;
  let elapsed: number;
  const start = performance.now();
  do {
    for (let i = 0; i < BATCH; i++) bytesBack += fernet.decrypt(fernet.encrypt(data)).length;
    count += BATCH;
    elapsed = (performance.now() - start) / 1000;
  } while (elapsed < seconds);
  if (bytesBack !== count * data.length) throw new Error('round trip lost bytes');
  return count / elapsed;
}

/** A Python `cryptography` worker, or undefined (with the reason printed) when there is none. */
class PythonWorker {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
  ) {}

  static async start(): Promise<PythonWorker | undefined> {
    const child = spawn(process.env.PYTHON ?? 'python3', ['-c', PYTHON_WORKER], { stdio: 'pipe' });
    const spawned = new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    if (!(await spawned)) {
      console.log('python3 not found: skipping the Python baseline');
      return undefined;
    }
    const worker = new PythonWorker(child, createInterface({ input: child.stdout })[Symbol.asyncIterator]());
    const hello = await worker.next();
    if (typeof hello.ready !== 'string') {
      console.log(`Python cryptography unavailable (${String(hello.error ?? 'no answer')}): skipping the Python baseline`);
      worker.stop();
      return undefined;
    }
    console.log(`baseline: Python ${process.env.PYTHON ?? 'python3'} with cryptography ${hello.ready}`);
    return worker;
  }

  async measure(bytes: number, seconds: number): Promise<number> {
    this.child.stdin.write(`${JSON.stringify({ bytes, seconds })}\n`);
    const answer = await this.next();
    if (typeof answer.opsPerSecond !== 'number') throw new Error('Python worker gave no measurement');
    return answer.opsPerSecond;
  }

  stop(): void {
    this.child.stdin.end();
  }

  private async next(): Promise<Record<string, unknown>> {
    const line = await this.lines.next();
    if (line.done === true) return {};
    return JSON.parse(line.value) as Record<string, unknown>;
  }
}

export async function runCryptoBench(): Promise<CryptoBenchRow[]> {
  const start = performance.now();
  const fernet = new Fernet(Fernet.generateKey());
  const python = await PythonWorker.start();
  const payloads = CASES.map(({ bytes }) => randomBytes(bytes));
  for (const data of payloads) {
    for (let i = 0; i < WARMUP_ROUND_TRIPS; i++) fernet.decrypt(fernet.encrypt(data));
  }
  const best = CASES.map(() => ({ ours: 0, baseline: python === undefined ? Number.NaN : 0 }));
  const withinBudget = (round: number) =>
    round < MIN_ROUNDS || (round < MAX_ROUNDS && performance.now() - start < TIME_BUDGET_SECONDS * 1000);
  try {
    for (let round = 0; withinBudget(round); round++) {
      for (const [index, benchCase] of CASES.entries()) {
        const result = best[index]!;
        result.ours = Math.max(result.ours, measureOurs(fernet, payloads[index]!, SECONDS_PER_WINDOW));
        if (python !== undefined) {
          result.baseline = Math.max(result.baseline, await python.measure(benchCase.bytes, SECONDS_PER_WINDOW));
        }
      }
    }
  } finally {
    python?.stop();
  }
  return CASES.map(({ name, target }, index) => {
    const { ours, baseline } = best[index]!;
    return { name, ours, baseline, ratio: ours / baseline, target };
  });
}

export function formatCryptoBench(rows: readonly CryptoBenchRow[]): string {
  const opsPerSecond = (value: number) => (Number.isNaN(value) ? 'n/a' : Math.round(value).toLocaleString('en-US'));
  const table = [
    ['case', 'ours ops/s', 'python ops/s', 'ratio', 'target'],
    ...rows.map((row) => [
      row.name,
      opsPerSecond(row.ours),
      opsPerSecond(row.baseline),
      Number.isNaN(row.ratio) ? 'n/a' : `${row.ratio.toFixed(2)}x`,
      `${row.target}x ${Number.isNaN(row.ratio) ? '' : row.ratio >= row.target ? 'met' : 'MISSED'}`.trim(),
    ]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((cells) => cells[column]!.length)));
  return table
    .map((cells) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '))
    .join('\n');
}

export function cryptoRatios(rows: readonly CryptoBenchRow[]): RatioRow[] {
  return rows.map((row) => ({
    benchmark: `${row.name} (speed-up)`,
    measured: `${Math.round(row.ours).toLocaleString('en-US')} ops/s`,
    baseline: `${Number.isNaN(row.baseline) ? 'n/a' : Math.round(row.baseline).toLocaleString('en-US')} ops/s (Python cryptography)`,
    ratio: row.ratio,
    target: { min: row.target },
  }));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`Fernet round trips (encrypt + decrypt) per second: best ${SECONDS_PER_WINDOW * 1000} ms window of each side, windows alternating for up to ~${TIME_BUDGET_SECONDS} s`);
  const rows = await runCryptoBench();
  console.log(formatCryptoBench(rows));
  reportRatios(cryptoRatios(rows));
}
