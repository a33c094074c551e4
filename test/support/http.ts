export { httpEvent, lambdaContext, type HttpRequest, type HttpResponse } from '../../local/lambda-events.js';
import type { HttpResponse } from '../../local/lambda-events.js';

/** The parsed body, untyped: tests read the fields the contract names and assert them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const json = (response: HttpResponse): any => (response.body ? JSON.parse(response.body) : undefined);
