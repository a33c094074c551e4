// How a request reaches the store: over its HTTP API (fetch, a bearer token) or by invoking its
// functions directly (Lambda Invoke, a profile named in the payload). Both answer the same
// shapes and raise the same error classes, so SecretStore does not know which it has.
import { errorFor, TooManyRequests, TransportError, type SecretStoreError } from './errors.js';

export type Operation = 'create' | 'get' | 'list' | 'update' | 'expire' | 'delete' | 'apply' | 'versions' | 'restore';

export interface Call {
  operation: Operation;
  name?: string;
  id?: string;
  /** The fields a body (HTTP) or payload (direct) carries. */
  fields?: Record<string, unknown>;
  /** A YAML body, sent as it is (HTTP only: a direct payload is an object). */
  yaml?: string;
  /** The query parameters (list's, get's `owner` and `version`, delete's `force`): a direct payload's fields alike. */
  query?: Record<string, string | number | boolean | undefined>;
  /** If-Match's text (HTTP); a direct payload's `ifMatch`. */
  ifMatch?: string;
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface Answer {
  body: unknown;
  /** `Idempotent-Replayed: true` (HTTP only: a direct answer does not say). */
  replayed: boolean;
}

export interface Transport {
  send(call: Call): Promise<Answer>;
}

// --- HTTP ---------------------------------------------------------------------------------

export interface HttpOptions {
  /** The API's base URL, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com` or `http://localhost:3000`. */
  endpoint: string;
  /** A bearer token, or a function giving the current one (called for every request: cache it there). */
  token: string | (() => string | Promise<string>);
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

const ROUTES: Record<Operation, { method: string; path: (call: Call) => string }> = {
  create: { method: 'POST', path: () => '/secrets' },
  list: { method: 'GET', path: () => '/secrets' },
  get: { method: 'GET', path: (c) => `/secrets/${encodeURIComponent(c.name!)}` },
  update: { method: 'PATCH', path: (c) => `/secrets/${encodeURIComponent(c.name!)}` },
  expire: { method: 'POST', path: (c) => `/secrets/${encodeURIComponent(c.name!)}/expire` },
  delete: { method: 'DELETE', path: (c) => `/secrets/${encodeURIComponent(c.name!)}` },
  apply: { method: 'POST', path: () => '/manifests' },
  versions: { method: 'GET', path: (c) => `/secrets/${encodeURIComponent(c.name!)}/versions` },
  restore: { method: 'POST', path: (c) => `/secrets/${encodeURIComponent(c.name!)}/restore` },
};

export function httpTransport(options: HttpOptions): Transport {
  const send = options.fetch ?? globalThis.fetch;
  const base = options.endpoint.replace(/\/+$/, '');
  return {
    async send(call) {
      if (call.id !== undefined) throw new TypeError('A get by id is for direct invocation only; over HTTP, get by name.');
      const route = ROUTES[call.operation];
      const query = new URLSearchParams(Object.entries(call.query ?? {}).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, String(v)]])));
      const url = `${base}${route.path(call)}${query.size > 0 ? `?${query}` : ''}`;
      const token = typeof options.token === 'function' ? await options.token() : options.token;
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json, application/problem+json' };
      if (call.fields !== undefined) headers['content-type'] = 'application/json';
      if (call.yaml !== undefined) headers['content-type'] = 'application/yaml';
      if (call.ifMatch !== undefined) headers['if-match'] = call.ifMatch;
      if (call.idempotencyKey !== undefined) headers['idempotency-key'] = call.idempotencyKey;
      let response: Response;
      let text: string;
      try {
        response = await send(url, {
          method: route.method,
          headers,
          ...(call.fields !== undefined && { body: JSON.stringify(call.fields) }),
          ...(call.yaml !== undefined && { body: call.yaml }),
          ...(call.signal && { signal: call.signal }),
        });
        text = await response.text();
      } catch (error) {
        if (call.signal?.aborted) throw error;
        throw new TransportError({ detail: `The store at ${base} could not be reached or its answer was lost.` }, { cause: error });
      }
      if (!response.ok) throw httpError(response, text);
      return { body: text ? JSON.parse(text) : undefined, replayed: response.headers.get('idempotent-replayed') === 'true' };
    },
  };
}

