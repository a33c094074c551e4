// End to end, as a newcomer runs it: `npm start` (dynalite + serverless-offline), then
// the HTTP API on :3000 and the Lambda invoke endpoint on :3002, exactly as README.md shows.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../functions/index.js';
import { localToken } from '../../local/token.js';
import { checkResponse } from '../support/openapi.js';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretExpired, SecretNotFound, SecretStore, type SecretStoreOptions } from '../../client/index.js';

const HTTP = 'http://localhost:3000';
const RECOVERY_SECONDS = 8;
const INVOKE = 'http://localhost:3002';
let server: ChildProcess;
let output = '';

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (server.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`npm start did not come up in time:\n${output}`);
}

beforeAll(async () => {
  server = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/start.ts'], {
    // A fresh data folder: the test must not depend on, or disturb, a developer's .local.
    // A recovery window of under 9 s (RECOVERY_DAYS takes fractions), so a purge can be watched.
    env: { ...process.env, LOCAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'secret-store-e2e-')), RECOVERY_DAYS: String(RECOVERY_SECONDS / 86_400) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  server.stdout!.on('data', (chunk) => (output += chunk));
  server.stderr!.on('data', (chunk) => (output += chunk));
  await waitFor(async () => output.includes('Server ready') && (await fetch(`${HTTP}/secrets`)).status === 401, 580_000);
}, 600_000);

// Ctrl-C must stop everything, even with stream records still on their way to the publisher.
afterAll(async () => {
  if (server?.pid && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    process.kill(-server.pid, 'SIGINT');
    const stopped = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 25_000))]);
    if (!stopped) {
      process.kill(-server.pid, 'SIGKILL');
      throw new Error(`npm start did not stop within 25 s of Ctrl-C:\n${output.slice(-2_000)}`);
    }
  }
}, 40_000);

const request = (path: string, init: RequestInit & { profile?: string } = {}) =>
  fetch(`${HTTP}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${localToken(init.profile ?? 'alice')}`,
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
      ...(init.headers as Record<string, string>),
    },
  });

const invoke = (op: string, payload: unknown) =>
  fetch(`${INVOKE}/2015-03-31/functions/secret-store-dev-${op}/invocations`, {
    method: 'POST',
    body: JSON.stringify(payload),
  });

