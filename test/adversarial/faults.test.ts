// DynamoDB faults. A small HTTP proxy in front of dynalite answers some
// requests with throttling (400 ProvisionedThroughputExceededException), 500, 503 or a reset
// connection instead of forwarding them. The functions' own client (lib/wiring.ts,
// maxAttempts 4) must retry, and when every attempt fails the caller gets 503 with Retry-After,
// nothing internal in the body, and nothing half-written in the table.
import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, type HttpRequest, type HttpResponse } from '../support/http.js';
import { httpCaller, loadHandlers } from '../support/handlers.js';
import { useHandlers } from '../support/harness.js';
import { expectNoPlaintext, expectProblem, marker } from './support.js';

/** `lost`: the request reaches dynalite and takes effect, but the answer is replaced by a 500. */
type FaultKind = 'throttle' | '500' | '503' | 'reset' | 'lost';

interface Fault {
  kind: FaultKind;
  /** How many matching requests fail; Infinity for all. */
  times: number;
  /** Only requests of this DynamoDB action (PutItem, UpdateItem, Query, ...). */
  action?: string;
}

interface FaultyProxy {
  endpoint: string;
  /** The action of every request the proxy received, in order. */
  seen: string[];
  injected: number;
  fault: Fault | null;
  close(): Promise<void>;
}

const ERROR_BODIES: Record<Exclude<FaultKind, 'reset' | 'lost'>, [number, string]> = {
  throttle: [400, 'ProvisionedThroughputExceededException'],
  500: [500, 'InternalServerError'],
  503: [503, 'ServiceUnavailable'],
};