function httpError(response: Response, text: string): SecretStoreError {
  const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
  let problem: { code?: string; detail?: string; errors?: { path: string; message: string }[]; owners?: string[]; message?: string } = {};
  try {
    problem = text ? JSON.parse(text) : {};
  } catch {
    // A gateway's own answer may be anything.
  }
  return errorFor(problem.code, response.status, {
    detail: problem.detail ?? problem.message ?? `HTTP ${response.status}`,
    ...(problem.errors && { fieldErrors: problem.errors }),
    ...(Array.isArray(problem.owners) && { owners: problem.owners }),
    ...(Number.isFinite(retryAfter) && { retryAfter }),
  });
}

// --- Direct invocation ----------------------------------------------------------------------

/** The part of `@aws-sdk/client-lambda`'s LambdaClient used here. */
export interface LambdaLike {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<{ FunctionError?: string; Payload?: Uint8Array }>;
}

export interface LambdaOptions {
  /** Function names are `<functionPrefix><operation>`, e.g. `secret-store-prod-` (see docs/API.md). */
  functionPrefix: string;
  /** The profile every call acts for (direct invokers are trusted: IAM is the gate). */
  profile: string;
  /** The profile's account, for secrets shared account-wide. */
  account?: string;
  /** A LambdaClient; by default one is made with the SDK's default configuration. */
  client?: LambdaLike;
}

// The SDK's InvokeCommand, imported on first use: HTTP callers never need the Lambda SDK installed.
let invokeCommand: Promise<(input: { FunctionName: string; Payload: Uint8Array }) => unknown> | undefined;
const commandOf = () => (invokeCommand ??= import('@aws-sdk/client-lambda').then((m) => (input) => new m.InvokeCommand(input)));

/**
 * Invokes `functionName` with `payload` and returns what it answered. A function error becomes
 * its contract code's class; Lambda's throttling is TooManyRequests; an invocation that did not
 * happen or whose answer was lost is TransportError.
 */
export async function invokeFunction(client: LambdaLike, functionName: string, payload: unknown, signal?: AbortSignal): Promise<unknown> {
  const command = (await commandOf())({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify(payload)) });
  let output: { FunctionError?: string; Payload?: Uint8Array };
  try {
    output = await client.send(command, signal ? { abortSignal: signal } : undefined);
  } catch (error) {
    if (signal?.aborted) throw error;
    const name = (error as Error)?.name ?? '';
    if (/TooManyRequests|Throttl/.test(name)) throw new TooManyRequests({ detail: 'Lambda throttled the invocation.' }, { cause: error });
    throw new TransportError({ detail: `The function ${functionName} could not be invoked.` }, { cause: error });
  }
  const text = output.Payload ? new TextDecoder().decode(output.Payload) : '';
  const body = text ? JSON.parse(text) : undefined;
  if (output.FunctionError) throw lambdaError(body);
  return body;
}

export function lambdaTransport(options: LambdaOptions): Transport {
  let client: Promise<LambdaLike> | undefined;
  const lambda = () =>
    (client ??= options.client ? Promise.resolve(options.client) : import('@aws-sdk/client-lambda').then((m) => new m.LambdaClient({}) as unknown as LambdaLike));
  return {
    async send(call) {
      if (call.yaml !== undefined) throw new TypeError('A direct invocation takes the manifest as an object: parse the YAML first.');
      const payload = {
        userProfileId: options.profile,
        ...(options.account !== undefined && { accountId: options.account }),
        ...call.query,
        ...call.fields,
        ...(call.name !== undefined && { name: call.name }),
        ...(call.id !== undefined && { id: call.id }),
        ...(call.ifMatch !== undefined && { ifMatch: call.ifMatch }),
        ...(call.idempotencyKey !== undefined && { clientToken: call.idempotencyKey }),
      };
      const body = await invokeFunction(await lambda(), `${options.functionPrefix}${call.operation}`, payload, call.signal);
      return { body: body ?? undefined, replayed: false };
    },
  };
}

/** A function error's payload: errorType is the contract's code (serverless-offline puts it in the first trace line). */
export function lambdaError(payload: { errorType?: string; errorMessage?: string; trace?: string[] } | undefined): SecretStoreError {
  const fromTrace = /^(\w+): /.exec(payload?.trace?.[0] ?? '')?.[1];
  const code = payload?.errorType && payload.errorType !== 'Error' ? payload.errorType : fromTrace;
  return errorFor(code, undefined, { detail: payload?.errorMessage ?? 'The function failed.' });
}
