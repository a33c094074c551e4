// The one Middy chain every function uses. Order matters: the logger is outermost so
// every line carries the request id; security headers wrap the adapter so that error
// responses get them too; keys are loaded before the operation runs.
import middy, { type MiddlewareObj } from '@middy/core';
import httpSecurityHeaders from '@middy/http-security-headers';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { config, logger } from '../runtime/clients.js';
import type { KeySource } from '../runtime/services.js';
import { invocationAdapter, type Invocation, type InvocationRequest, type Outcome } from './invocation.js';
import type { KeyLoader } from './keys.js';

export interface FunctionOptions {
  profile?: 'required' | 'none';
  /** For operations that encrypt or decrypt: `fernetKeys` from ./keys.js. */
  keys?: KeyLoader;
}

/** `keys` is undefined for functions declared without a key loader. */
export type Operation = (invocation: Invocation, keys: KeySource | undefined, context: Context) => Promise<Outcome>;

const isHttp = (event: unknown): boolean =>
  typeof event === 'object' && event !== null && 'requestContext' in event && 'rawPath' in event;

/** Applies a middleware to HTTP API events only: direct invocations get plain payloads. */
function httpOnly(middleware: MiddlewareObj): MiddlewareObj {
  const wrap = (phase: 'before' | 'after' | 'onError') => {
    const fn = middleware[phase];
    return fn && ((request: InvocationRequest) => (isHttp(request.event) ? fn(request as never) : undefined));
  };
  return { before: wrap('before'), after: wrap('after'), onError: wrap('onError') } as MiddlewareObj;
}

export function secretFunction(operation: Operation, options: FunctionOptions = {}) {
  return middy()
    // logEvent: false wins over POWERTOOLS_LOGGER_LOG_EVENT=true, which would log every event
    // with its body, plaintext values included.
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(httpOnly(httpSecurityHeaders()))
    .use(
      invocationAdapter({
        profile: options.profile ?? 'required',
        profileClaim: config.PROFILE_CLAIM,
        maxBodyBytes: config.MAX_BODY_BYTES,
        logger,
      }),
    )
    .use(options.keys?.middlewares() ?? [])
    .handler(async (_event: unknown, context: Context) => {
      const { invocation } = context as Context & { invocation: Invocation };
      return operation(invocation, options.keys?.source(context), context);
    });
}