async function startFaultyProxy(upstreamPort: number): Promise<FaultyProxy> {
  const state: FaultyProxy = { endpoint: '', seen: [], injected: 0, fault: null, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const action = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    state.seen.push(action);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const fault = state.fault;
      const failing = fault !== null && fault.times > 0 && (fault.action === undefined || fault.action === action);
      const fail = (status: number, type: string) => {
        res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'x-amzn-RequestId': `fault-${state.injected}` });
        res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: `injected ${type}` }));
      };
      if (failing) {
        fault.times -= 1;
        state.injected += 1;
        if (fault.kind === 'reset') {
          req.socket.destroy();
          return;
        }
        if (fault.kind !== 'lost') {
          fail(...ERROR_BODIES[fault.kind]);
          return;
        }
      }
      const upstream = forward(
        { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          if (failing) {
            answer.resume();
            answer.on('end', () => fail(500, 'InternalServerError'));
            return;
          }
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  // Node closes idle keep-alive sockets after 5 s; a retry sent on one just then (the SDK's
  // throttling backoff reaches seconds) would fail before the proxy sees it and skew the counts.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

let proxy: FaultyProxy;
const MAX_ATTEMPTS = 4; // lib/wiring.ts

const harness = useHandlers({
  env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' },
  captureLogs: true,
  auditStream: true,
  beforeLoad: async (store) => {
    proxy = await startFaultyProxy(store.dynamo.port);
    // The functions read DYNAMODB_ENDPOINT at cold start: point them at the proxy before loading.
    process.env.DYNAMODB_ENDPOINT = proxy.endpoint;
  },
});
const { call, direct, summary } = harness;

beforeAll(async () => {
  for (const name of ['stable', 'alsoStable']) {
    expect((await call({ method: 'POST', path: '/secrets', body: { name, value: marker('fault'), tags: ['prod'] } })).statusCode).toBe(201);
  }
  await call({ method: 'GET', path: '/secrets/stable' });
});

beforeEach(() => {
  proxy.fault = null;
});

afterAll(async () => {
  await proxy?.close();
});

/** Runs `action` under `fault`; returns its result and the requests the proxy saw meanwhile. */
async function under<T>(fault: Fault, action: () => Promise<T>): Promise<{ result: T; attempts: string[] }> {
  const before = proxy.seen.length;
  proxy.fault = { ...fault };
  try {
    const result = await action();
    return { result, attempts: proxy.seen.slice(before) };
  } finally {
    proxy.fault = null;
  }
}

const countBy = (actions: string[]) =>
  actions.reduce<Record<string, number>>((acc, a) => ({ ...acc, [a]: (acc[a] ?? 0) + 1 }), {});

function expectUnavailable(response: HttpResponse) {
  const problem = expectProblem(response, 503);
  expect(problem.code).toBe('ServiceUnavailable');
  expect(response.headers['Retry-After']).toMatch(/^\d+$/);
  expect(response.body).not.toMatch(/Throughput|InternalServerError|injected|fault-|amazonaws|PT~/);
}

const REQUESTS: Array<{ op: string; action: string; request: HttpRequest }> = [
  { op: 'create', action: 'PutItem', request: { method: 'POST', path: '/secrets', body: { name: 'neverStored', value: 'placeholder' } } },
  { op: 'get', action: 'UpdateItem', request: { method: 'GET', path: '/secrets/stable' } },
  { op: 'list', action: 'Query', request: { method: 'GET', path: '/secrets', query: { tag: 'prod' } } },
  // A change of value reads the secret first: that read is what fails.
  { op: 'update', action: 'GetItem', request: { method: 'PATCH', path: '/secrets/stable', body: { description: 'never written', value: 'placeholder' } } },
  { op: 'expire', action: 'UpdateItem', request: { method: 'POST', path: '/secrets/stable/expire' } },
  { op: 'delete', action: 'UpdateItem', request: { method: 'DELETE', path: '/secrets/stable' } },
];

describe('DynamoDB faults through a faulty proxy', () => {
  it('retries through transient throttling and succeeds: the caller never notices', async () => {
    const value = marker('fault');
    const { result, attempts } = await under({ kind: 'throttle', times: 2, action: 'PutItem' }, () =>
      call({ method: 'POST', path: '/secrets', body: { name: 'afterThrottling', value } }),
    );
    expect(result.statusCode, result.body).toBe(201);
    expect(attempts).toEqual(['PutItem', 'PutItem', 'PutItem']);
    expect(json(await call({ method: 'GET', path: '/secrets/afterThrottling' })).value).toBe(value);
    summary.push(`faults: 2 throttles then success -> 201 after ${attempts.length} attempts`);
  });

  it.each(['throttle', '500', '503', 'reset'] as const)(
    'answers 503 with Retry-After after %s on all 4 attempts, for every operation, writing nothing',
    async (kind) => {
      // A fresh cold start: the SDK's retry quota is per client, and this test spends it freely.
      vi.resetModules();
      const fresh = httpCaller(await loadHandlers());
      const before = await harness.store.scanAll();
      // Values would be plaintext: markers, so that the leak check covers the failure paths.
      const requests = REQUESTS.map(({ request }) => {
        const body = request.body as Record<string, unknown> | undefined;
        return body && 'value' in body ? { ...request, body: { ...body, value: marker('fault') } } : request;
      });
      const { result, attempts } = await under({ kind, times: Infinity }, () => Promise.all(requests.map((r) => fresh(r))));
      for (const response of result) expectUnavailable(response);
      // Every operation was tried exactly MAX_ATTEMPTS times (get, update and expire are each one UpdateItem).
      const expected: Record<string, number> = {};
      for (const { action } of REQUESTS) expected[action] = (expected[action] ?? 0) + MAX_ATTEMPTS;
      const causes = [...new Set(harness.logs.lines().filter((l) => l.includes('"code":"ServiceUnavailable"')).map((l) => JSON.parse(l).error?.message))];
      expect(countBy(attempts), `causes logged: ${causes.join(' | ')}`).toEqual(expected);
      expect(await harness.store.scanAll(), `the table changed under ${kind}`).toEqual(before);
      summary.push(`faults: ${kind} on every attempt -> ${REQUESTS.map(({ op }, i) => `${op}:${result[i]!.statusCode}`).join(' ')} after ${attempts.length / REQUESTS.length} attempts each`);
    },
  );

  it('answers 201 when the create took effect but its answer was lost: the retry is not a name clash', async () => {
    const value = marker('fault');
    const { result, attempts } = await under({ kind: 'lost', times: 1, action: 'PutItem' }, () =>
      call({ method: 'POST', path: '/secrets', body: { name: 'answerLost', value } }),
    );
    expect(attempts).toEqual(['PutItem', 'PutItem']);
    expect(result.statusCode, result.body).toBe(201);
    expect((await harness.store.scanAll()).filter((i) => i.name === 'answerLost')).toHaveLength(1);
    expect(json(await call({ method: 'GET', path: '/secrets/answerLost' }))).toMatchObject({ id: json(result).id, value });
    // Someone else's item under the name is still a clash.
    const clash = await call({ method: 'POST', path: '/secrets', body: { name: 'answerLost', value: marker('fault') } });
    expect(expectProblem(clash, 409).code).toBe('SecretAlreadyExists');
  });

  it('answers a PATCH, an expire and a delete whose answer was lost as the first attempt did, applying each once', async () => {
    await call({ method: 'POST', path: '/secrets', body: { name: 'retried', value: marker('fault') } });
    const patched = await under({ kind: 'lost', times: 1, action: 'UpdateItem' }, () =>
      call({ method: 'PATCH', path: '/secrets/retried', body: { description: 'once' } }),
    );
    expect(patched.attempts).toEqual(['UpdateItem', 'UpdateItem']);
    expect(patched.result.statusCode, patched.result.body).toBe(200);
    // Applied once: the revision grew by one, not two.
    expect(json(patched.result).revision).toBe(2);
    expect(json(await call({ method: 'GET', path: '/secrets/retried' })).revision).toBe(2);

    const expired = await under({ kind: 'lost', times: 1, action: 'UpdateItem' }, () => call({ method: 'POST', path: '/secrets/retried/expire' }));
    expect(expired.attempts).toEqual(['UpdateItem', 'UpdateItem']);
    expect(expired.result.statusCode, expired.result.body).toBe(200);
    expect(json(expired.result)).toMatchObject({ revision: 3, expired: true });

    // A scheduled delete is one UpdateItem that names itself, as a PATCH does.
    const deleted = await under({ kind: 'lost', times: 1, action: 'UpdateItem' }, () => call({ method: 'DELETE', path: '/secrets/retried' }));
    expect(deleted.attempts).toEqual(['UpdateItem', 'UpdateItem']);
    expect(deleted.result.statusCode, deleted.result.body).toBe(204);
    expect((await harness.store.scanAll()).filter((i) => i.name === 'retried')).toEqual([expect.objectContaining({ deletedAt: expect.any(String), revision: 3 })]);

    // A change of value is a transaction with its ClientRequestToken: its retry is answered as the first, applied once.
    await call({ method: 'POST', path: '/secrets', body: { name: 'retriedValue', value: marker('fault') } });
    const second = marker('fault');
    const changed = await under({ kind: 'lost', times: 1, action: 'TransactWriteItems' }, () => call({ method: 'PATCH', path: '/secrets/retriedValue', body: { value: second } }));
    expect(changed.attempts).toEqual(['GetItem', 'TransactWriteItems', 'TransactWriteItems']);
    expect(changed.result.statusCode, changed.result.body).toBe(200);
    expect(json(await call({ method: 'GET', path: '/secrets/retriedValue' }))).toMatchObject({ value: second, valueVersion: 2, revision: 2 });
    expect((await harness.store.scanAll()).filter((i) => String(i.sk).startsWith('VERSION#retriedValue#'))).toHaveLength(1);

    const forced = await under({ kind: 'lost', times: 1, action: 'TransactWriteItems' }, () => call({ method: 'DELETE', path: '/secrets/retriedValue', query: { force: 'true' } }));
    expect(forced.result.statusCode, forced.result.body).toBe(204);
    expect((await harness.store.scanAll()).filter((i) => String(i.sk).includes('retriedValue'))).toEqual([]);
    summary.push('faults: a lost answer to PATCH, expire, delete, a change of value and a forced delete -> 200, 200, 204, 200, 204, each applied once');
  });

  it('answers a client retry with the same Idempotency-Key as the first request, when every answer to it was lost', async () => {
    // Each write took effect and every SDK attempt's answer was lost: the caller saw 503 and retries.
    const lostEverything = async (request: HttpRequest) => {
      const first = await under({ kind: 'lost', times: Infinity, action: 'TransactWriteItems' }, () => call(request));
      expect(first.attempts.filter((a) => a === 'TransactWriteItems')).toHaveLength(MAX_ATTEMPTS);
      expectUnavailable(first.result);
      const retried = await call(request);
      expect(retried.headers['Idempotent-Replayed']).toBe('true');
      return retried;
    };
    const value = marker('fault');
    const created = await lostEverything({ method: 'POST', path: '/secrets', headers: { 'idempotency-key': 'lost-create' }, body: { name: 'keyedLost', value } });
    expect(created.statusCode, created.body).toBe(201);
    expect(json(await call({ method: 'GET', path: '/secrets/keyedLost' }))).toMatchObject({ id: json(created).id, value, revision: 1 });

    const patched = await lostEverything({ method: 'PATCH', path: '/secrets/keyedLost', headers: { 'idempotency-key': 'lost-patch' }, body: { tags: ['once'] } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(json(patched)).toMatchObject({ revision: 2, tags: ['once'] });

    const expired = await lostEverything({ method: 'POST', path: '/secrets/keyedLost/expire', headers: { 'idempotency-key': 'lost-expire' } });
    expect(expired.statusCode, expired.body).toBe(200);
    expect(json(expired)).toMatchObject({ revision: 3, expired: true });

    const deleted = await lostEverything({ method: 'DELETE', path: '/secrets/keyedLost', headers: { 'idempotency-key': 'lost-delete' } });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect((await harness.store.scanAll()).filter((i) => i.name === 'keyedLost')).toEqual([expect.objectContaining({ deletedAt: expect.any(String) })]);
    summary.push('faults: every answer lost, then a client retry with its Idempotency-Key -> 201, 200, 200, 204, each applied once');
  });

  it('fails a direct invocation with errorType ServiceUnavailable and a clean error', async () => {
    const before = await harness.store.scanAll();
    const { result, attempts } = await under({ kind: '500', times: Infinity }, () =>
      direct('update', { userProfileId: 'alice', name: 'stable', value: marker('fault') }).then(
        () => null,
        (error: Error) => error,
      ),
    );
    expect(result).toBeInstanceOf(Error);
    expect(result!.name).toBe('ServiceUnavailable');
    expect(result!.stack).toBe(`ServiceUnavailable: ${result!.message}`);
    expect(result!.message).not.toMatch(/InternalServerError|injected|PT~/);
    expect(attempts).toHaveLength(MAX_ATTEMPTS);
    expect(await harness.store.scanAll()).toEqual(before);
  });

  it('stops a sweep cleanly when the database fails, and a later sweep resumes', async () => {
    const { result } = await under({ kind: '503', times: Infinity }, () =>
      direct('sweep', {}).then(
        () => null,
        (error: Error) => error,
      ),
    );
    expect(result?.name).toBe('ServiceUnavailable');
    expect(await direct('sweep', {})).toMatchObject({ more: false });
  });

  it('serves normally once the faults stop: the client is not left broken', async () => {
    const value = marker('fault');
    expect((await call({ method: 'PATCH', path: '/secrets/stable', body: { value } })).statusCode).toBe(200);
    expect(json(await call({ method: 'GET', path: '/secrets/stable' })).value).toBe(value);
    const names = json(await call({ method: 'GET', path: '/secrets' })).items.map((s: { name: string }) => s.name);
    expect(names).toEqual(['afterThrottling', 'alsoStable', 'answerLost', 'stable']);
    expect(proxy.injected).toBeGreaterThan(0);
  });

  it('leaves no plaintext in the table or the logs, failures included', async () => {
    expect(harness.logs.text()).toContain('"code":"ServiceUnavailable"');
    const seen = await expectNoPlaintext(harness);
    summary.push(`faults: ${proxy.injected} faults injected over ${proxy.seen.length} requests; no plaintext in ${seen.items} raw items or ${seen.logLines} log lines`);
  });
});
