// Shared by the fuzzing files: a store seeded with names both profiles hold, and the arbitraries for field values and near-valid inputs.
import fc from 'fast-check';
import { beforeAll } from 'vitest';
import type { Operation } from '../support/handlers.js';

/** The functions callers invoke (the stream publisher is Lambda's to invoke, with stream batches). */
// The admin import and manifest apply are tested on their own (test/integration/import.test.ts,
// manifests.test.ts), not fuzzed with the callers' operations.
export type CallerOperation = Exclude<Operation, 'publish' | 'import' | 'apply'>;
import { useHandlers, type Harness } from '../support/harness.js';
import { marker } from './support.js';

export const PROFILES = ['alice', 'bob'];
const SEEDED = ['apiKey', 'dbPassword', 'sharedName'];

/** Substring of every plaintext the fuzzers send (marker() values): a response holding it holds a value. */
export const VALUE_MARK = 'PT~';

/** The file's harness (DEBUG logs, captured), its store seeded before the tests run. */
export function useSeededHandlers(): Harness {
  const harness = useHandlers({ env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' }, captureLogs: true, auditStream: true });
  beforeAll(async () => {
    // Names that exist for both profiles, so fuzzed gets, patches and deletes reach real items.
    for (const userProfileId of PROFILES) {
      for (const name of SEEDED) {
        await harness.direct('create', { userProfileId, name, value: marker('seed'), tags: ['prod'] });
      }
    }
  });
  return harness;
}

// ---------------------------------------------------------------------------------------
// Arbitraries

const FIELD_KEYS = [
  'name', 'value', 'description', 'version', 'annotations', 'tags', 'expiresAt', 'at', 'id',
  'limit', 'cursor', 'tag', 'prefix', 'expired', 'dryRun', 'ifMatch', 'userProfileId',
];
const NASTY_KEYS = [
  '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'toJSON',
  'then', 'length', '', ' ', 'NAME', 'name ', '$where', 'a.b', '😀', '\u0000', '\ud800',
];
export const key = fc.oneof(fc.constantFrom(...FIELD_KEYS), fc.constantFrom(...NASTY_KEYS), fc.string({ maxLength: 8 }));

const NASTY_STRINGS = [
  '', ' ', 'null', 'undefined', 'NaN', '-1', '0', '1e3', '"1"', 'W/"1"', '*', '1.0.0', 'apiKey',
  '2099-01-01T00:00:00Z', '2001-01-01T00:00:00Z', '../../etc/passwd', '%00', '\u0000', '\ud800',
  '\udfff\ud800', '<script>', "' OR 1=1 --", 'PROFILE#bob', 'SECRET#apiKey', '#', '\u202e', '𝒜😀',
];
export const scalar = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...NASTY_STRINGS),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
export const huge = fc.constantFrom(2_049, 65_537, 300_000).map((n) => 'x'.repeat(n));
export const { json: jsonish } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(key, tie('json'), { maxKeys: 4 }),
  ),
}));
// Plain objects whose own keys may be toString/valueOf: String() of them throws.
export const trapObject = fc.constantFrom<unknown>({ toString: 1 }, { valueOf: 1, toString: 1 }, [{ toString: 1 }], { toJSON: 1 });

const camelName = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,24}$/);
export const nameArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SEEDED) },
  { weight: 3, arbitrary: camelName },
  { weight: 1, arbitrary: fc.constantFrom('a'.repeat(128), 'a'.repeat(129), 'A', '1a', 'a-b', 'a b', 'ａ') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty') },
);

