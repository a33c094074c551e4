import { FUNCTIONS, type FunctionName, type Handler } from '../../functions/index.js';
import { httpEvent, lambdaContext, type HttpRequest, type HttpResponse } from './http.js';
import { checkResponse } from './openapi.js';

export { loadHandlers, type FunctionName as Operation, type Handler } from '../../functions/index.js';

/** The function API Gateway routes each route key to, from the functions' declarations. */
const ROUTES = Object.fromEntries(
  Object.entries(FUNCTIONS).flatMap(([name, fn]) => ('route' in fn ? [[`${fn.route.method} ${fn.route.path}`, name as FunctionName]] : [])),
);

/** Sends a request through the handler API Gateway would route it to; its answer must be one docs/openapi.json describes. */
export function httpCaller(handlers: Record<FunctionName, Handler>) {
  return async (request: HttpRequest): Promise<HttpResponse> => {
    const event = httpEvent(request);
    const response = (await handlers[ROUTES[event.routeKey]!](event, lambdaContext())) as HttpResponse;
    checkResponse(event.routeKey, response);
    return response;
  };
}
