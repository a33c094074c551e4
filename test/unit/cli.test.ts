// The secret-store CLI against a fake store: main() run in-process, its HTTP requests answered by a
// stand-in fetch and its direct invocations by a stand-in LambdaClient, both recording what they
// were sent. What each command of value history and recoverable deletes sends (route, query, body,
// If-Match, payload), what it prints, and its exit codes, without a server.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT_CODES } from '../../client/cli.js';
import { runCli } from '../support/cli-runner.js';
import type { Secret, SecretVersion } from '../../client/index.js';
import { sampleSecret } from '../support/sample-secret.js';

interface Request {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: string;
}
interface Reply {
  status: number;
  body?: unknown;
}

const lambda = vi.hoisted(() => ({ send: undefined as undefined | ((command: { input: { FunctionName: string; Payload: Uint8Array } }) => Promise<unknown>) }));
vi.mock('@aws-sdk/client-lambda', () => ({
  LambdaClient: class {
    send(command: { input: { FunctionName: string; Payload: Uint8Array } }) {
      return lambda.send!(command);
    }
  },
  InvokeCommand: class {
    constructor(readonly input: unknown) {}
  },
}));

const HISTORY: SecretVersion[] = [
  { version: 3, createdAt: '2026-12-02T10:00:00.000Z', current: true, destroyed: false },
  { version: 2, createdAt: '2026-12-02T09:30:00.000Z', current: false, destroyed: false },
  { version: 1, createdAt: '2026-12-02T09:00:00.000Z', current: false, destroyed: true },
];
const live = sampleSecret({ name: 'apiKey', revision: 4, valueVersion: 3, updatedAt: '2026-12-02T10:00:00.000Z' });
const removed = sampleSecret({ name: 'oldKey', deletedAt: '2026-12-01T08:00:00.000Z', purgesAt: '2026-12-08T08:00:00.000Z' });

/** The store's answers by request; every test may replace it. */
let reply: (request: Request) => Reply;
const defaultReply = ({ method, path }: Request): Reply => {
  if (method === 'DELETE') return { status: 204 };
  if (path.endsWith('/versions')) return { status: 200, body: { items: HISTORY } };
  if (path === '/secrets') return { status: 200, body: { items: [live], nextCursor: null } };
  if (path.endsWith('/restore')) return { status: 200, body: live };
  if (method === 'PATCH') return { status: 200, body: { ...live, revision: 5, valueVersion: 4 } };
  return { status: 200, body: { ...live, valueVersion: 2, value: 'value-of-version-2' } };
};
const problem = (status: number, code: string, detail: string): Reply => ({ status, body: { type: 'about:blank', title: code, status, code, detail } });

let requests: Request[];
let invocations: { function: string; payload: Record<string, unknown> }[];

