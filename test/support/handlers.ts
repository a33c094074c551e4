import { httpEvent, lambdaContext, type HttpRequest, type HttpResponse } from './http.js';

// Loads the function handlers after the test store has set the environment they read
// at cold start (config is validated when a function module is first imported).
export type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const modules = {
  create: () => import('../../functions/create.js'),
  get: () => import('../../functions/get.js'),
  list: () => import('../../functions/list.js'),
  expire: () => import('../../functions/expire.js'),
  update: () => import('../../functions/update.js'),
  delete: () => import('../../functions/delete.js'),
  sweep: () => import('../../functions/sweep.js'),
  rotate: () => import('../../functions/rotate.js'),
};

export type Operation = keyof typeof modules;

export async function loadHandlers(): Promise<Record<Operation, Handler>> {
  const entries = await Promise.all(
    Object.entries(modules).map(async ([op, load]) => [op, (await load()).handler as Handler] as const),
  );
  return Object.fromEntries(entries) as Record<Operation, Handler>;
}

const ROUTES: Record<string, Operation> = {
  'POST /secrets': 'create',
  'GET /secrets': 'list',
  'GET /secrets/{name}': 'get',
  'PATCH /secrets/{name}': 'update',
  'DELETE /secrets/{name}': 'delete',
  'POST /secrets/{name}/expire': 'expire',
};

/** Sends a request through the handler API Gateway would route it to. */
export function httpCaller(handlers: Record<Operation, Handler>) {
  return async (request: HttpRequest): Promise<HttpResponse> => {
    const event = httpEvent(request);
    return (await handlers[ROUTES[event.routeKey]!](event, lambdaContext())) as HttpResponse;
  };
}
