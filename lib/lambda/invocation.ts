// Turns either caller's event into one Invocation, and an Outcome or error back into what
// that caller expects: an HTTP API response with problem details, or a plain payload / a
// Lambda function error whose errorType is the contract's code.
import type { MiddlewareObj, Request } from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import {
  AmbiguousSecretName,
  InternalError,
  PayloadTooLarge,
  Unauthorized,
  UnsupportedMediaType,
  ValidationError,
  isSecretStoreError,
  type SecretStoreError,
} from '../domain/errors.js';
import { accountId as accountIdRule, idempotencyKey, parse, userProfileId } from '../domain/rules.js';

/** What the operation sees, whoever called: the adapter makes it the request's event. */
export interface Invocation {
  /** The owning profile: from verified JWT claims (HTTP) or the payload (direct); '' for batch jobs. */
  profileId: string;
  /** The caller's account, when it has one: the account claim (HTTP) or `accountId` (direct). */
  accountId?: string;
  /** Body merged with path and query fields (HTTP), or the payload less userProfileId. */
  input: Record<string, unknown>;
  /** Lower-cased request headers; empty for direct invocations. */
  headers: Record<string, string>;
  /** The client's idempotency key: the Idempotency-Key header (HTTP) or clientToken (direct). */
  idempotencyKey?: string;
  /** A body of a media type the route takes besides JSON (YAML), as UTF-8 text: the operation parses it. */
  text?: string;
}

export interface Outcome {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface InvocationOptions {
  /** Operations such as sweep and rotate run for no profile. */
  profile: 'required' | 'none';
  /** Query parameters the route reads (none by default); its input then comes from the query, not a body. */
  query?: readonly string[];
  /** It takes a client's idempotency key; elsewhere clientToken is an unknown field and the header is ignored. */
  idempotencyKey?: boolean;
  /** The media types its body may have (JSON only by default). */
  bodyTypes?: readonly BodyType[];
  profileClaim: string;
  /** The claim naming the caller's account; a token without it is a caller without an account. */
  accountClaim: string;
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

/** A body's media types, each optionally with `charset=utf-8`: JSON for every route, YAML where a route declares it. */
export type BodyType = 'application/json' | 'application/yaml';
const UTF_8 = String.raw`\s*(?:;\s*charset\s*=\s*(?:utf-8|"utf-8")\s*)?$`;
const MEDIA_TYPES: Record<BodyType, RegExp> = {
  'application/json': new RegExp(`^application/json${UTF_8}`, 'i'),
  'application/yaml': new RegExp(`^application/yaml${UTF_8}`, 'i'),
};

/** Fields an HTTP caller sets with a header, never in the body: `If-Match` is `ifMatch`. */
const HEADER_FIELDS: Record<string, string> = { 'if-match': 'ifMatch' };

const notKnown = (path: string, what = 'field') => ({ path, message: `is not a known ${what}` });

export function invocationAdapter(options: InvocationOptions): MiddlewareObj {
  const queryNames = new Set(options.query ?? []);
  const bodyTypes = options.bodyTypes ?? ['application/json'];

  const before = async (request: InvocationRequest): Promise<void> => {
    const event = request.event;
    request.internal.viaHttp = isHttpEvent(event);
    const invocation = isHttpEvent(event) ? fromHttp(event) : fromDirect(event);
    if (invocation.profileId) options.logger.appendKeys({ profileId: invocation.profileId });
    request.event = invocation;
  };

  const fromHttp = (event: HttpEvent): Invocation => {
    const headers = Object.fromEntries(
      Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v ?? '']),
    );
    const profileId = options.profile === 'none' ? '' : profileOf(event);
    const accountId = options.profile === 'none' ? undefined : accountOf(event);
    const { body, text } = bodyOf(event, headers);
    const query = event.queryStringParameters ?? {};
    const pathParameters = { ...event.pathParameters } as Record<string, string>;
    const errors = [
      // A secret value never travels in a URL, where access logs and proxies would keep it.
      ...Object.keys(query).map((key) =>
        key === 'value' ? { path: 'value', message: 'must be sent in the body, never in the query string' } : queryNames.has(key) ? undefined : notKnown(key, 'query parameter'),
      ),
      ...Object.keys(body).map((key) =>
        key in pathParameters ? { path: key, message: 'cannot be changed' } : Object.values(HEADER_FIELDS).includes(key) ? notKnown(key) : undefined,
      ),
      ...(queryNames.size > 0 && (Object.keys(body).length > 0 || text !== undefined) ? [{ path: 'body', message: 'must be empty: this route reads the query string' }] : []),
    ].filter((e) => e !== undefined);
    if (errors.length > 0) throw new ValidationError(errors);
    const fromHeaders = Object.fromEntries(Object.entries(HEADER_FIELDS).flatMap(([header, field]) => (header in headers ? [[field, headers[header]]] : [])));
    const key = options.idempotencyKey && 'idempotency-key' in headers ? parse(idempotencyKey, headers['idempotency-key'], 'Idempotency-Key') : undefined;
    return {
      profileId,
      ...(accountId !== undefined && { accountId }),
      input: { ...body, ...query, ...pathParameters, ...fromHeaders },
      headers,
      ...(key !== undefined && { idempotencyKey: key }),
      ...(text !== undefined && { text }),
    };
  };