beforeEach(() => {
  requests = [];
  invocations = [];
  reply = defaultReply;
  vi.stubGlobal('fetch', async (input: string, init: RequestInit = {}) => {
    const url = new URL(input);
    const request: Request = {
      method: init.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: init.headers as Record<string, string>,
      ...(typeof init.body === 'string' && { body: init.body }),
    };
    requests.push(request);
    const { status, body } = reply(request);
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': status < 400 ? 'application/json' : 'application/problem+json' } });
  });
  // A direct invocation is answered as the HTTP request of the same operation would be.
  lambda.send = async ({ input }) => {
    const op = input.FunctionName.replace(/^secret-store-test-/, '');
    const payload = JSON.parse(new TextDecoder().decode(input.Payload)) as Record<string, unknown>;
    invocations.push({ function: op, payload });
    const name = `/secrets/${String(payload.name)}`;
    const as: Request = {
      get: { method: 'GET', path: name },
      versions: { method: 'GET', path: `${name}/versions` },
      restore: { method: 'POST', path: `${name}/restore` },
      update: { method: 'PATCH', path: name },
      delete: { method: 'DELETE', path: name },
      list: { method: 'GET', path: '/secrets' },
    }[op] as Request;
    const { status, body } = reply(as);
    const error = status >= 400 ? (body as { code: string; detail: string }) : undefined;
    const answer = error ? { errorType: error.code, errorMessage: error.detail } : (body ?? null);
    return { ...(error && { FunctionError: 'Unhandled' }), Payload: new TextEncoder().encode(JSON.stringify(answer)) };
  };
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const over = {
  http: { SECRET_STORE_ENDPOINT: 'https://api.test', SECRET_STORE_TOKEN: 'alice' },
  direct: { SECRET_STORE_FUNCTION_PREFIX: 'secret-store-test-', SECRET_STORE_PROFILE: 'alice', SECRET_STORE_REGION: 'us-east-1' },
};

const cli = (args: string[], env: Record<string, string> = over.http) => runCli(args, env);

describe('secret-store history', () => {
  it('lists the versions as a table, newest first, or as JSON, never a value', async () => {
    expect(await cli(['history', 'apiKey'])).toEqual({
      code: 0,
      stdout: [
        'VERSION  CREATED                   CURRENT  DESTROYED',
        '3        2026-12-02T10:00:00.000Z  yes      -',
        '2        2026-12-02T09:30:00.000Z  -        -',
        '1        2026-12-02T09:00:00.000Z  -        yes',
        '',
      ].join('\n'),
      stderr: '',
    });
    expect(requests).toMatchObject([{ method: 'GET', path: '/secrets/apiKey/versions', query: {} }]);
    expect(requests[0]).not.toHaveProperty('body');
    expect(JSON.parse((await cli(['history', 'apiKey', '--json'])).stdout)).toEqual(HISTORY);
  });

  it('invokes the versions function with the name', async () => {
    expect((await cli(['history', 'apiKey'], over.direct)).code).toBe(0);
    expect(invocations).toEqual([{ function: 'versions', payload: { userProfileId: 'alice', name: 'apiKey' } }]);
  });

  it('exits 5 for a secret that is absent or deleted', async () => {
    reply = () => problem(404, 'SecretNotFound', "No secret named 'gone'.");
    const missing = await cli(['history', 'gone']);
    expect(missing).toMatchObject({ code: 5, stdout: '' });
    expect(missing.stderr).toContain('SecretNotFound');
  });
});

describe('secret-store get NAME --version N', () => {
  it("prints that version's value, or with --json the secret and that value", async () => {
    expect(await cli(['get', 'apiKey', '--version', '2'])).toEqual({ code: 0, stdout: 'value-of-version-2', stderr: '' });
    expect(requests).toMatchObject([{ method: 'GET', path: '/secrets/apiKey', query: { version: '2' } }]);
    expect(JSON.parse((await cli(['get', 'apiKey', '--version', '2', '--json'])).stdout)).toMatchObject({ name: 'apiKey', valueVersion: 2, value: 'value-of-version-2' });
    await cli(['get', 'apiKey', '--version', '2', '--owner', 'bob']);
    expect(requests[2]!.query).toEqual({ owner: 'bob', version: '2' });
    await cli(['get', 'apiKey', '--version', '2'], over.direct);
    expect(invocations).toEqual([{ function: 'get', payload: { userProfileId: 'alice', name: 'apiKey', version: 2 } }]);
  });

  it('exits 5 for a version the secret never had and 7 for a destroyed one, over both transports', async () => {
    for (const env of [over.http, over.direct]) {
      reply = () => problem(404, 'VersionNotFound', "'apiKey' never had version 9.");
      const never = await cli(['get', 'apiKey', '--version', '9'], env);
      expect(never).toMatchObject({ code: 5, stdout: '' });
      expect(never.stderr).toContain('VersionNotFound');
      reply = () => problem(410, 'VersionDestroyed', "Version 1 of 'apiKey' is destroyed.");
      const destroyed = await cli(['get', 'apiKey', '--version', '1'], env);
      expect(destroyed).toMatchObject({ code: 7, stdout: '' });
      expect(destroyed.stderr).toContain('VersionDestroyed');
    }
    expect(EXIT_CODES).toMatchObject({ VersionNotFound: EXIT_CODES.SecretNotFound, VersionDestroyed: EXIT_CODES.SecretExpired });
  });

  it('is a usage error (2) with the other forms of get, and for anything but a version number, before any request', async () => {
    for (const args of [
      ['get', 'secrets', '--version', '2'],
      ['get', 'secret', 'apiKey', '--version', '2'],
      ['get', 'secret', '--version', '2'],
      ['get', 'apiKey', '-o', 'value', '--version', '2'],
      ['get', 'apiKey', '-o', 'json', '--version', '2'],
      ['get', 'apiKey', '--version', '0'],
      ['get', 'apiKey', '--version', '-1'],
      ['get', 'apiKey', '--version', '1.5'],
      ['get', 'apiKey', '--version', 'two'],
      ['get', 'apiKey', '--version', '99999999999999999999'],
    ]) {
      expect((await cli(args)).code, args.join(' ')).toBe(2);
    }
    expect(requests).toEqual([]);
  });
});

describe('secret-store restore', () => {
  it('undeletes: POST /secrets/NAME/restore with no body and no idempotency key', async () => {
    expect(await cli(['restore', 'apiKey'])).toEqual({ code: 0, stdout: '', stderr: 'apiKey: restored (revision 4)\n' });
    expect(requests).toEqual([{ method: 'POST', path: '/secrets/apiKey/restore', query: {}, headers: { authorization: 'Bearer alice', accept: 'application/json, application/problem+json' } }]);
    await cli(['restore', 'apiKey'], over.direct);
    expect(invocations).toEqual([{ function: 'restore', payload: { userProfileId: 'alice', name: 'apiKey' } }]);
  });

  it('with --version, rolls back: an update with restoreVersion, --if-match guarding it', async () => {
    expect(await cli(['restore', 'apiKey', '--version', '2', '--if-match', '4'])).toEqual({ code: 0, stdout: '', stderr: 'apiKey: version 2 restored as version 4 (revision 5)\n' });
    expect(requests).toMatchObject([{ method: 'PATCH', path: '/secrets/apiKey', query: {}, body: '{"restoreVersion":2}', headers: { 'if-match': '"4"', 'content-type': 'application/json' } }]);
    expect(requests[0]!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    await cli(['restore', 'apiKey', '--version', '2'], over.direct);
    expect(invocations).toEqual([{ function: 'update', payload: { userProfileId: 'alice', name: 'apiKey', restoreVersion: 2, clientToken: expect.stringMatching(/^[0-9a-f-]{36}$/) } }]);
    await cli(['restore', 'apiKey', '--version', '2', '--if-match', '*'], over.direct);
    expect(invocations[1]!.payload.ifMatch).toBe('*');
  });

  it('exits 5 past the recovery window, 8 on a stale revision, 7 for a destroyed version', async () => {
    reply = () => problem(404, 'SecretNotFound', "No secret named 'apiKey'.");
    expect((await cli(['restore', 'apiKey'])).code).toBe(5);
    reply = () => problem(412, 'PreconditionFailed', "'apiKey' is not at revision 3.");
    expect((await cli(['restore', 'apiKey', '--version', '2', '--if-match', '3'])).code).toBe(8);
    reply = () => problem(410, 'VersionDestroyed', "Version 1 of 'apiKey' is destroyed.");
    expect((await cli(['restore', 'apiKey', '--version', '1'])).code).toBe(7);
  });

  it('is a usage error (2) for --if-match without --version, a bad revision or a bad version, before any request', async () => {
    for (const args of [
      ['restore', 'apiKey', '--if-match', '4'],
      ['restore', 'apiKey', '--version', '2', '--if-match', 'four'],
      ['restore', 'apiKey', '--version', '0'],
      ['restore'],
    ]) {
      expect((await cli(args)).code, args.join(' ')).toBe(2);
    }
    expect(requests).toEqual([]);
  });
});

describe('secret-store rm and delete secret', () => {
  it('delete with recovery by default, at once with --force (force=true; force: true directly)', async () => {
    expect(await cli(['rm', 'apiKey'])).toEqual({ code: 0, stdout: '', stderr: 'apiKey: deleted\n' });
    expect(await cli(['rm', 'apiKey', '--force'])).toEqual({ code: 0, stdout: '', stderr: 'apiKey: deleted\n' });
    expect(await cli(['delete', 'secret', 'apiKey', '--force'])).toEqual({ code: 0, stdout: 'secret/apiKey deleted\n', stderr: '' });
    await cli(['delete', 'secret', 'apiKey']);
    expect(requests.map((r) => [r.method, r.path, r.query])).toEqual([
      ['DELETE', '/secrets/apiKey', {}],
      ['DELETE', '/secrets/apiKey', { force: 'true' }],
      ['DELETE', '/secrets/apiKey', { force: 'true' }],
      ['DELETE', '/secrets/apiKey', {}],
    ]);
    for (const r of requests) expect(r.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    await cli(['rm', 'apiKey', '--force'], over.direct);
    await cli(['rm', 'apiKey'], over.direct);
    expect(invocations.map((i) => i.payload)).toEqual([
      { userProfileId: 'alice', name: 'apiKey', force: true, clientToken: expect.any(String) },
      { userProfileId: 'alice', name: 'apiKey', clientToken: expect.any(String) },
    ]);
  });
});

describe('secret-store ls --deleted', () => {
  it('asks for deleted secrets and shows when each was deleted and is purged', async () => {
    reply = () => ({ status: 200, body: { items: [live, removed] satisfies Secret[], nextCursor: null } });
    const listed = await cli(['ls', '--deleted', 'include']);
    expect(requests[0]!.query).toEqual({ deleted: 'include' });
    const [header, ...rows] = listed.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^NAME\s+VERSION\s+REVISION\s+TAGS\s+SHARED\s+UPDATED\s+EXPIRES\s+DELETED\s+PURGES$/);
    expect(rows[0]).toMatch(/^apiKey\s.*\s-\s+-\s+-$/);
    expect(rows[1]).toMatch(/^oldKey\s.*\s-\s+2026-12-01T08:00:00\.000Z\s+2026-12-08T08:00:00\.000Z$/);
    await cli(['ls', '--deleted', 'only'], over.direct);
    expect(invocations).toEqual([{ function: 'list', payload: { userProfileId: 'alice', deleted: 'only' } }]);
    // Without deleted secrets, the table is as it was.
    for (const args of [['ls'], ['ls', '--deleted', 'exclude']]) {
      expect((await cli(args)).stdout.split('\n')[0]).toMatch(/^NAME\s+VERSION\s+REVISION\s+TAGS\s+SHARED\s+UPDATED\s+EXPIRES$/);
    }
    expect(requests.slice(1).map((r) => r.query)).toEqual([{}, { deleted: 'exclude' }]);
    expect((await cli(['ls', '--deleted', 'all'])).code).toBe(2);
  });
});

describe('secret-store put of a deleted name', () => {
  it('exits 6 with the store\'s 409, saying how to restore it or free the name, rather than 5', async () => {
    reply = ({ method }) =>
      method === 'POST' ? problem(409, 'SecretAlreadyExists', "'apiKey' is deleted; its name is held until 2026-12-08T08:00:00.000Z.") : problem(404, 'SecretNotFound', "No secret named 'apiKey'.");
    const put = await cli(['put', 'apiKey', '--from-file', '/dev/null']);
    expect(put).toEqual({
      code: 6,
      stdout: '',
      stderr: "apiKey is deleted: restore apiKey brings it back; rm apiKey --force frees the name\nsecret-store: SecretAlreadyExists: 'apiKey' is deleted; its name is held until 2026-12-08T08:00:00.000Z.\n",
    });
    expect(requests.map((r) => r.method)).toEqual(['POST', 'PATCH']);
  });
});

describe('help', () => {
  it('has --help for the new commands and options', async () => {
    for (const [command, option] of [
      ['history', '--json'],
      ['restore', '--version <n>'],
      ['rm', '--force'],
      ['delete', '--force'],
      ['ls', '--deleted <which>'],
      ['get', '--version <n>'],
    ] as const) {
      const help = await cli([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(new RegExp(`^Usage: secret-store ${command}`));
      expect(help.stdout, command).toContain(option);
    }
  });
});
