// The one Middy chain every function uses. Order matters: the logger is outermost so
// every line carries the request id; security headers wrap the adapter so that error
// responses get them too; keys are loaded before the operation runs.
import middy, { type MiddlewareObj } from '@middy/core';
import httpSecurityHeaders from '@middy/http-security-headers';
import ssm from '@middy/ssm';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { config, logger } from '../runtime/clients.js';
import type { KeySource } from '../runtime/services.js';
import { invocationAdapter, type Invocation, type InvocationRequest, type Outcome } from './invocation.js';

export type KeyedContext = Context & { invocation: Invocation; fernetKeys?: string };

export interface FunctionOptions {
  profile?: 'required' | 'none';
  /** Whether the operation needs the Fernet keys (sweep does not). */
  keys?: boolean;
}

/** `keys` is undefined for functions declared with `keys: false`. */
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

function keysMiddleware(): MiddlewareObj[] {
  if (config.FERNET_KEYS !== undefined || config.FERNET_KEYS_PARAMETER === undefined) return [];
  return [
    ssm({
      fetchData: { fernetKeys: config.FERNET_KEYS_PARAMETER },
      setToContext: true,
      // Keys change rarely; refetching every 5 minutes picks up a rotation without a redeploy.
      cacheExpiry: 5 * 60 * 1000,
    }) as MiddlewareObj,
  ];
}

export function secretFunction(operation: Operation, options: FunctionOptions = {}) {
  const needsKeys = options.keys ?? true;
  return middy()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpOnly(httpSecurityHeaders()))
    .use(
      invocationAdapter({
        profile: options.profile ?? 'required',
        profileClaim: config.PROFILE_CLAIM,
        maxBodyBytes: config.MAX_BODY_BYTES,
        logger,
      }),
    )
    .use(needsKeys ? keysMiddleware() : [])
    .handler(async (_event: unknown, context: Context) => {
      const { invocation, fernetKeys } = context as KeyedContext;
      let keys: KeySource | undefined;
      if (needsKeys) {
        keys =
          config.FERNET_KEYS !== undefined
            ? { value: config.FERNET_KEYS, name: 'FERNET_KEYS' }
            : { value: fernetKeys ?? '', name: `SSM parameter ${config.FERNET_KEYS_PARAMETER}` };
      }
      return operation(invocation, keys, context);
    });
}
