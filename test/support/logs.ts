// Log capture: Powertools Logger writes through a Console bound to process.stdout/stderr,
// which looks `write` up on every call, so replacing `write` catches every line.

export interface LogCapture {
  text(): string;
  lines(): string[];
  restore(): void;
}

export function captureLogs(): LogCapture {
  const chunks: string[] = [];
  const record = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
  };
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  const swallow = ((chunk: unknown, ...rest: unknown[]) => {
    record(chunk);
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = swallow;
  process.stderr.write = swallow;
  // console (vitest's own, or the global one Powertools uses under POWERTOOLS_DEV) is recorded too.
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
  const originals = methods.map((m) => [m, console[m]] as const);
  for (const [m, original] of originals) {
    console[m] = (...args: unknown[]) => {
      record(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      if (m !== 'debug' && m !== 'trace') original.apply(console, args as []);
    };
  }
  return {
    text: () => chunks.join('\n'),
    lines: () => chunks.join('').split('\n').filter(Boolean),
    restore() {
      process.stdout.write = stdoutWrite;
      process.stderr.write = stderrWrite;
      for (const [m, original] of originals) console[m] = original;
    },
  };
}
