// Runs the `secret-store` CLI in process (client/cli.ts `main`) with strings for stdin, stdout and
// stderr, and an environment of its own: no config file of the developer's is read.
import { Readable, Writable } from 'node:stream';
import { main } from '../../client/cli.js';

export async function runCli(args: string[], env: Record<string, string>, stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const code = await main(args, {
    stdin: Readable.from([stdin]),
    stdout: sink((t) => (stdout += t)),
    stderr: sink((t) => (stderr += t)),
    env: { SECRET_STORE_CONFIG: '/nonexistent/secret-store-config.json', ...env },
  });
  return { code, stdout, stderr };
}
