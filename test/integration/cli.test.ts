// The secret-store CLI's Smarter verbs (apply, get secrets, get secret, describe secret, delete
// secret), and value history and recoverable deletes (history, get --version, restore, rm --force,
// ls --deleted), run in-process by main() against the real handlers and the local DynamoDB: over HTTP
// (the global fetch handed to the harness) and by direct invocation (the Lambda SDK replaced by the
// harness's invoker). Masked output never holds a value; the old spellings keep working.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { LambdaLike } from '../../client/index.js';
import { runCli } from '../support/cli-runner.js';
import { harnessWires } from '../support/client-transports.js';
import { useHandlers } from '../support/harness.js';

const lambda = vi.hoisted(() => ({ send: undefined as undefined | ((command: unknown, options?: unknown) => Promise<unknown>) }));
vi.mock('@aws-sdk/client-lambda', () => ({
  LambdaClient: class {
    send(command: unknown, options?: unknown) {
      return lambda.send!(command, options);
    }
  },
  InvokeCommand: class {
    constructor(readonly input: unknown) {}
  },
}));

const harness = useHandlers();
const MARK = 'cli-mfv-41b9';
const folder = mkdtempSync(join(tmpdir(), 'cli-verbs-'));
let realFetch: typeof fetch;

beforeAll(() => {
  const wires = harnessWires(harness);
  realFetch = globalThis.fetch;
  globalThis.fetch = wires.fetch;
  lambda.send = (wires.lambda as LambdaLike).send.bind(wires.lambda) as typeof lambda.send;
});
afterAll(() => {
  globalThis.fetch = realFetch;
});

const over = {
  http: (profile: string) => ({ SECRET_STORE_ENDPOINT: 'https://api.test', SECRET_STORE_TOKEN: profile }),
  direct: (profile: string) => ({ SECRET_STORE_FUNCTION_PREFIX: 'secret-store-test-', SECRET_STORE_PROFILE: profile, SECRET_STORE_REGION: 'us-east-1' }),
};
type Over = keyof typeof over;

const cli = (args: string[], env: Record<string, string>, stdin = '') => runCli(args, env, stdin);

const manifest = (name: string, value: string, version = '1.0.0') =>
  `apiVersion: smarter.sh/v1\nkind: Secret\nmetadata:\n  name: ${name}\n  description: from the CLI\n  version: ${version}\n  tags: [cli]\n  annotations:\n    - owner: ops\nspec:\n  config:\n    value: ${value}\n`;
const file = (name: string, text: string) => {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
};

