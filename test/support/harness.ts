// The setup every handler test file shares: a store of its own, the real handlers loaded
// against it, HTTP and direct calls, an optional log capture, the table's stream fed to the
// publisher as in AWS, and a summary printed after the file.
import type { DynamoDBBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, vi } from 'vitest';
import { pollStream, type StreamPoller } from '../../local/stream-poller.js';
import { httpCaller, loadHandlers, type Handler, type Operation } from './handlers.js';
import { lambdaContext, type HttpRequest, type HttpResponse } from './http.js';
import { captureLogs, type LogCapture } from './logs.js';
import { startTestStore, type TestStore } from './store.js';

export interface HarnessOptions {
  /** Environment the functions read at cold start, beyond the store's (e.g. POWERTOOLS_LOG_LEVEL, RETENTION_DAYS). */
  env?: Record<string, string>;
  /** Capture stdout, stderr and console from before the store starts until the file ends. */
  captureLogs?: boolean;
  /** Runs once the store is up, before the handlers load (and so before they read their environment). */
  beforeLoad?: (store: TestStore) => void | Promise<void>;
  /** Feed the table's stream to the publisher, as Lambda does in AWS (where the store has streams). */
  auditStream?: boolean;
}

export interface Harness {
  readonly store: TestStore;
  readonly handlers: Record<Operation, Handler>;
  /** The log capture; only with `captureLogs: true`. */
  readonly logs: LogCapture;
  /** Sends a request through the handler API Gateway would route it to. */
  call(request: HttpRequest): Promise<HttpResponse>;
  /** Invokes a function directly, as the Lambda API would; `remainingMs` is the context's clock. */
  direct(op: Operation, payload: unknown, remainingMs?: () => number): Promise<unknown>;
  /** Lines printed after the file's tests, once the log capture is restored. */
  readonly summary: string[];
  /** Whether the stream feeds the publisher (`auditStream`, on a store with streams). */
  readonly audited: boolean;
  /** Resolves once every change made so far has reached the publisher. */
  drainAudit(): Promise<void>;
}

/** Registers the file's beforeAll/afterAll and returns what its tests use (available once beforeAll ran). */
export function useHandlers(options: HarnessOptions = {}): Harness {
  let store: TestStore | undefined;
  let handlers: Record<Operation, Handler> | undefined;
  let logs: LogCapture | undefined;
  let send: ((request: HttpRequest) => Promise<HttpResponse>) | undefined;
  let poller: StreamPoller | undefined;
  const streamErrors: string[] = [];
  const summary: string[] = [];
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is available once the harness's beforeAll has run`);
    return value;
  };

  beforeAll(async () => {
    if (options.captureLogs) logs = captureLogs();
    store = await startTestStore(options.env);
    await options.beforeLoad?.(store);
    // Cold starts of this file's own: where files share a worker (the mutation run's isolate:
    // false), the modules another file loaded read another store's environment.
    vi.resetModules();
    handlers = await loadHandlers();
    send = httpCaller(handlers);
    if (options.auditStream && store.dynamo.streams) {
      const publish = handlers.publish;
      poller = await pollStream({
        endpoint: store.dynamo.endpoint,
        tableName: store.tableName,
        intervalMs: 50,
        deliver: (event) => publish(event, lambdaContext()) as Promise<DynamoDBBatchResponse>,
        onError: (error) => streamErrors.push(error.message),
      });
    }
  });

  afterAll(async () => {
    await poller?.stop();
    logs?.restore();
    for (const line of summary) console.log(line);
    await store?.close();
  });

  return {
    get store() {
      return ready(store, 'store');
    },
    get handlers() {
      return ready(handlers, 'handlers');
    },
    get logs() {
      if (!options.captureLogs) throw new Error('logs are captured only with useHandlers({ captureLogs: true })');
      return ready(logs, 'logs');
    },
    call: (request) => ready(send, 'call')(request),
    direct: (op, payload, remainingMs) => ready(handlers, 'handlers')[op](payload, lambdaContext(remainingMs)),
    summary,
    get audited() {
      return poller !== undefined;
    },
    async drainAudit() {
      if (poller === undefined) return;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the stream did not drain in 30 s: ${streamErrors.slice(-3).join('; ')}`)), 30_000);
      });
      await Promise.race([poller.drain(), late]).finally(() => clearTimeout(timer));
    },
  };
}
