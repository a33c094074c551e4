// The one Middy chain every function that serves callers uses. Order matters: the logger is
// outermost so every line carries the request id; metrics are flushed after the request is
// counted; security headers wrap the adapter so that error responses get them too; the adapter turns the event into an Invocation, and the operation gets its input
// parsed and its dependencies ready.
import middy, { type MiddlewareObj } from '@middy/core';
import httpSecurityHeaders from '@middy/http-security-headers';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import type { Config } from '../config.js';
import { parse } from '../domain/rules.js';
import type { Secret } from '../domain/secret.js';
import type { SecretService } from '../secrets/service.js';
import { config, logger, metrics, prefetchKeys, secretService } from '../wiring.js';
import { invocationAdapter, viaHttp, type BodyType, type Invocation, type InvocationRequest, type Outcome } from './invocation.js';

/** What the chain needs to know of a function (functions/<name>/config.ts declares it). */
export interface FunctionTraits {
  /** Whose secrets: the caller's profile, or none (the batch jobs). */
  profile: 'required' | 'none';
  /** It encrypts or decrypts, so it reads the Fernet keys (ssm:GetParameter in AWS). */
  keys: boolean;
  /** Over HTTP: the query parameters its route reads (its input then comes from the query, not a body), and its body's media types. */
  route?: { path: string; query?: readonly string[]; bodyTypes?: readonly BodyType[] };
  /** A write that takes a client's idempotency key (Idempotency-Key, clientToken). */
  idempotent?: true;
}

/** The operation's input: a schema for the Invocation's input fields, or a parser of the whole Invocation. */
export type InputRule<Input> = z.ZodMiniType<Input> | ((invocation: Invocation) => Input);

export interface OperationRequest<Input> {
  profileId: string;
  /** The caller's account, when it has one. */
  accountId?: string;
  input: Input;
  /** The client's idempotency key, for functions that declare `idempotent`. */
  idempotencyKey?: string;
}

export interface Dependencies {
  /** With the Fernet keys loaded for functions that declare `keys`. */
  secrets: SecretService;
  logger: Logger;
  metrics: Metrics;
  config: Config;
  /** Milliseconds left before Lambda stops this invocation. */
  timeLeft: () => number;
}

export type Operation<Input> = (request: OperationRequest<Input>, deps: Dependencies) => Promise<Outcome>;

/** Applies a middleware to HTTP API events only: direct invocations get plain payloads. */
function httpOnly(middleware: MiddlewareObj): MiddlewareObj {
  const wrap = (phase: 'before' | 'after' | 'onError') => {
    const fn = middleware[phase];
    return fn && ((request: InvocationRequest) => (viaHttp(request) ? fn(request as never) : undefined));
  };
  return { before: wrap('before'), after: wrap('after'), onError: wrap('onError') } as MiddlewareObj;
}

/** Counts every request by function and outcome (success, clientError, serverError), however it ended. */
function countRequests(): MiddlewareObj {
  const record = (request: InvocationRequest, status: number) => {
    const outcome = status >= 500 ? 'serverError' : status >= 400 ? 'clientError' : 'success';
    // A metric of its own: dimensions added to `metrics` would apply to every other metric too.
    const requests = metrics.singleMetric();
    requests.addDimensions({ function: request.context.functionName, outcome });
    requests.addMetric('Requests', MetricUnit.Count, 1);
  };
  const statusOf = (request: InvocationRequest) =>
    (request.response as { statusCode?: number } | undefined)?.statusCode ?? (request.error as { status?: number } | undefined)?.status;
  return {
    after: (request: InvocationRequest) => record(request, statusOf(request) ?? 200),
    onError: (request: InvocationRequest) => record(request, statusOf(request) ?? 500),
  } as MiddlewareObj;
}

export function secretFunction<Input>(traits: FunctionTraits, inputRule: InputRule<Input>, operation: Operation<Input>) {
  // Fetch keys during init, which runs before the first request is even routed here.
  if (traits.keys) prefetchKeys();
  const inputOf = typeof inputRule === 'function' ? inputRule : (invocation: Invocation) => parse(inputRule, invocation.input);
  return middy()
    // logEvent: false wins over POWERTOOLS_LOGGER_LOG_EVENT=true, which would log every event
    // with its body, plaintext values included.
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(metrics))
    .use(countRequests())
    .use(httpOnly(httpSecurityHeaders()))
    .use(
      invocationAdapter({
        profile: traits.profile,
        query: traits.route?.query,
        idempotencyKey: traits.idempotent === true,
        bodyTypes: traits.route?.bodyTypes,
        profileClaim: config.PROFILE_CLAIM,
        accountClaim: config.ACCOUNT_CLAIM,
        maxBodyBytes: config.MAX_BODY_BYTES,
        logger,
      }),
    )
    .handler(async (event: unknown, context: Context) => {
      const invocation = event as Invocation;
      const input = inputOf(invocation);
      const secrets = await secretService(traits.keys);
      const timeLeft = () => context.getRemainingTimeInMillis();
      const request = { profileId: invocation.profileId, accountId: invocation.accountId, input, idempotencyKey: invocation.idempotencyKey };
      return operation(request, { secrets, logger, metrics, config, timeLeft });
    });
}

/**
 * What a keyed write tells the service, and how its answer shows a replay: `Idempotent-Replayed:
 * true` when the result is an earlier request's.
 */
export function writeOptions(request: OperationRequest<unknown>) {
  const replay = { replayed: false };
  return {
    options: { idempotencyKey: request.idempotencyKey, onReplay: () => (replay.replayed = true), accountId: request.accountId },
    headers: (): Record<string, string> => (replay.replayed ? { 'Idempotent-Replayed': 'true' } : {}),
  };
}

/** A secret answer; the ETag is its revision, for If-Match on the next PATCH. */
export const secretResponse = (secret: Secret, status = 200, headers: Record<string, string> = {}): Outcome => ({
  status,
  body: secret,
  headers: { ETag: `"${secret.revision}"`, ...headers },
});
