// Where the Fernet keys come from: FERNET_KEYS locally and in tests, the SSM SecureString
// parameter in AWS. A key list is validated before it is used, so a malformed one never
// replaces a good one; messages name the source and the entry's position, never key text.
// docs/DESIGN.md, "Keys", tells how the timing keeps every value readable through a rotation.
import type { Logger } from '@aws-lambda-powertools/logger';
import { isRetryable } from '../aws/json-rpc.js';
import type { GetParameter, ParameterVersion } from '../aws/ssm.js';
import { ConfigError } from '../config.js';
import { parseKeys } from '../crypto/keyring.js';
import { Sealer } from '../crypto/sealer.js';
import { InternalError, ServiceUnavailable } from '../domain/errors.js';
import { keyTimeline, lookbackMs, rotationSettlesAt, sealingKeyAt, type KeyTiming, type KeyTimeline } from './key-timeline.js';

/** The list as its source holds it now, for a rotation. */
export interface CurrentKeys {
  sealer: Sealer;
  /** When every instance seals under the primary and a rotation can be complete; null: already (a fixed list). */
  settlesAt: number | null;
}

export interface KeySource {
  /** The sealer for the keys in hand, fetching them first when due. */
  sealer(): Promise<Sealer>;
  /** The list as its source holds it now, bypassing the cache. */
  current(): Promise<CurrentKeys>;
  /** Starts loading during init, before the first request arrives. */
  prefetch(): void;
}

/** A fixed list (FERNET_KEYS), checked now: a malformed list fails the cold start. */
export function fixedKeySource(list: string | undefined, sourceName: string): KeySource {
  const sealer = new Sealer(parseKeys(list, sourceName));
  return {
    sealer: async () => sealer,
    current: async () => ({ sealer, settlesAt: null }),
    prefetch: () => undefined,
  };
}

/**
 * The list in an SSM parameter: fetched, cached for `timing.cacheMs`, fetched again on the first
 * request after that; a failed fetch is tried again `timing.retryMs` later while the last good
 * list stays in use, which may open values but seals none once older than `timing.maxAgeMs`.
 */
export function parameterKeySource(getParameter: GetParameter, parameter: string, timing: KeyTiming, logger: Logger): KeySource {
  const sourceName = `SSM parameter ${parameter}`;
  let held: { timeline: KeyTimeline; fetchedAt: number } | undefined;
  let sealers: { timeline: KeyTimeline; byKey: Map<number, Sealer> } | undefined;
  let nextFetchAt = 0;
  let fetching: Promise<void> | undefined;

  /** The current version and the earlier ones a decision may still depend on. */
  async function readTimeline(now: number): Promise<KeyTimeline> {
    const versions: ParameterVersion[] = [await getParameter(parameter)];
    const keys = parseKeys(versions[0]!.value, sourceName);
    while (versions[0]!.version > 1 && versions[0]!.modifiedAt > now - lookbackMs(timing)) {
      try {
        versions.unshift(await getParameter(parameter, versions[0]!.version - 1));
      } catch (error) {
        // SSM keeps the last 100 versions: older ones are gone, and the oldest read stands for them.
        if ((error as Error).name !== 'ParameterVersionNotFound') throw error;
        break;
      }
    }
    return keyTimeline(versions, keys);
  }

  /** The error a caller gets when no list can be used, logged with the reason (never a key). */
  function unusable(error: unknown): Error {
    const malformed = error instanceof ConfigError;
    logger.error(malformed ? 'Fernet key parameter is malformed' : 'Fernet keys unavailable', reasonOf(error));
    return !malformed && isRetryable(error) ? new ServiceUnavailable('keys', { cause: error }) : new InternalError({ cause: error });
  }

  // A malformed list is described by the entry's position only.
  const reasonOf = (error: unknown) =>
    error instanceof ConfigError ? { parameter, problem: error.message } : { parameter, error: (error as Error).name };

  async function refresh(): Promise<void> {
    const startedAt = Date.now();
    try {
      held = { timeline: await readTimeline(startedAt), fetchedAt: startedAt };
      nextFetchAt = startedAt + timing.cacheMs;
    } catch (error) {
      // With no keys in hand every request tries again; with keys, a request after a short back-off.
      if (held === undefined) throw unusable(error);
      nextFetchAt = startedAt + timing.retryMs;
      if (error instanceof ConfigError) logger.error('Fernet key parameter is malformed; keeping the keys in use', reasonOf(error));
      else logger.warn('Fernet keys not refreshed; keeping the ones in use', reasonOf(error));
    }
  }

  function sealerAt(now: number): Sealer {
    const { timeline, fetchedAt } = held!;
    if (sealers?.timeline !== timeline) sealers = { timeline, byKey: new Map() };
    const sealingKey = sealingKeyAt(timeline, timing, now);
    let sealer = sealers.byKey.get(sealingKey);
    if (sealer === undefined) {
      sealer = new Sealer(timeline.keys, { sealingKey, sealableUntil: fetchedAt + timing.maxAgeMs });
      sealers.byKey.set(sealingKey, sealer);
    }
    return sealer;
  }

  const source: KeySource = {
    async sealer() {
      if (held === undefined || Date.now() >= nextFetchAt) {
        // Concurrent requests (one instance serves one at a time in Lambda, many in tests) share a fetch.
        fetching ??= refresh().finally(() => (fetching = undefined));
        await fetching;
      }
      return sealerAt(Date.now());
    },
    async current() {
      const now = Date.now();
      const timeline = await readTimeline(now).catch((error: unknown) => {
        throw unusable(error);
      });
      held = { timeline, fetchedAt: now };
      nextFetchAt = now + timing.cacheMs;
      return { sealer: sealerAt(now), settlesAt: rotationSettlesAt(timeline, timing) };
    },
    prefetch() {
      source.sealer().catch(() => undefined);
    },
  };
  return source;
}
