// The Fernet keys, for the functions that encrypt or decrypt: FERNET_KEYS locally, the SSM
// SecureString parameter in AWS. Only those functions import this module, so only their
// bundles (and roles) can reach the parameter.
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { awsJsonRpc, isRetryable } from '../aws/json-rpc.js';
import { InternalError, ServiceUnavailable } from '../domain/errors.js';
import { config, dynamoClient, logger } from '../runtime/clients.js';
import type { KeySource } from '../runtime/services.js';

export interface KeyLoader {
  middlewares(): MiddlewareObj[];
  /** The key list for this invocation, once the middlewares have run. */
  source(context: Context): KeySource;
}

// Keys change rarely; refetching every 5 minutes picks up a rotation without a redeploy.
export const KEYS_REFRESH_MS = 5 * 60 * 1000;

const parameter = config.FERNET_KEYS === undefined ? config.FERNET_KEYS_PARAMETER : undefined;
const ssm = awsJsonRpc(dynamoClient, {
  signingName: 'ssm',
  targetPrefix: 'AmazonSSM',
  jsonVersion: '1.1',
  endpoint: config.AWS_ENDPOINT_URL_SSM,
});

let current: { keys: Promise<string>; fetchedAt: number } | undefined;
let lastGood: string | undefined;

async function fetchKeys(name: string): Promise<string> {
  try {
    const output = await ssm<{ Parameter?: { Value?: string } }>('GetParameter', { Name: name, WithDecryption: true });
    const value = output.Parameter?.Value;
    if (!value) throw new Error('the parameter has no value');
    lastGood = value;
    return value;
  } catch (error) {
    const reason = { parameter: name, error: (error as Error).name };
    if (lastGood !== undefined) {
      // Keys already in hand still decrypt everything: keep them until the next refresh.
      logger.warn('Fernet keys not refreshed; keeping the ones in use', reason);
      return lastGood;
    }
    current = undefined; // the next invocation tries again
    logger.error('Fernet keys unavailable', reason);
    throw isRetryable(error) ? new ServiceUnavailable(1, { cause: error }) : new InternalError({ cause: error });
  }
}

function keysFromSsm(name: string): Promise<string> {
  const now = Date.now();
  if (current === undefined || now - current.fetchedAt >= KEYS_REFRESH_MS) {
    current = { keys: fetchKeys(name), fetchedAt: now };
  }
  return current.keys;
}

// Fetch during init, which runs before the first request is even routed here.
if (parameter !== undefined) keysFromSsm(parameter).catch(() => undefined);

export const fernetKeys: KeyLoader = {
  middlewares() {
    if (parameter === undefined) return [];
    return [
      {
        before: async (request) => {
          (request.context as Context & { fernetKeys?: string }).fernetKeys = await keysFromSsm(parameter);
        },
      },
    ];
  },
  source(context) {
    if (config.FERNET_KEYS !== undefined) return { value: config.FERNET_KEYS, name: 'FERNET_KEYS' };
    const { fernetKeys } = context as Context & { fernetKeys?: string };
    return { value: fernetKeys ?? '', name: `SSM parameter ${parameter}` };
  },
};