describe.each(Object.keys(over) as Over[])('the CLI over %s', (kind) => {
  const env = over[kind](`cli-${kind}`);
  const outputs: string[] = [];
  const run = async (args: string[], stdin?: string) => {
    const result = await cli(args, env, stdin);
    outputs.push(result.stdout + result.stderr);
    return result;
  };

  it('applies a manifest: created, unchanged, configured, the rename on stderr, never the value', async () => {
    const path = file(`${kind}.yaml`, manifest('Open AI Key', `${MARK}-1`));
    expect(await run(['apply', '-f', path])).toEqual({ code: 0, stdout: 'secret/open_ai_key created (revision 1)\n', stderr: 'renamed "Open AI Key" to open_ai_key, as Smarter slugs names\n' });
    expect((await run(['apply', '-f', path])).stdout).toBe('secret/open_ai_key unchanged (revision 1)\n');
    expect((await run(['apply', '-f', '-'], manifest('open_ai_key', `${MARK}-2`, '1.1.0'))).stdout).toBe('secret/open_ai_key configured (revision 2)\n');
    const asJson = JSON.parse((await run(['apply', '-f', '-', '--json'], manifest('open_ai_key', `${MARK}-2`, '1.1.0'))).stdout);
    expect(asJson).toMatchObject({ spec: { config: { value: '********' } }, status: { outcome: 'unchanged', revision: 2 } });
    expect((await cli(['get', 'open_ai_key'], env)).stdout).toBe(`${MARK}-2`);
  });

  it('refuses a malformed manifest as a ValidationError (exit 3) naming its paths', async () => {
    const refused = await run(['apply', '-f', '-'], `kind: Plugin\nspec:\n  config:\n    value: ${MARK}-bad\n`);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('ValidationError');
    expect(refused.stderr).toContain('  apiVersion: ');
    expect(refused.stderr).toContain('  metadata: is required');
    const broken = await run(['apply', '-f', '-'], `spec: [${MARK}-broken\n`);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toMatch(/body: is not valid YAML/);
  });

  it('gets secrets as a table or as masked manifests, one secret the same way, and a value only when asked', async () => {
    await run(['apply', '-f', '-'], manifest('second_key', `${MARK}-3`));
    // A secret literally named `secrets`: `get secrets` still lists, `get secret secrets` shows it.
    await run(['apply', '-f', '-'], manifest('secrets', `${MARK}-named-secrets`));
    const listed = await run(['get', 'secrets']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^NAME\s+DESCRIPTION\s+VERSION\s+TAGS\s+CREATED\s+MODIFIED\s+LAST ACCESSED\s+EXPIRES\n/);
    expect(listed.stdout.split('\n').slice(1, -1).map((line) => line.split(/\s+/)[0])).toEqual(['open_ai_key', 'second_key', 'secrets']);
    const manifests = parseYaml((await run(['get', 'secrets', '-o', 'yaml'])).stdout) as { metadata: { name: string }; spec: { config: { value: string } } }[];
    expect(manifests.map((m) => [m.metadata.name, m.spec.config.value])).toEqual([
      ['open_ai_key', '********'],
      ['second_key', '********'],
      ['secrets', '********'],
    ]);
    expect(JSON.parse((await run(['get', 'secrets', '--json', '--prefix', 'sec'])).stdout).map((m: { metadata: { name: string } }) => m.metadata.name)).toEqual(['second_key', 'secrets']);
    const one = await run(['get', 'secret', 'secrets']);
    expect(one.stdout.split('\n')[1]).toMatch(/^secrets\s+from the CLI\s+1\.0\.0\s+cli\s/);
    expect(JSON.parse((await run(['get', 'secret', 'second_key', '-o', 'json'])).stdout)).toMatchObject({ metadata: { name: 'second_key' }, spec: { config: { value: '********' } } });
    // The value: `get NAME` as ever, and `-o value` for any name, `secrets` and `secret` included.
    expect((await cli(['get', 'second_key'], env)).stdout).toBe(`${MARK}-3`);
    expect((await cli(['get', 'secret', 'secrets', '-o', 'value'], env)).stdout).toBe(`${MARK}-named-secrets`);
    expect((await run(['get', 'secret'])).code).toBe(2);
    expect((await run(['get', 'secrets', '-o', 'value'])).code).toBe(2);
    expect((await run(['get', 'plugin', 'second_key'])).code).toBe(2);
    expect((await run(['get', 'secret', 'absent'])).code).toBe(5);
  });

  it('describes secret NAME, and NAME as before', async () => {
    const described = await run(['describe', 'secret', 'second_key']);
    expect(described.code).toBe(0);
    expect(parseYaml(described.stdout)).toMatchObject({ kind: 'Secret', metadata: { name: 'second_key', annotations: [{ owner: 'ops' }] }, spec: { config: { value: '********' } }, status: { revision: 1 } });
    expect((await run(['describe', 'second_key'])).stdout).toBe(described.stdout);
    expect(JSON.parse((await run(['describe', 'secret', 'secrets', '-o', 'json'])).stdout).metadata.name).toBe('secrets');
    expect((await run(['describe', 'plugin', 'second_key'])).code).toBe(2);
    expect((await run(['describe', 'secret', 'absent'])).code).toBe(5);
  });

  it('deletes secret NAME', async () => {
    expect(await run(['delete', 'secret', 'secrets'])).toEqual({ code: 0, stdout: 'secret/secrets deleted\n', stderr: '' });
    expect((await run(['get', 'secret', 'secrets'])).code).toBe(5);
    expect((await run(['delete', 'secret', 'secrets'])).code).toBe(5);
    expect((await run(['delete', 'plugin', 'second_key'])).code).toBe(2);
    expect((await run(['delete', 'second_key'])).code).toBe(2);
  });

  // Needs the server's side of issue #20 (value history, the versions and restore functions).
  it('shows the history, reads and restores a version, deletes with recovery, restores, and deletes with --force', async () => {
    await run(['put', 'historyCli'], `${MARK}-h1`);
    expect((await run(['put', 'historyCli'], `${MARK}-h2`)).stderr).toBe('historyCli: revision 2\n');
    const history = await run(['history', 'historyCli']);
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/^VERSION\s+CREATED\s+CURRENT\s+DESTROYED\n2\s+\S+Z\s+yes\s+-\n1\s+\S+Z\s+-\s+-\n$/);
    expect(JSON.parse((await run(['history', 'historyCli', '--json'])).stdout).map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect((await cli(['get', 'historyCli', '--version', '1'], env)).stdout).toBe(`${MARK}-h1`);
    expect((await run(['get', 'historyCli', '--version', '7'])).code).toBe(5);
    expect((await run(['restore', 'historyCli', '--version', '1', '--if-match', '1'])).code).toBe(8);
    expect(await run(['restore', 'historyCli', '--version', '1', '--if-match', '2'])).toEqual({ code: 0, stdout: '', stderr: 'historyCli: version 1 restored as version 3 (revision 3)\n' });
    expect((await cli(['get', 'historyCli'], env)).stdout).toBe(`${MARK}-h1`);

    expect(await run(['rm', 'historyCli'])).toEqual({ code: 0, stdout: '', stderr: 'historyCli: deleted\n' });
    expect((await run(['get', 'historyCli'])).code).toBe(5);
    expect((await run(['history', 'historyCli'])).code).toBe(5);
    expect((await run(['ls', '--prefix', 'historyCli'])).stderr).toBe('no secrets\n');
    const deleted = await run(['ls', '--prefix', 'historyCli', '--deleted', 'only']);
    expect(deleted.stdout).toMatch(/\sDELETED\s+PURGES\nhistoryCli\s.*\s\d{4}-\S+Z\s+\d{4}-\S+Z\n$/);
    // The name is held for a restore.
    const put = await run(['put', 'historyCli'], `${MARK}-other`);
    expect(put.code).toBe(6);
    expect(put.stderr).toContain('restore historyCli brings it back');
    expect(await run(['restore', 'historyCli'])).toMatchObject({ code: 0, stdout: '' });
    expect((await cli(['get', 'historyCli'], env)).stdout).toBe(`${MARK}-h1`);

    expect((await run(['delete', 'secret', 'historyCli', '--force'])).stdout).toBe('secret/historyCli deleted\n');
    expect((await run(['restore', 'historyCli'])).code).toBe(5);
    expect((await run(['ls', '--prefix', 'historyCli', '--deleted', 'include'])).stderr).toBe('no secrets\n');
    await run(['put', 'historyCli'], `${MARK}-h4`);
    expect((await run(['rm', 'historyCli', '--force'])).code).toBe(0);
    expect((await run(['restore', 'historyCli'])).code).toBe(5);
  });

  it('printed no value anywhere but the value commands', () => {
    expect(outputs.length).toBeGreaterThan(20);
    for (const output of outputs) expect(output).not.toContain(MARK);
  });
});
