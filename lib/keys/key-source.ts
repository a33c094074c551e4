// Where the Fernet keys come from: FERNET_KEYS locally and in tests, the SSM SecureString
// parameter in AWS. A key list is validated before it is used, so a malformed one never
// replaces a good one; messages name the source and the entry's position, never key text.
import type { Logger } from '@aws-lambda-powertools/logger';
import type { GetParameter } from '../aws/ssm.js';
import { isRetryable } from '../aws/json-rpc.js';
import { ConfigError } from '../config.js';
import { parseKeys } from '../crypto/keyring.js';
import { Sealer } from '../crypto/sealer.js';
import { InternalError, ServiceUnavailable } from '../domain/errors.js';

export interface KeySource {
  /** The sealer for the keys in use, loading them when due. */
  sealer(): Promise<Sealer>;
  /** Starts loading during init, before the first request arrives. */
  prefetch(): void;
}

/** A fixed list (FERNET_KEYS), checked now: a malformed list fails the cold start. */
export function fixedKeySource(list: string | undefined, sourceName: string): KeySource {
  const sealer = Promise.resolve(new Sealer(parseKeys(list, sourceName)));
  return { sealer: () => sealer, prefetch: () => undefined };
}

// Keys change rarely; refetching every 5 minutes picks up a rotation without a redeploy.
export const KEYS_REFRESH_MS = 5 * 60 * 1000;

/** The list in an SSM parameter, cached and refreshed; the last good list outlives a failed refresh. */
export function parameterKeySource(getParameter: GetParameter, parameter: string, logger: Logger): KeySource {
  const sourceName = `SSM parameter ${parameter}`;
  let current: { sealer: Promise<Sealer>; fetchedAt: number } | undefined;
  let lastGood: { list: string; sealer: Sealer } | undefined;

  async function load(): Promise<Sealer> {
    let list: string;
    try {
      ({ value: list } = await getParameter(parameter));
    } catch (error) {
      const reason = { parameter, error: (error as Error).name };
      if (lastGood !== undefined) {
        // Keys already in hand still decrypt everything: keep them until the next refresh.
        logger.warn('Fernet keys not refreshed; keeping the ones in use', reason);
        return lastGood.sealer;
      }
      current = undefined; // the next invocation tries again
      logger.error('Fernet keys unavailable', reason);
      throw isRetryable(error) ? new ServiceUnavailable('keys', { cause: error }) : new InternalError({ cause: error });
    }
    if (list === lastGood?.list) return lastGood.sealer;
    try {
      lastGood = { list, sealer: new Sealer(parseKeys(list, sourceName)) };
      return lastGood.sealer;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // A typo during a rotation must not take the keys in use away.
      const reason = { parameter, problem: error.message };
      if (lastGood !== undefined) {
        logger.error('Fernet key parameter is malformed; keeping the keys in use', reason);
        return lastGood.sealer;
      }
      current = undefined;
      logger.error('Fernet key parameter is malformed', reason);
      throw new InternalError({ cause: error });
    }
  }

  const source: KeySource = {
    sealer() {
      const now = Date.now();
      if (current === undefined || now - current.fetchedAt >= KEYS_REFRESH_MS) {
        current = { sealer: load(), fetchedAt: now };
      }
      return current.sealer;
    },
    prefetch() {
      source.sealer().catch(() => undefined);
    },
  };
  return source;
}