/** A secret value: always carrying a marker, so any leak of it is found. */
const valueArb = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map((s) => marker() + s) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1).map((extra) => { const m = marker(); return m + 'é'.repeat((65_536 - m.length) / 2 | 0) + 'x'.repeat(((65_536 - m.length) % 2) + extra); }) },
  { weight: 1, arbitrary: fc.constant(null).map(() => `${marker()}\ud800`) },
);
const timestampArb = fc.oneof(
  fc.date({ noInvalidDate: true, min: new Date('1970-01-01'), max: new Date('2200-01-01') }).map((d) => d.toISOString()),
  fc.constantFrom('2099-12-31T23:59:59+14:00', '2099-12-31T23:59:59-23:59', '2026-02-30T00:00:00Z', '2099-01-01', 'tomorrow', '0000-01-01T00:00:00+01:00', '9999-12-31T23:59:59.999Z', '2099-01-01T24:00:00Z'),
);
const fieldValue = {
  name: nameArb,
  value: valueArb,
  description: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('x'.repeat(2_048), 'x'.repeat(2_049))),
  version: fc.oneof(fc.constantFrom('1.0.0', '2.0.0-rc.1+build.5', '01.0.0', '1.0', 'v1.0.0', '1.0.0-'), fc.string({ maxLength: 12 })),
  annotations: fc.oneof(
    fc.dictionary(key, fc.string({ maxLength: 20 }), { maxKeys: 5 }),
    fc.constant(null).map(() => Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']))),
    fc.constant(null).map(() => JSON.parse('{"__proto__":{"polluted":"yes"},"ok":"1"}') as unknown),
    fc.constantFrom({ k: 'v'.repeat(513) }, { ['k'.repeat(129)]: 'v' }, { k: 1 }, ['a']),
  ),
  tags: fc.oneof(
    fc.uniqueArray(fc.constantFrom('prod', 'dev', 'a:b', 'x/y=z+@-_.'), { maxLength: 4 }),
    fc.array(fc.string({ maxLength: 6 }), { maxLength: 4 }),
    fc.constantFrom(['a', 'a'], Array.from({ length: 51 }, (_, i) => `t${i}`), ['t'.repeat(129)], 'prod', [1]),
  ),
  expiresAt: fc.oneof(timestampArb, fc.constant(null)),
  at: timestampArb,
  ifMatch: fc.oneof(fc.constantFrom('"1"', '"2"', 'W/"1"', '1', '"999999999999999"', '"1234567890123456"', '*', ''), fc.nat(), trapObject),
  limit: fc.oneof(fc.constantFrom('0', '1', '100', '101', '-1', '1.5', '1e2', '99999999999999999999999', ''), fc.integer()),
  cursor: fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('a.b', 'a.b.c', '.', 'x'.repeat(2_049))),
  tag: fc.oneof(fc.constantFrom('prod', 'dev', ''), fc.string({ maxLength: 10 })),
  prefix: fc.oneof(fc.constantFrom('api', 'db', '', 'x'.repeat(129)), fc.string({ maxLength: 10 })),
  expired: fc.oneof(fc.constantFrom('exclude', 'include', 'only', 'EXCLUDE'), fc.string({ maxLength: 6 })),
  dryRun: fc.oneof(fc.constant(true), fc.constant('true')),
  id: fc.oneof(fc.ulid().map((u) => u.toUpperCase()), fc.string({ maxLength: 30 })),
} as const;
export type Field = keyof typeof fieldValue;

/**
 * An object near a valid input: the required fields (each rarely dropped) and some optional
 * ones, mostly well-typed, sometimes one of a wrong type, sometimes extra keys.
 */
export const nearValid = (fields: Field[], required: Field[] = []) =>
  fc
    .tuple(
      fc.subarray(fields.filter((f) => !required.includes(f))),
      fc.array(fc.nat(9).map((n) => n !== 0), { minLength: required.length, maxLength: required.length }),
      fc.array(fc.tuple(key, fc.oneof(jsonish, trapObject)), { maxLength: 2 }),
      fc.integer({ min: 0, max: 20 }),
      fc.nat(3).map((n) => n === 0),
    )
    .chain(([optional, keep, extras, wrongTypeAt, withExtras]) => {
      const chosen = [...required.filter((_, i) => keep[i]), ...optional];
      return fc
        .tuple(...chosen.map((f, i) => (i === wrongTypeAt ? fc.oneof(jsonish, trapObject) : (fieldValue[f] as fc.Arbitrary<unknown>))))
        .map((values) => {
          const object: Record<string, unknown> = {};
          const define = (k: string, v: unknown) => Object.defineProperty(object, k, { value: v, enumerable: true, writable: true, configurable: true });
          chosen.forEach((f, i) => define(f, values[i]));
          if (withExtras) for (const [k, v] of extras) define(k, v);
          return object;
        });
    });

export const BODY_FIELDS: Record<CallerOperation, Field[]> = {
  create: ['name', 'value', 'description', 'version', 'annotations', 'tags', 'expiresAt'],
  update: ['value', 'description', 'version', 'annotations', 'tags', 'expiresAt', 'ifMatch'],
  expire: ['at'],
  get: ['id'],
  list: ['limit', 'cursor', 'tag', 'prefix', 'expired'],
  delete: [],
  versions: [],
  restore: [],
  sweep: ['dryRun'],
  rotate: [],
};