/** A request with its headers exactly as given, repeats included (fetch would merge them). */
function rawRequest(port: number, path: string, headers: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    // Given as raw pairs, the headers are sent as they are: Host included.
    const req = httpRequest({ host: '127.0.0.1', port, method: 'GET', path, headers: ['host', `localhost:${port}`, ...headers] }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('npm start', () => {
  it('serves create, get, list and expire over HTTP', async () => {
    const created = await request('/secrets', { method: 'POST', body: JSON.stringify({ name: 'e2eKey', value: 'e2e-plaintext-1', tags: ['e2e'] }) });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/secrets/e2eKey');
    expect(await created.text()).not.toContain('e2e-plaintext-1');

    const read = await request('/secrets/e2eKey');
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ name: 'e2eKey', value: 'e2e-plaintext-1' });

    const list = await request('/secrets?tag=e2e');
    const page = (await list.json()) as { items: { name: string }[]; nextCursor: string | null };
    expect(page.items.map((s) => s.name)).toEqual(['e2eKey']);

    // The table's stream drives the publisher, which logs each audit event under npm start.
    if (output.includes('DynamoDB Local listening')) {
      await waitFor(async () => /"message":"audit event".*"event":"secret\.accessed".*"name":"e2eKey"/.test(output), 30_000);
      expect(output).toMatch(/"message":"audit event".*"event":"secret\.created".*"name":"e2eKey"/);
      expect(output).not.toContain('e2e-plaintext-1');
    } else {
      expect(output).toContain('dynalite listening');
    }

    const expired = await request('/secrets/e2eKey/expire', { method: 'POST' });
    expect(expired.status).toBe(200);
    const gone = await request('/secrets/e2eKey');
    expect(gone.status).toBe(410);
    expect(gone.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers 401 without a token and 404 for another profile', async () => {
    expect((await fetch(`${HTTP}/secrets`)).status).toBe(401);
    await request('/secrets', { method: 'POST', body: JSON.stringify({ name: 'private', value: 'e2e-private' }) });
    expect((await request('/secrets/private', { profile: 'bob' })).status).toBe(404);
  });

  it('answers a repeated request with the same Idempotency-Key as the first, and another request under it with 422', async () => {
    const send = (body: unknown) =>
      request('/secrets', { method: 'POST', headers: { 'idempotency-key': 'e2e-key-1' }, body: JSON.stringify(body) });
    const first = await send({ name: 'e2eOnce', value: 'e2e-once' });
    expect(first.status).toBe(201);
    const again = await send({ name: 'e2eOnce', value: 'e2e-once' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(await first.json());
    const other = await send({ name: 'e2eOnce', value: 'e2e-other' });
    expect(other.status).toBe(422);
    expect(((await other.json()) as { code: string }).code).toBe('IdempotencyKeyReused');
  });

  it('answers direct invocations with the HTTP body, and errors named by code', async () => {
    const created = await invoke('create', { userProfileId: 'carol', name: 'direct', value: 'e2e-direct' });
    expect(created.status).toBe(200);
    const read = (await (await invoke('get', { userProfileId: 'carol', name: 'direct' })).json()) as { value: string };
    expect(read.value).toBe('e2e-direct');

    const missing = await invoke('get', { userProfileId: 'carol', name: 'absent' });
    const error = (await missing.json()) as { errorMessage: string; trace?: string[]; errorType: string };
    // serverless-offline reports every errorType as "Error"; the name leads the first trace line.
    expect(error.trace?.[0]).toMatch(/^SecretNotFound: /);
  });

  it('stays up when an asynchronous invoke fails, logging the error but not the payload', async () => {
    const failing = await fetch(`${INVOKE}/2015-03-31/functions/secret-store-dev-get/invocations`, {
      method: 'POST',
      headers: { 'x-amz-invocation-type': 'Event' },
      body: JSON.stringify({ userProfileId: 'carol', name: 'absent', value: 'e2e-async-marker' }),
    });
    expect(failing.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(server.exitCode).toBeNull();
    expect((await fetch(`${HTTP}/secrets`)).status).toBe(401);
    expect((await invoke('get', { userProfileId: 'carol', name: 'direct' })).status).toBe(200);
    expect(output).not.toContain('e2e-async-marker');
  });

  it('refuses an invoke payload that is not JSON, without logging any of it', async () => {
    const response = await fetch(`${INVOKE}/2015-03-31/functions/secret-store-dev-get/invocations`, {
      method: 'POST',
      body: '{"userProfileId":"carol","name":"direct","value":"e2e-malformed-marker" oops',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ Type: 'User', message: 'Could not parse request body into json' });
    expect(output).not.toContain('e2e-malformed');
  });

  it('answers 401 to a request with two Authorization headers', async () => {
    const headers = ['authorization', `Bearer ${localToken('alice')}`, 'authorization', `Bearer ${localToken('bob')}`];
    expect(await rawRequest(3000, '/secrets', headers)).toBe(401);
    expect(await rawRequest(3000, '/secrets', headers.slice(0, 2))).toBe(200);
  });
});

describe('value history and recoverable deletes under npm start', () => {
  const json = async (response: Response) => (await response.json()) as Record<string, unknown>;
  const patch = (name: string, body: unknown, profile?: string) => request(`/secrets/${name}`, { method: 'PATCH', body: JSON.stringify(body), ...(profile && { profile }) });

  it('keeps earlier values to read and restore, and nothing of them shows to another profile', async () => {
    await request('/secrets', { method: 'POST', body: JSON.stringify({ name: 'historyE2e', value: 'e2e-history-v1' }) });
    await patch('historyE2e', { value: 'e2e-history-v2' });
    expect(await json(await patch('historyE2e', { value: 'e2e-history-v3' }))).toMatchObject({ valueVersion: 3, revision: 3 });
    expect(await json(await request('/secrets/historyE2e?version=1'))).toMatchObject({ value: 'e2e-history-v1', valueVersion: 1 });
    const versions = (await json(await request('/secrets/historyE2e/versions'))).items as { version: number; current: boolean; destroyed: boolean }[];
    expect(versions.map((v) => [v.version, v.current, v.destroyed])).toEqual([[3, true, false], [2, false, false], [1, false, false]]);
    expect(await json(await patch('historyE2e', { restoreVersion: 1 }))).toMatchObject({ valueVersion: 4, revision: 4 });
    expect(await json(await request('/secrets/historyE2e'))).toMatchObject({ value: 'e2e-history-v1', valueVersion: 4 });
    expect((await request('/secrets/historyE2e?version=9')).status).toBe(404);
    // Another profile: every route answers as for a name nobody has.
    for (const [path, method] of [['/secrets/historyE2e', 'GET'], ['/secrets/historyE2e?version=1', 'GET'], ['/secrets/historyE2e/versions', 'GET'], ['/secrets/historyE2e/restore', 'POST'], ['/secrets/historyE2e', 'DELETE']] as const) {
      const response = await request(path, { method, profile: 'mallory' });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(await response.text()).not.toContain('e2e-history');
    }
    expect((await patch('historyE2e', { restoreVersion: 1 }, 'mallory')).status).toBe(404);
  });

  it('deletes with a recovery window: listed when asked, restored as it was, purged by the sweep once it ends', async () => {
    await request('/secrets', { method: 'POST', body: JSON.stringify({ name: 'deletedE2e', value: 'e2e-deleted-v1' }) });
    await patch('deletedE2e', { value: 'e2e-deleted-v2' });
    expect((await request('/secrets/deletedE2e', { method: 'DELETE' })).status).toBe(204);
    expect((await request('/secrets/deletedE2e')).status).toBe(404);
    const listed = (await json(await request('/secrets?deleted=only'))).items as Record<string, unknown>[];
    expect(listed.find((s) => s.name === 'deletedE2e')).toMatchObject({ deletedAt: expect.any(String), purgesAt: expect.any(String) });
    expect((await request('/secrets?deleted=only', { profile: 'mallory' }).then(json)).items).toEqual([]);
    expect((await request('/secrets/deletedE2e/restore', { method: 'POST', profile: 'mallory' })).status).toBe(404);
    expect(await json(await request('/secrets/deletedE2e/restore', { method: 'POST' }))).toMatchObject({ deletedAt: null, valueVersion: 2 });
    expect(await json(await request('/secrets/deletedE2e?version=1'))).toMatchObject({ value: 'e2e-deleted-v1' });
    // Deleted again, and left past its window: no restore, and the sweep removes it.
    await request('/secrets/deletedE2e', { method: 'DELETE' });
    expect((await request('/secrets', { method: 'POST', body: JSON.stringify({ name: 'deletedE2e', value: 'x' }) })).status).toBe(409);
    await new Promise((r) => setTimeout(r, (RECOVERY_SECONDS + 1) * 1000));
    expect((await request('/secrets/deletedE2e/restore', { method: 'POST' })).status).toBe(404);
    expect(((await invoke('sweep', {}).then(json)) as { expired: number }).expired).toBeGreaterThanOrEqual(1);
    expect(((await json(await request('/secrets?deleted=include'))).items as { name: string }[]).map((s) => s.name)).not.toContain('deletedE2e');
    expect((await request('/secrets', { method: 'POST', body: JSON.stringify({ name: 'deletedE2e', value: 'e2e-deleted-v3' }) })).status).toBe(201);
  }, 60_000);

  it('destroys every version of an expired secret when the sweep runs', async () => {
    await request('/secrets', { method: 'POST', body: JSON.stringify({ name: 'expiringE2e', value: 'e2e-expiring-v1' }) });
    await patch('expiringE2e', { value: 'e2e-expiring-v2' });
    await request('/secrets/expiringE2e/expire', { method: 'POST' });
    await invoke('sweep', {});
    const versions = (await json(await request('/secrets/expiringE2e/versions'))).items as { destroyed: boolean }[];
    expect(versions.map((v) => v.destroyed)).toEqual([true, true]);
    expect((await request('/secrets/expiringE2e?version=1')).status).toBe(410);
    expect(output).not.toMatch(/e2e-(history|deleted|expiring)-v/);
  });
});

describe('the API documents under npm start', () => {
  /** The answer must be one docs/openapi.json describes for the route. */
  async function documented(routeKey: string, response: Response): Promise<Response> {
    const body = await response.clone().text();
    checkResponse(routeKey, { statusCode: response.status, headers: Object.fromEntries(response.headers), ...(body && { body }) });
    return response;
  }

  it('serves the committed OpenAPI document at /openapi.json, without a token', async () => {
    const response = await fetch(`${HTTP}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.text()).toBe(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
  });

  it('answers every operation as the document describes it, errors included', async () => {
    const body = (value: unknown) => ({ body: JSON.stringify(value) });
    await documented('POST /secrets', await request('/secrets', { method: 'POST', ...body({ name: 'docKey', value: 'e2e-doc', tags: ['doc'], expiresAt: '2999-01-01T00:00:00Z' }) }));
    await documented('POST /secrets', await request('/secrets', { method: 'POST', ...body({ name: 'docKey', value: 'e2e-doc' }) }));
    await documented('POST /secrets', await request('/secrets', { method: 'POST', ...body({ name: 'Bad Name', value: 'e2e-doc' }) }));
    await documented('GET /secrets/{name}', await request('/secrets/docKey'));
    await documented('GET /secrets/{name}', await request('/secrets/noSuchKey'));
    await documented('GET /secrets', await request('/secrets?tag=doc&limit=1'));
    await documented('GET /secrets', await request('/secrets?color=red'));
    await documented('PATCH /secrets/{name}', await request('/secrets/docKey', { method: 'PATCH', headers: { 'if-match': '"1"' }, ...body({ description: 'd' }) }));
    await documented('PATCH /secrets/{name}', await request('/secrets/docKey', { method: 'PATCH', headers: { 'if-match': '"1"' }, ...body({ description: 'e' }) }));
    await documented('POST /secrets/{name}/expire', await request('/secrets/docKey/expire', { method: 'POST' }));
    await documented('GET /secrets/{name}', await request('/secrets/docKey'));
    await documented('DELETE /secrets/{name}', await request('/secrets/docKey', { method: 'DELETE' }));
    await documented('DELETE /secrets/{name}', await request('/secrets/docKey', { method: 'DELETE' }));
  });

  const chromium = '/usr/bin/chromium';
  it.skipIf(!existsSync(chromium))('shows every operation on the reference page at /docs, in headless Chromium', async () => {
    const { chromium: browsers } = await import('playwright-core');
    const browser = await browsers.launch({
      executablePath: chromium,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      // Redoc's sidebar asks a CDN for its logo; the page's Content-Security-Policy must stop it (Playwright: failure 'csp').
      const outside = new Map<string, string>();
      page.on('request', (r) => {
        if (!/^(http:\/\/localhost:3000\/|data:|blob:)/.test(r.url())) outside.set(r.url(), 'sent');
      });
      page.on('requestfailed', (r) => {
        if (outside.has(r.url())) outside.set(r.url(), r.failure()?.errorText ?? 'failed');
      });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      const response = await page.goto(`${HTTP}/docs`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
      const document = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as {
        paths: Record<string, Record<string, { summary: string }>>;
      };
      const summaries = Object.values(document.paths).flatMap((methods) => Object.values(methods).map((o) => o.summary));
      // One operation for each function with a route.
      expect(summaries).toHaveLength(Object.values(FUNCTIONS).filter((f) => 'route' in f).length);
      for (const summary of summaries) await page.getByText(summary, { exact: true }).first().waitFor({ timeout: 30_000 });
      expect(problems, 'errors on the page').toEqual([]);
      // Nothing fetched from a CDN or anywhere else.
      await page.waitForLoadState('networkidle');
      for (const [url, outcome] of outside) expect(outcome, url).toBe('csp');
    } finally {
      await browser.close();
    }
  }, 90_000);
  if (!existsSync(chromium)) console.warn(`Skipping the /docs browser test: no ${chromium} (apt-get install -y chromium).`);
});

describe('the TypeScript client against npm start', () => {
  const lambda = new LambdaClient({ endpoint: INVOKE, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const clients: Record<string, () => SecretStoreOptions> = {
    http: () => ({ http: { endpoint: HTTP, token: () => localToken('client-e2e-http') } }),
    'the invoke endpoint': () => ({ lambda: { functionPrefix: 'secret-store-dev-', profile: 'client-e2e-direct', client: lambda } }),
  };

  it.each(Object.keys(clients))('works over %s: create, cached get, list, update, expire, delete, with typed errors', async (kind) => {
    const store = new SecretStore(clients[kind]!());
    const created = await store.create({ name: 'clientE2e', value: 'client-e2e-value', tags: ['client'] });
    expect(created.revision).toBe(1);
    expect((await store.get('clientE2e')).value).toBe('client-e2e-value');
    const names: string[] = [];
    for await (const secret of store.list({ tag: 'client' })) names.push(secret.name);
    expect(names).toEqual(['clientE2e']);
    expect((await store.update('clientE2e', { value: 'client-e2e-value-2' }, { ifMatch: 1 })).revision).toBe(2);
    expect((await store.get('clientE2e')).value).toBe('client-e2e-value-2');
    await store.expire('clientE2e');
    await expect(store.get('clientE2e')).rejects.toBeInstanceOf(SecretExpired);
    await store.delete('clientE2e');
    await expect(store.get('clientE2e')).rejects.toBeInstanceOf(SecretNotFound);
    expect(output).not.toContain('client-e2e-value');
  });
});

describe('client/README.md', () => {
  it('its Middy example runs as written: the value is on the context, fetched at cold start', async () => {
    const readme = readFileSync(new URL('../../client/README.md', import.meta.url), 'utf8');
    const example = readme.slice(readme.indexOf('## Middy middleware')).match(/```ts\n([\s\S]*?)```/)![1]!;
    const token = localToken('readme-example');
    await fetch(`${HTTP}/secrets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'openaiKey', value: 'sk-readme-example' }),
    });
    // Beside the project, so that its imports resolve as they would in a consumer's function.
    const folder = mkdtempSync(join(process.cwd(), '.readme-example-'));
    try {
      const file = join(folder, 'handler.ts');
      writeFileSync(file, example.replaceAll("'./client/", "'../client/"));
      Object.assign(process.env, { SECRET_STORE_URL: HTTP, SECRET_STORE_TOKEN: token });
      const { handler } = (await import(file)) as { handler: (event: unknown, context: object) => Promise<unknown> };
      expect(await handler({ prompt: 'hello' }, {})).toEqual({ prompt: 'hello', keyLength: 'sk-readme-example'.length });
      expect(await handler({ prompt: 'again' }, {})).toEqual({ prompt: 'again', keyLength: 'sk-readme-example'.length });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('the secret-store CLI against npm start', () => {
  const cli = (args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['bin/secret-store.mjs', ...args],
        { env: { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), 'cli-home-')), ...options.env } },
        (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(options.stdin ?? '');
    });
  const http = { SECRET_STORE_ENDPOINT: HTTP, SECRET_STORE_TOKEN: localToken('cli-e2e') };

  it('puts from stdin, gets, lists, updates, expires and removes, with an exit code per error', async () => {
    expect(await cli(['put', 'cliKey', '--tag', 'cli', '--description', 'from the CLI'], { stdin: 'cli-e2e-value\n', env: http })).toMatchObject({ code: 0, stderr: 'cliKey: revision 1\n' });
    expect(await cli(['get', 'cliKey'], { env: http })).toMatchObject({ code: 0, stdout: 'cli-e2e-value' });
    const listed = await cli(['ls', '--tag', 'cli'], { env: http });
    expect(listed.stdout).toMatch(/^NAME\s+VERSION\s+REVISION\s+TAGS\s+SHARED\s+UPDATED\s+EXPIRES\ncliKey\s+1\.0\.0\s+1\s+cli\s+-\s/);
    expect(listed.stdout).not.toContain('cli-e2e-value');
    expect(JSON.parse((await cli(['ls', '--json'], { env: http })).stdout)).toEqual([expect.objectContaining({ name: 'cliKey', revision: 1 })]);
    // put again replaces the value; --create-only refuses.
    expect((await cli(['put', 'cliKey'], { stdin: 'cli-e2e-value-2', env: http })).stderr).toBe('cliKey: revision 2\n');
    expect((await cli(['put', 'cliKey', '--create-only'], { stdin: 'x', env: http })).code).toBe(6);
    expect((await cli(['update', 'cliKey', '--description', 'changed', '--if-match', '1'], { env: http })).code).toBe(8);
    expect((await cli(['update', 'cliKey', '--value-stdin', '--if-match', '2'], { stdin: 'cli-e2e-value-3', env: http })).code).toBe(0);
    expect(JSON.parse((await cli(['get', 'cliKey', '--json'], { env: http })).stdout)).toMatchObject({ value: 'cli-e2e-value-3', revision: 3 });
    const invalid = await cli(['put', 'Bad Name'], { stdin: 'x', env: http });
    expect(invalid).toMatchObject({ code: 3 });
    expect(invalid.stderr).toContain('ValidationError');
    expect((await cli(['expire', 'cliKey'], { env: http })).code).toBe(0);
    expect((await cli(['get', 'cliKey'], { env: http })).code).toBe(7);
    expect((await cli(['rm', 'cliKey'], { env: http })).code).toBe(0);
    expect((await cli(['get', 'cliKey'], { env: http })).code).toBe(5);
    expect((await cli(['get', 'cliKey'], { env: { ...http, SECRET_STORE_TOKEN: 'not-a-jwt' } })).code).toBe(4);
    expect(output).not.toContain('cli-e2e-value');
  });

  it('never takes a value from argv, and has --help for every command', async () => {
    expect((await cli(['put', 'argvKey', 'cli-argv-value'], { env: http })).code).toBe(2);
    expect((await cli(['get', 'argvKey'], { env: http })).code).toBe(5);
    for (const command of ['get', 'put', 'ls', 'update', 'expire', 'rm', 'delete', 'env', 'exec', 'apply', 'describe']) {
      const help = await cli([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(new RegExp(`^Usage: secret-store ${command}`));
    }
    expect((await cli(['ls'])).code).toBe(2);
  });

  it('exports secrets as dotenv, JSON or shell, and runs a command with them, passing its exit code through', async () => {
    await cli(['put', 'apiKey'], { stdin: 'it\'s "quoted" $HOME', env: http });
    await cli(['put', 'dbPassword'], { stdin: 'pw-1', env: http });
    expect((await cli(['env'], { env: http })).stdout).toBe('API_KEY="it\'s \\"quoted\\" \\$HOME"\nDB_PASSWORD="pw-1"\n');
    expect(JSON.parse((await cli(['env', '--format', 'json', '--only', 'dbPassword'], { env: http })).stdout)).toEqual({ DB_PASSWORD: 'pw-1' });
    const shell = (await cli(['env', '--format', 'shell', '--only', 'apiKey'], { env: http })).stdout;
    expect(shell).toBe(`export API_KEY='it'\\''s "quoted" $HOME'\n`);
    const check = 'process.exit(process.env.API_KEY === `it\'s "quoted" $HOME` && process.env.DB_PASSWORD === "pw-1" ? 42 : 1)';
    expect((await cli(['exec', '--', process.execPath, '-e', check], { env: http })).code).toBe(42);
    expect((await cli(['exec', '--only', 'dbPassword', '--', process.execPath, '-e', 'process.exit(process.env.API_KEY ? 1 : 0)'], { env: http })).code).toBe(0);
    // Two names, one variable: refused, not one picked.
    await cli(['put', 'api_key'], { stdin: 'other', env: http });
    const clash = await cli(['env'], { env: http });
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain('apiKey and api_key would both be API_KEY');
    expect((await cli(['env', '--only', 'api_key'], { env: http })).stdout).toBe('API_KEY="other"\n');
  });

  it('imports a Smarter export through the admin function: dry run, import, rerun unchanged, never a value printed', async () => {
    const { Fernet } = await import('../../lib/crypto/fernet.js');
    const smarterKey = Fernet.generateKey();
    const folder = mkdtempSync(join(tmpdir(), 'cli-import-'));
    const binary = (value: string) => Buffer.from(new Fernet(smarterKey).encrypt(value)).toString('base64');
    const dump = [
      { model: 'auth.user', pk: 1, fields: { username: 'dana' } },
      { model: 'account.account', pk: 10, fields: { account_number: '2718-2818-2845' } },
      { model: 'account.userprofile', pk: 100, fields: { user: 1, account: 10 } },
      { model: 'secret.secret', pk: 1, fields: { user_profile: 100, name: 'openai_api_key', encrypted_value: binary('cli-import-value-1'), description: '', version: '1.0.0', annotations: [], created_at: '2024-05-01T12:00:00Z', updated_at: '2024-05-01T12:00:00Z', last_accessed: null, expires_at: null } },
      { model: 'account.secret', pk: 2, fields: { user_profile: 100, name: 'Secret 2', encrypted_value: binary('cli-import-value-2'), description: '', version: '1.0.0', annotations: [], created_at: '2023-01-01T00:00:00Z', updated_at: '2023-01-01T00:00:00Z', last_accessed: null, expires_at: null } },
      { model: 'secret.secret', pk: 3, fields: { user_profile: 100, name: 'wrongKey', encrypted_value: Buffer.from(Fernet.generateKey()).toString('base64'), description: '', version: '1.0.0', annotations: [], created_at: '2023-01-01T00:00:00Z', updated_at: '2023-01-01T00:00:00Z', last_accessed: null, expires_at: null } },
    ];
    writeFileSync(join(folder, 'dump.json'), JSON.stringify(dump));
    writeFileSync(join(folder, 'key'), `${smarterKey}\n`);
    const direct = ['--function-prefix', 'secret-store-dev-', '--lambda-endpoint', INVOKE, '--region', 'us-east-1'];
    const aws = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
    const run = (...extra: string[]) => cli([...direct, 'import', 'smarter', join(folder, 'dump.json'), '--key-file', join(folder, 'key'), ...extra], { env: aws });

    const dry = await run('--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, toImport: 2, renamed: [{ pk: 2, from: 'Secret 2', to: 'secret_2' }], skipped: [{ pk: 3, reason: 'its value does not decrypt under the given key' }] });
    const owner = ['--profile', '2718-2818-2845/dana'];
    expect((await cli([...direct, ...owner, 'get', 'openai_api_key'], { env: aws })).code).toBe(5);

    const first = await run();
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/imported\s+2\n/);
    expect(first.stdout).toMatch(/unchanged\s+0\n/);
    expect(first.stdout).toContain('renamed  #2: Secret 2 -> secret_2');
    expect((await cli([...direct, ...owner, 'get', 'openai_api_key'], { env: aws })).stdout).toBe('cli-import-value-1');
    expect(JSON.parse((await cli([...direct, ...owner, 'get', 'secret_2', '--json'], { env: aws })).stdout)).toMatchObject({ value: 'cli-import-value-2', createdAt: '2023-01-01T00:00:00.000Z' });

    const again = JSON.parse((await run('--json')).stdout);
    expect(again).toMatchObject({ imported: 0, unchanged: 2 });
    for (const result of [dry, first]) expect(result.stdout + result.stderr).not.toContain('cli-import-value');
    expect(output).not.toContain('cli-import-value');
  });

  it('imports the Smarter fixture (three accounts) and every secret reads back over HTTP, shared account-wide and nowhere else', async () => {
    const fixtures = join(process.cwd(), 'test', 'fixtures');
    const expected = JSON.parse(readFileSync(join(fixtures, 'smarter-dump.expected.json'), 'utf8')) as {
      secretRows: number;
      secrets: { value: string; imported?: { profileId: string; name: string; tags: string[]; annotations: Record<string, string>; createdAt: string; updatedAt: string; expired: boolean } }[];
    };
    const imported = expected.secrets.flatMap((s) => (s.imported ? [{ ...s.imported, value: s.value }] : []));
    const direct = ['--function-prefix', 'secret-store-dev-', '--lambda-endpoint', INVOKE, '--region', 'us-east-1'];
    const aws = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
    const run = () => cli([...direct, 'import', 'smarter', join(fixtures, 'smarter-dump.json'), '--key-file', join(fixtures, 'smarter-dump.key'), '--json'], { env: aws });
    const first = await run();
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as { imported: number; unchanged: number; skipped: unknown[] };
    expect(summary.imported).toBe(imported.length);
    expect(summary.imported + summary.skipped.length).toBe(expected.secretRows);

    const accountOf = (profileId: string) => profileId.split('/')[0]!;
    const accounts = [...new Set(imported.map((s) => accountOf(s.profileId)))];
    expect(accounts.length).toBeGreaterThanOrEqual(3);
    const read = (profile: string, account: string, name: string, owner?: string) =>
      fetch(`${HTTP}/secrets/${name}${owner ? `?owner=${encodeURIComponent(owner)}` : ''}`, { headers: { authorization: `Bearer ${localToken(profile, { claims: { account } })}` } });
    for (const secret of imported) {
      const account = accountOf(secret.profileId);
      const own = await read(secret.profileId, account, secret.name);
      if (secret.expired) {
        expect(own.status).toBe(410);
        continue;
      }
      expect(own.status, `${secret.profileId} ${secret.name}`).toBe(200);
      expect(await own.json()).toMatchObject({ value: secret.value, tags: secret.tags, annotations: secret.annotations, createdAt: secret.createdAt, updatedAt: secret.updatedAt, visibility: 'account', owner: secret.profileId });
      // Any member of the account reads it by name and owner; no one of another account learns it exists.
      const member = await read(`${account}/newcomer`, account, secret.name, secret.profileId);
      expect(member.status).toBe(200);
      expect(((await member.json()) as { value: string }).value).toBe(secret.value);
      for (const other of accounts.filter((a) => a !== account)) {
        expect((await read(`${other}/newcomer`, other, secret.name, secret.profileId)).status).toBe(404);
      }
    }
    const again = await run();
    expect(JSON.parse(again.stdout)).toMatchObject({ imported: 0, unchanged: imported.length });
    // (Smarter's own test-api example has its name as its value: names are printed, so it is left out here.)
    for (const secret of expected.secrets.filter((s) => !s.value.includes('smarter_test_api'))) {
      expect(first.stdout + first.stderr + again.stdout + again.stderr).not.toContain(secret.value);
      expect(output).not.toContain(secret.value);
    }
  });

  it('applies a Smarter Secret manifest (create, then change) and describes it with the value masked', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'cli-manifest-'));
    const manifest = (value: string, version: string) =>
      `apiVersion: smarter.sh/v1\nkind: Secret\nmetadata:\n  name: Manifest Key\n  description: from a manifest\n  version: ${version}\n  tags: [manifest]\n  annotations:\n    - smarter.sh/owner: platform\nspec:\n  config:\n    value: ${value}\n    expiration_date: 2999-01-01\n`;
    writeFileSync(join(folder, 'secret.yaml'), manifest('cli-manifest-value-1', '1.0.0'));
    const first = await cli(['apply', '-f', join(folder, 'secret.yaml')], { env: http });
    expect(first).toMatchObject({ code: 0, stdout: 'secret/manifest_key created (revision 1)\n' });
    const second = await cli(['apply', '-f', '-'], { stdin: manifest('cli-manifest-value-2', '1.1.0'), env: http });
    expect(second).toMatchObject({ code: 0, stdout: 'secret/manifest_key configured (revision 2)\n' });
    expect((await cli(['get', 'manifest_key'], { env: http })).stdout).toBe('cli-manifest-value-2');
    const described = await cli(['describe', 'manifest_key'], { env: http });
    expect(described.code).toBe(0);
    expect(described.stdout).toContain('value: "********"');
    expect(described.stdout).toContain('version: 1.1.0');
    expect(described.stdout).toContain('expiration_date: 2999-01-01T00:00:00.000Z');
    const asJson = JSON.parse((await cli(['describe', 'manifest_key', '-o', 'json'], { env: http })).stdout);
    expect(asJson).toMatchObject({ kind: 'Secret', metadata: { annotations: [{ 'smarter.sh/owner': 'platform' }] }, spec: { config: { value: '********' } } });
    expect((await cli(['describe', 'noSuchKey'], { env: http })).code).toBe(5);
    // Read by the apply function: a malformed manifest is its ValidationError.
    expect((await cli(['apply', '-f', '-'], { stdin: 'kind: Plugin\n', env: http })).code).toBe(3);
    for (const result of [first, second, described]) expect(result.stdout + result.stderr).not.toContain('cli-manifest-value');
    expect(output).not.toContain('cli-manifest-value');
  });

  it('invokes the functions directly with --function-prefix and --profile, and reads a config file', async () => {
    const direct = ['--function-prefix', 'secret-store-dev-', '--profile', 'cli-direct', '--lambda-endpoint', INVOKE, '--region', 'us-east-1'];
    const aws = { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
    expect((await cli([...direct, 'put', 'directKey'], { stdin: 'cli-direct-value', env: aws })).code).toBe(0);
    expect((await cli([...direct, 'get', 'directKey'], { env: aws })).stdout).toBe('cli-direct-value');
    expect((await cli([...direct, 'get', 'absent'], { env: aws })).code).toBe(5);
    const config = join(mkdtempSync(join(tmpdir(), 'cli-config-')), 'config.json');
    writeFileSync(config, JSON.stringify({ functionPrefix: 'secret-store-dev-', profile: 'cli-direct', lambdaEndpoint: INVOKE, region: 'us-east-1' }));
    expect((await cli(['--config', config, 'get', 'directKey'], { env: aws })).stdout).toBe('cli-direct-value');
    expect((await cli(['get', 'directKey'], { env: { ...aws, SECRET_STORE_CONFIG: config } })).stdout).toBe('cli-direct-value');
  });
});

describe('the Python client against npm start', () => {
  const python = process.env.PYTHON ?? 'python3';
  const hasBoto3 = spawnSync(python, ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;
  if (!hasBoto3) console.warn(`Skipping the Python client against npm start: ${python} with boto3 is not available (pip install boto3).`);

  it.skipIf(!hasBoto3)('clients/python reads secrets it created, its own and its account\'s, and raises SecretDoesNotExist, SecretExpired, AmbiguousSecretName and ValidationError', async () => {
    // Asynchronous, so that npm start's output keeps flowing into `output` meanwhile.
    const run = await new Promise<{ code: number; report: string }>((resolve) => {
      execFile(
        python,
        ['-m', 'unittest', 'discover', '-v', '-s', 'clients/python/tests', '-p', 'test_integration.py'],
        {
          env: {
            ...process.env,
            SECRET_STORE_LAMBDA_ENDPOINT: INVOKE,
            SECRET_STORE_FUNCTION_PREFIX: 'secret-store-dev-',
            SECRET_STORE_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'local',
            AWS_SECRET_ACCESS_KEY: 'local',
            PYTHONDONTWRITEBYTECODE: '1',
          },
          timeout: 60_000,
        },
        (error, _stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, report: stderr }),
      );
    });
    expect(run.code, run.report).toBe(0);
    // Ran, not skipped: unittest reports "OK (skipped=6)" when the endpoint is not named.
    expect(run.report).toMatch(/^Ran 6 tests in /m);
    expect(run.report).toMatch(/^OK$/m);
    expect(run.report).not.toContain('skipped');
    expect(output).not.toContain('python-client-value');
  }, 90_000);
});
