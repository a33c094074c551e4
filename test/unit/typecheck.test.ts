// The project type-checks: `npm test` fails on what `npm run typecheck` would find (a type error
// in a test or a script runs fine under tsx, which only strips types). It also enforces the
// compile-time checks some tests make, such as the client's shapes matching the server's.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

it('type-checks (tsc --noEmit)', async () => {
  const tsc = new URL('../../node_modules/typescript/bin/tsc', import.meta.url).pathname;
  const result = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', 'tsconfig.json'], { maxBuffer: 16 << 20 }).catch(
    (error: { stdout?: string; code?: number }) => error,
  );
  expect('code' in result ? result.stdout : '').toBe('');
}, 120_000);
