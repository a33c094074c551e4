// When each key of the list arrived, read from the parameter's recent versions, and what follows
// from it: which key new values are sealed under, and when a rotation can be called complete.
// docs/DESIGN.md, "Keys", tells why; docs/OPERATIONS.md the steps it makes safe.
import type { ParameterVersion } from '../aws/ssm.js';

export interface KeyTiming {
  /** How long a fetched list is used before it is fetched again. */
  cacheMs: number;
  /** The oldest list an instance seals with; a newer key may exist past it. */
  maxAgeMs: number;
  /** Longest a sealed value takes to reach the table: a write in flight lasts at most its function's timeout. */
  inFlightMs: number;
  /** After a failed fetch, how soon a later request tries again. */
  retryMs: number;
  /** Allowance for the clocks of SSM (LastModifiedDate) and of the functions to differ. */
  skewMs: number;
}

/** `functionTimeoutSeconds`: the longest timeout of the functions that seal (create, update). */
export function keyTiming(cacheSeconds: number, functionTimeoutSeconds: number): KeyTiming {
  const cacheMs = cacheSeconds * 1000;
  return {
    cacheMs,
    maxAgeMs: cacheMs * 1.2,
    inFlightMs: Math.max(60_000, functionTimeoutSeconds * 1000),
    retryMs: Math.min(5_000, cacheMs),
    skewMs: 5_000,
  };
}

/** How far back versions are read: a change older than this no longer decides anything. */
export const lookbackMs = (timing: KeyTiming): number => timing.maxAgeMs + timing.inFlightMs + timing.skewMs;

export interface KeyTimeline {
  /** The current list, validated, primary first. */
  keys: string[];
  /** Since when each key has been in the parameter without a break (ms); -Infinity: since it was created. */
  since: number[];
  /** Since when the listed primary has been first. */
  primarySince: number;
  version: number;
  changedAt: number;
}

/**
 * The timeline of `keys` (the validated list of the last version) over `versions`, oldest first:
 * the versions back to the first one older than the lookback, or to version 1.
 */
export function keyTimeline(versions: readonly ParameterVersion[], keys: string[]): KeyTimeline {
  const entries = versions.map((v) => v.value.split(',').map((entry) => entry.trim()));
  const oldest = versions[0]!;
  const current = versions.at(-1)!;
  // Present in the oldest version read: since then at least, or forever if that was the first.
  const beforeRead = oldest.version === 1 ? -Infinity : oldest.modifiedAt;
  const sinceWhen = (holds: (entries: string[]) => boolean): number => {
    let since = current.modifiedAt;
    for (let i = versions.length - 1; i >= 0 && holds(entries[i]!); i -= 1) since = i === 0 ? beforeRead : versions[i]!.modifiedAt;
    return since;
  };
  return {
    keys,
    since: keys.map((key) => sinceWhen((list) => list.includes(key))),
    primarySince: sinceWhen((list) => list[0] === keys[0]),
    version: current.version,
    changedAt: current.modifiedAt,
  };
}

/**
 * The position of the key to seal new values under at `now`: the first listed key that has been
 * in the parameter longer than any instance seals with an older list, so every instance that
 * could read the value has the key. The primary once it has settled; until then the key it replaces.
 */
export function sealingKeyAt(timeline: KeyTimeline, timing: KeyTiming, now: number): number {
  const settled = timeline.since.findIndex((since) => since + timing.maxAgeMs + timing.skewMs <= now);
  return settled === -1 ? 0 : settled;
}

/**
 * When a rotation can be complete: every instance seals under the listed primary (each seals only
 * with a list younger than maxAge, and the primary settles within it) and no value sealed under
 * another key can still be on its way to the table.
 */
export const rotationSettlesAt = (timeline: KeyTimeline, timing: KeyTiming): number =>
  timeline.primarySince + timing.maxAgeMs + timing.skewMs + timing.inFlightMs;
