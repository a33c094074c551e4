// The client's two transports wired to the harness's handlers instead of a network: a fetch that
// hands each request to the handler API Gateway would route it to (the bearer token names the
// profile here, and the account after `;account=`), and a LambdaClient stand-in that invokes the handlers as the Lambda API would.
// `loseAnswers` drops the answer of the next n requests after the handler ran, as a broken
// connection would.
import type { LambdaLike } from '../../client/index.js';
import type { Harness } from './harness.js';
import type { Operation } from './handlers.js';

export interface Wires {
  fetch: typeof fetch;
  lambda: LambdaLike;
  /** Requests that reached a handler, by operation. */
  calls: Operation[];
  /** The next `n` answers are lost after the handler ran. */
  loseAnswers(n: number): void;
}

export function harnessWires(harness: Harness, prefix = 'secret-store-test-'): Wires {
  const calls: Operation[] = [];
  let toLose = 0;
  const lost = () => toLose > 0 && toLose-- > 0;

  const fetchShim = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    const [profile = null, account] = headers.authorization?.replace(/^Bearer /, '').split(';account=') ?? [];
    const query = Object.fromEntries(url.searchParams);
    const response = await harness.call({
      method: init.method ?? 'GET',
      path: url.pathname,
      profile,
      ...(account !== undefined && { claims: { account } }),
      headers,
      ...(url.searchParams.size > 0 && { query }),
      ...(typeof init.body === 'string' && { rawBody: init.body }),
    });
    calls.push(operationOf(init.method ?? 'GET', url.pathname));
    if (lost()) throw new TypeError('fetch failed');
    return new Response(response.statusCode === 204 ? null : (response.body ?? null), { status: response.statusCode, headers: response.headers });
  }) as typeof fetch;

  const lambda: LambdaLike = {
    async send(command) {
      const { FunctionName, Payload } = (command as { input: { FunctionName: string; Payload: Uint8Array } }).input;
      const op = FunctionName.slice(prefix.length) as Operation;
      calls.push(op);
      let result: { FunctionError?: string; Payload?: Uint8Array };
      try {
        const answer = await harness.direct(op, JSON.parse(new TextDecoder().decode(Payload)));
        result = { Payload: new TextEncoder().encode(JSON.stringify(answer ?? null)) };
      } catch (error) {
        const { name, message } = error as Error;
        result = { FunctionError: 'Unhandled', Payload: new TextEncoder().encode(JSON.stringify({ errorType: name, errorMessage: message })) };
      }
      if (lost()) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
      return result;
    },
  };

  return { fetch: fetchShim, lambda, calls, loseAnswers: (n) => void (toLose = n) };
}

function operationOf(method: string, path: string): Operation {
  if (path === '/manifests') return 'apply';
  if (path.endsWith('/expire')) return 'expire';
  if (path.endsWith('/versions')) return 'versions';
  if (path.endsWith('/restore')) return 'restore';
  if (path === '/secrets') return method === 'POST' ? 'create' : 'list';
  return ({ GET: 'get', PATCH: 'update', DELETE: 'delete' } as Record<string, Operation>)[method]!;
}
