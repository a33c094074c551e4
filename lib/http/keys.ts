// The Fernet keys, for the functions that encrypt or decrypt: FERNET_KEYS locally, the SSM
// SecureString parameter in AWS (through @middy/ssm). Only those functions import this
// module, so only their bundles carry the SSM client.
import type { MiddlewareObj } from '@middy/core';
import ssm from '@middy/ssm';
import type { Context } from 'aws-lambda';
import { config } from '../runtime/clients.js';
import type { KeySource } from '../runtime/services.js';

export interface KeyLoader {
  middlewares(): MiddlewareObj[];
  /** The key list for this invocation, once the middlewares have run. */
  source(context: Context): KeySource;
}

export const fernetKeys: KeyLoader = {
  middlewares() {
    if (config.FERNET_KEYS !== undefined || config.FERNET_KEYS_PARAMETER === undefined) return [];
    return [
      ssm({
        fetchData: { fernetKeys: config.FERNET_KEYS_PARAMETER },
        setToContext: true,
        // Keys change rarely; refetching every 5 minutes picks up a rotation without a redeploy.
        cacheExpiry: 5 * 60 * 1000,
      }) as MiddlewareObj,
    ];
  },
  source(context) {
    if (config.FERNET_KEYS !== undefined) return { value: config.FERNET_KEYS, name: 'FERNET_KEYS' };
    const { fernetKeys } = context as Context & { fernetKeys?: string };
    return { value: fernetKeys ?? '', name: `SSM parameter ${config.FERNET_KEYS_PARAMETER}` };
  },
};
