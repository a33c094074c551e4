// Turns either caller's event into one Invocation, and an Outcome or error back into what
// that caller expects: an HTTP API response with problem details, or a plain payload / a
// Lambda function error whose errorType is the contract's code.
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { MiddlewareObj, Request } from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import {
  InternalError,
  PayloadTooLarge,
  Unauthorized,
  UnsupportedMediaType,
  ValidationError,
  isSecretStoreError,
  type SecretStoreError,
} from '../domain/errors.js';
import { parse, userProfileId } from '../domain/rules.js';

/** What the operation sees, whoever called: the adapter makes it the request's event. */
export interface Invocation {
  /** The owning profile: from verified JWT claims (HTTP) or the payload (direct); '' for batch jobs. */
  profileId: string;
  /** Body merged with path and query fields (HTTP), or the payload less userProfileId. */
  input: Record<string, unknown>;
  /** Lower-cased request headers; empty for direct invocations. */
  headers: Record<string, string>;
}

export interface Outcome {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface InvocationOptions {
  /** Operations such as sweep and rotate run for no profile. */
  profile: 'required' | 'none';
  profileClaim: string;
  maxBodyBytes: number;
  logger: Logger;
}

type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type InvocationRequest = Request<unknown, unknown, Error, Context, { viaHttp?: boolean }>;

const isHttpEvent = (event: unknown): event is HttpEvent =>
  typeof event === 'object' && event !== null && 'requestContext' in event && 'rawPath' in event;

/** Whether the request came through the HTTP API (decided before the event is replaced). */
export const viaHttp = (request: InvocationRequest): boolean => request.internal.viaHttp ?? isHttpEvent(request.event);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function invocationAdapter(options: InvocationOptions): MiddlewareObj {
  const jsonBody = httpJsonBodyParser();

  const before = async (request: InvocationRequest): Promise<void> => {
    const event = request.event;
    request.internal.viaHttp = isHttpEvent(event);
    const invocation = isHttpEvent(event) ? await fromHttp(event, request) : fromDirect(event);
    if (invocation.profileId) options.logger.appendKeys({ profileId: invocation.profileId });
    request.event = invocation;
  };

  const fromHttp = async (event: HttpEvent, request: InvocationRequest): Promise<Invocation> => {
    const headers = Object.fromEntries(
      Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v ?? '']),
    );
    let body: unknown = {};
    if (typeof event.body === 'string' && event.body !== '') {
      const size = event.isBase64Encoded ? Math.floor((event.body.length * 3) / 4) : Buffer.byteLength(event.body);
      if (size > options.maxBodyBytes) {
        throw new PayloadTooLarge(`Request bodies are limited to ${options.maxBodyBytes} bytes.`);
      }
      event.headers = { ...event.headers, 'content-type': headers['content-type'] ?? '' };
      await jsonBody.before!(request as never);
      body = (request.event as HttpEvent).body;
      if (!isPlainObject(body)) throw new ValidationError([{ path: 'body', message: 'must be a JSON object' }]);
    }
    const pathParameters = { ...event.pathParameters } as Record<string, string>;
    // A secret value never travels in a URL, where access logs and proxies would keep it.
    if (event.queryStringParameters && 'value' in event.queryStringParameters) {
      throw new ValidationError([{ path: 'value', message: 'must be sent in the body, never in the query string' }]);
    }
    const input: Record<string, unknown> = { ...(body as object), ...event.queryStringParameters, ...pathParameters };
    const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
    const claim = claims[options.profileClaim];
    if (options.profile === 'required' && (typeof claim !== 'string' || claim === '')) {
      throw new Unauthorized(`The token carries no '${options.profileClaim}' claim.`);
    }
    if (options.profile === 'none') return { profileId: '', input, headers };
    const profileId = parse(userProfileId, claim);
    refuseNameInBody(body, pathParameters);
    return { profileId, input, headers };
  };

  const fromDirect = (event: unknown): Invocation => {
    const payload = event ?? {};
    if (!isPlainObject(payload)) throw new ValidationError([{ path: '', message: 'the payload must be a JSON object' }]);
    const { userProfileId: profile, ...input } = payload;
    if (options.profile === 'none') {
      if (profile !== undefined) throw new ValidationError([{ path: 'userProfileId', message: 'is not a known field' }]);
      return { profileId: '', input, headers: {} };
    }
    return { profileId: parse(userProfileId, profile, 'userProfileId'), input, headers: {} };
  };

  const after = async (request: InvocationRequest): Promise<void> => {
    const outcome = request.response as Outcome;
    request.response = viaHttp(request)
      ? {
          statusCode: outcome.status,
          headers: {
            ...(outcome.body !== undefined && { 'Content-Type': 'application/json' }),
            'Cache-Control': 'no-store',
            ...outcome.headers,
          },
          ...(outcome.body !== undefined && { body: JSON.stringify(outcome.body) }),
        }
      : (outcome.body ?? null);
  };

  // The one place where errors become responses.
  const onError = async (request: InvocationRequest): Promise<void> => {
    const error = toStoreError(request.error, options.logger);
    if (viaHttp(request)) {
      request.response = {
        statusCode: error.status,
        headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store', ...error.headers },
        body: JSON.stringify(problemDetails(error)),
      };
      return;
    }
    // A clean function error: errorType is the code, and no stack frames leave the function.
    error.stack = `${error.name}: ${error.message}`;
    request.error = error;
  };

  return { before, after, onError } as MiddlewareObj;
}

/** A path parameter is not also a body field: PATCH /secrets/a with {"name": "b"} renames nothing. */
function refuseNameInBody(body: unknown, pathParameters: Record<string, string>): void {
  if (isPlainObject(body) && 'name' in body && 'name' in pathParameters) {
    throw new ValidationError([{ path: 'name', message: 'cannot be changed' }]);
  }
}

export function problemDetails(error: SecretStoreError): Record<string, unknown> {
  return {
    type: 'about:blank',
    title: error.title,
    status: error.status,
    code: error.name,
    detail: error.message,
    ...(error instanceof ValidationError && { errors: error.errors }),
  };
}

/** Known errors pass through; Middy's HTTP errors map to ours; anything else is a generic 500. */
function toStoreError(error: unknown, logger: Logger): SecretStoreError {
  if (isSecretStoreError(error)) {
    if (error.status >= 500) logger.error('request failed', { code: error.name, error: describe(error.cause) });
    else logger.info('request refused', { code: error.name, status: error.status });
    return error;
  }
  const status = (error as { statusCode?: number })?.statusCode;
  if (status === 415) return new UnsupportedMediaType();
  if (status === 413) return new PayloadTooLarge('The request body is too large.');
  if (status !== undefined && status >= 400 && status < 500) {
    return new ValidationError([{ path: 'body', message: 'must be valid JSON without reserved keys' }]);
  }
  logger.error('unexpected error', { error: describe(error) });
  return new InternalError();
}

// Names and messages of our own code paths never carry values; SDK errors name AWS resources only.
function describe(error: unknown): Record<string, unknown> | undefined {
  if (!(error instanceof Error)) return undefined;
  return { name: error.name, message: error.message, stack: error.stack };
}