  /** The account from the verified claim, if the token has one; one that is there but unusable is Unauthorized. */
  const accountOf = (event: HttpEvent): string | undefined => claimOf(event, options.accountClaim, accountIdRule, false);

  /** The profile from the verified claim; a token without a usable one is Unauthorized, naming the claim. */
  const profileOf = (event: HttpEvent): string => claimOf(event, options.profileClaim, userProfileId, true)!;

  /** A verified claim checked with `rule`: absent is undefined, or (`required`) Unauthorized, as is one the rule refuses. */
  const claimOf = (event: HttpEvent, name: string, rule: typeof userProfileId, required: boolean): string | undefined => {
    const claim = event.requestContext.authorizer?.jwt?.claims?.[name];
    const path = `token.${name}`;
    if (required && (claim === undefined || claim === '')) throw new Unauthorized([{ path, message: 'is required' }]);
    if (claim === undefined) return undefined;
    if (typeof claim !== 'string') throw new Unauthorized([{ path, message: 'must be a string' }]);
    try {
      return parse(rule, claim, path);
    } catch (error) {
      throw error instanceof ValidationError ? new Unauthorized(error.errors) : error;
    }
  };

  /**
   * The JSON object in the body (empty when there is none), or the text of another media type the
   * route takes: exactly those media types, in UTF-8.
   */
  const bodyOf = (event: HttpEvent, headers: Record<string, string>): { body: Record<string, unknown>; text?: string } => {
    if (typeof event.body !== 'string' || event.body === '') return { body: {} };
    const raw = event.body;
    const size = event.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw);
    if (size > options.maxBodyBytes) throw new PayloadTooLarge(`Request bodies are limited to ${options.maxBodyBytes} bytes.`);
    const type = bodyTypes.find((t) => MEDIA_TYPES[t].test(headers['content-type'] ?? ''));
    if (!type) throw new UnsupportedMediaType(bodyTypes);
    const decode = () => (event.isBase64Encoded ? new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(raw, 'base64')) : raw);
    if (type !== 'application/json') {
      try {
        return { body: {}, text: decode() };
      } catch {
        throw new ValidationError([{ path: 'body', message: 'must be UTF-8' }]);
      }
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(decode());
    } catch {
      throw new ValidationError([{ path: 'body', message: 'must be valid JSON in UTF-8' }]);
    }
    if (!isPlainObject(parsed)) throw new ValidationError([{ path: 'body', message: 'must be a JSON object' }]);
    return { body: parsed };
  };

  const fromDirect = (event: unknown): Invocation => {
    const payload = event ?? {};
    if (!isPlainObject(payload)) throw new ValidationError([{ path: '', message: 'the payload must be a JSON object' }]);
    if (options.profile === 'none') {
      for (const field of ['userProfileId', 'accountId']) if (payload[field] !== undefined) throw new ValidationError([notKnown(field)]);
      return { profileId: '', input: payload, headers: {} };
    }
    const { userProfileId: profile, accountId: account, ...input } = payload;
    const caller = {
      profileId: parse(userProfileId, profile, 'userProfileId'),
      ...(account !== undefined && { accountId: parse(accountIdRule, account, 'accountId') }),
    };
    if (!options.idempotencyKey || input.clientToken === undefined) return { ...caller, input, headers: {} };
    const { clientToken, ...rest } = input;
    return { ...caller, input: rest, headers: {}, idempotencyKey: parse(idempotencyKey, clientToken, 'clientToken') };
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

export function problemDetails(error: SecretStoreError): Record<string, unknown> {
  return {
    type: 'about:blank',
    title: error.title,
    status: error.status,
    code: error.name,
    detail: error.message,
    ...((error instanceof ValidationError || error instanceof Unauthorized) && { errors: error.errors }),
    ...(error instanceof AmbiguousSecretName && { owners: error.owners }),
  };
}

/** Known errors pass through; Middy's HTTP errors map to ours; anything else is a generic 500. */
function toStoreError(error: unknown, logger: Logger): SecretStoreError {
  if (isSecretStoreError(error)) {
    if (error.status >= 500) logger.error('request failed', { code: error.name, error: describe(error.cause) });
    else logger.info('request refused', { code: error.name, status: error.status });
    return error;
  }
  logger.error('unexpected error', { error: describe(error) });
  return new InternalError();
}

// Names and messages of our own code paths never carry values; SDK errors name AWS resources only.
function describe(error: unknown): Record<string, unknown> | undefined {
  if (!(error instanceof Error)) return undefined;
  return { name: error.name, message: error.message, stack: error.stack };
}
