// The key timeline: when each key arrived, which key new values are sealed under, and when a
// rotation can complete, from the parameter's versions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParameterVersion } from '../../lib/aws/ssm.js';
import { keyTiming, keyTimeline, rotationSettlesAt, sealingKeyAt } from '../../lib/keys/key-timeline.js';

const timing = keyTiming(300, 10); // the defaults: a 5-minute cache, 10-second functions
const MINUTE = 60_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');

/** Versions 1..n, each `[value, minutes after T0]`. */
const versions = (...list: Array<[string, number]>): ParameterVersion[] =>
  list.map(([value, minutes], i) => ({ value, version: i + 1, modifiedAt: T0 + minutes * MINUTE }));
const timelineOf = (all: ParameterVersion[], from = 0) =>
  keyTimeline(all.slice(from), all.at(-1)!.value.split(',').map((k) => k.trim()));

describe('key timing', () => {
  it('derives the ages from the cache interval', () => {
    expect(timing).toEqual({ cacheMs: 300_000, maxAgeMs: 360_000, inFlightMs: 60_000, retryMs: 5_000, skewMs: 5_000 });
    // A write in flight lasts as long as its function may run.
    expect(keyTiming(2, 120)).toEqual({ cacheMs: 2_000, maxAgeMs: 2_400, inFlightMs: 120_000, retryMs: 2_000, skewMs: 5_000 });
  });
});

describe('key timeline', () => {
  it('a list that never changed: every key settled, sealing under the primary, nothing to wait for', () => {
    const timeline = timelineOf(versions(['A,B', 0]));
    expect(timeline.since).toEqual([-Infinity, -Infinity]);
    expect(sealingKeyAt(timeline, timing, T0)).toBe(0);
    expect(rotationSettlesAt(timeline, timing)).toBe(-Infinity);
  });

  it('a new primary put in one step seals only once every instance that seals can have it', () => {
    const timeline = timelineOf(versions(['OLD', 0], ['NEW,OLD', 10]));
    const changed = T0 + 10 * MINUTE;
    expect(timeline).toMatchObject({ since: [changed, -Infinity], primarySince: changed, version: 2, changedAt: changed });
    expect(sealingKeyAt(timeline, timing, changed)).toBe(1);
    const settled = changed + timing.maxAgeMs + timing.skewMs;
    expect(sealingKeyAt(timeline, timing, settled - 1)).toBe(1);
    expect(sealingKeyAt(timeline, timing, settled)).toBe(0);
    expect(rotationSettlesAt(timeline, timing)).toBe(settled + timing.inFlightMs);
  });

  it('a key staged at the end first is sealed under as soon as it is promoted, if it has been there long enough', () => {
    const timeline = timelineOf(versions(['OLD', 0], ['OLD,NEW', 10], ['NEW,OLD', 20]));
    const promoted = T0 + 20 * MINUTE;
    expect(timeline.since).toEqual([T0 + 10 * MINUTE, -Infinity]);
    expect(sealingKeyAt(timeline, timing, promoted)).toBe(0);
    expect(rotationSettlesAt(timeline, timing)).toBe(promoted + timing.maxAgeMs + timing.skewMs + timing.inFlightMs);
  });

  it('a key removed and added again counts from its return', () => {
    const timeline = timelineOf(versions(['A,B', 0], ['A', 10], ['B,A', 12]));
    expect(timeline.since).toEqual([T0 + 12 * MINUTE, -Infinity]);
  });

  it('keys present in the oldest version read are dated from it unless it is the first version', () => {
    const all = versions(['A', 0], ['A,B', 5], ['C,A,B', 30]);
    const timeline = timelineOf(all, 1);
    expect(timeline.since).toEqual([T0 + 30 * MINUTE, T0 + 5 * MINUTE, T0 + 5 * MINUTE]);
  });

  it('reads malformed older versions as plain entries', () => {
    const timeline = timelineOf(versions(['A,,garbage', 0], ['B, A', 10]));
    expect(timeline.since).toEqual([T0 + 10 * MINUTE, -Infinity]);
  });

  it('never seals under a key younger than the oldest list any instance seals with, unless no key is older', () => {
    const keyNames = ['K1', 'K2', 'K3', 'K4'];
    const history = fc.array(
      fc.record({ keys: fc.uniqueArray(fc.constantFrom(...keyNames), { minLength: 1, maxLength: 4 }), gapMinutes: fc.integer({ min: 0, max: 20 }) }),
      { minLength: 1, maxLength: 8 },
    );
    fc.assert(
      fc.property(history, fc.integer({ min: 0, max: 30 }), (steps, laterMinutes) => {
        let minutes = 0;
        const all = versions(...steps.map(({ keys, gapMinutes }) => [keys.join(','), (minutes += gapMinutes)] as [string, number]));
        const timeline = timelineOf(all);
        const now = T0 + (minutes + laterMinutes) * MINUTE;
        const sealing = sealingKeyAt(timeline, timing, now);
        const key = timeline.keys[sealing]!;
        // When the key arrived, read straight from the versions: the last version that lacked it.
        const lacked = all.filter((v) => !v.value.split(',').includes(key)).at(-1);
        const arrived = lacked === undefined ? -Infinity : all[lacked.version]!.modifiedAt;
        const anySettled = timeline.keys.some((k) => {
          const without = all.filter((v) => !v.value.split(',').includes(k)).at(-1);
          return (without === undefined ? -Infinity : all[without.version]!.modifiedAt) + timing.maxAgeMs + timing.skewMs <= now;
        });
        if (anySettled) expect(arrived + timing.maxAgeMs + timing.skewMs).toBeLessThanOrEqual(now);
        else expect(sealing).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
