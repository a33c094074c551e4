// Issue #6, part 1: fuzzing the real Middy-wrapped handlers on a real dynalite.
// HTTP: random routes, names, bodies (wrong types, huge strings, deep nesting, invalid
// UTF-8 and lone-surrogate escapes, prototype keys), query strings and headers. Every
// answer is a success or a 4xx problem-details body: never a 5xx, never a throw, never a value.
// Direct invocation: random payloads to every function; every outcome is a success payload
// or an error whose name is one of the contract's 4xx codes.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { httpEvent, lambdaContext, type HttpResponse } from '../support/http.js';
import type { Operation } from '../support/handlers.js';
import { useHandlers } from '../support/harness.js';
import { CLIENT_ERROR_CODES, RUNS, expectNoPlaintext, expectProblem, fcParams, marker, timeoutFor } from './support.js';

const harness = useHandlers({ env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' }, captureLogs: true });
const { direct, summary } = harness;

const PROFILES = ['alice', 'bob'];
const SEEDED = ['apiKey', 'dbPassword', 'sharedName'];

beforeAll(async () => {
  // Names that exist for both profiles, so fuzzed gets, patches and deletes reach real items.
  for (const userProfileId of PROFILES) {
    for (const name of SEEDED) {
      await direct('create', { userProfileId, name, value: marker('seed'), tags: ['prod'] });
    }
  }
});

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
const key = fc.oneof(fc.constantFrom(...FIELD_KEYS), fc.constantFrom(...NASTY_KEYS), fc.string({ maxLength: 8 }));

const NASTY_STRINGS = [
  '', ' ', 'null', 'undefined', 'NaN', '-1', '0', '1e3', '"1"', 'W/"1"', '*', '1.0.0', 'apiKey',
  '2099-01-01T00:00:00Z', '2001-01-01T00:00:00Z', '../../etc/passwd', '%00', '\u0000', '\ud800',
  '\udfff\ud800', '<script>', "' OR 1=1 --", 'PROFILE#bob', 'SECRET#apiKey', '#', '\u202e', '𝒜😀',
];
const scalar = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...NASTY_STRINGS),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const huge = fc.constantFrom(2_049, 65_537, 300_000).map((n) => 'x'.repeat(n));
const { json: jsonish } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(key, tie('json'), { maxKeys: 4 }),
  ),
}));
// Plain objects whose own keys may be toString/valueOf: String() of them throws.
const trapObject = fc.constantFrom<unknown>({ toString: 1 }, { valueOf: 1, toString: 1 }, [{ toString: 1 }], { toJSON: 1 });

const camelName = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,24}$/);
const nameArb = fc.oneof(
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
type Field = keyof typeof fieldValue;

/**
 * An object near a valid input: the required fields (each rarely dropped) and some optional
 * ones, mostly well-typed, sometimes one of a wrong type, sometimes extra keys.
 */
const nearValid = (fields: Field[], required: Field[] = []) =>
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

const BODY_FIELDS: Record<Operation, Field[]> = {
  create: ['name', 'value', 'description', 'version', 'annotations', 'tags', 'expiresAt'],
  update: ['value', 'description', 'version', 'annotations', 'tags', 'expiresAt', 'ifMatch'],
  expire: ['at'],
  get: ['id'],
  list: ['limit', 'cursor', 'tag', 'prefix', 'expired'],
  delete: [],
  sweep: ['dryRun'],
  rotate: [],
};

const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
const RAW_BODIES = [
  '', ' ', '{', '}', 'null', '[]', '[{}]', '"x"', '1', 'true', '{"a":1}{"b":2}', '\ufeff{}', '{"value":"\\ud800"}',
  '{"name":"loneSurrogate","value":"\\udfff\\ud800"}', '{"name":"x","value":"\\u0000"}', deep(1_000), deep(100_000),
  '['.repeat(100_000), '{"__proto__":{"polluted":"yes"}}', '{"annotations":{"__proto__":{"polluted":"yes"}}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}', '{"name":"a","name":"b"}', '{"value":"\\x41"}', "{'a':1}",
  '{"name":"bigNumber","value":"v","revision":1e999}', `{"description":"${'x'.repeat(270_000)}"}`,
];
const rawBody = fc.oneof(
  fc.constantFrom(...RAW_BODIES),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => ({ base64: Buffer.from(bytes).toString('base64') })),
);

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/vnd.api+json',
  'application/problem+json', 'text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', '', 'multipart/form-data',
];
const headersArb = fc
  .record(
    {
      contentType: fc.option(fc.oneof({ weight: 12, arbitrary: fc.constant('application/json') }, fc.constantFrom(...CONTENT_TYPES)), { nil: undefined, freq: 10 }),
      contentTypeKey: fc.oneof({ weight: 6, arbitrary: fc.constant('content-type') }, fc.constantFrom('Content-Type', 'CONTENT-TYPE')),
      ifMatch: fc.option(
        fc.oneof({ weight: 4, arbitrary: fc.constantFrom('"1"', '"2"', 'W/"1"', '1') }, fc.constantFrom('*', '"a"', '"1", "2"', '', '"1234567890123456"'), fc.string({ maxLength: 12 })),
        { nil: undefined, freq: 2 },
      ),
      extra: fc.dictionary(fc.constantFrom('x-forwarded-for', 'authorization', 'cookie', 'x-amz-target', 'host', 'content-length'), fc.string({ maxLength: 20 }), { maxKeys: 2 }),
    },
  )
  .map(({ contentType, contentTypeKey, ifMatch, extra }) => ({
    ...extra,
    ...(contentType !== undefined && { [contentTypeKey]: contentType }),
    ...(ifMatch !== undefined && { 'if-match': ifMatch }),
  }));

const ROUTES: Array<{ op: Operation; method: string; path: string; named: boolean }> = [
  { op: 'create', method: 'POST', path: '/secrets', named: false },
  { op: 'list', method: 'GET', path: '/secrets', named: false },
  { op: 'get', method: 'GET', path: '/secrets/{name}', named: true },
  { op: 'update', method: 'PATCH', path: '/secrets/{name}', named: true },
  { op: 'delete', method: 'DELETE', path: '/secrets/{name}', named: true },
  { op: 'expire', method: 'POST', path: '/secrets/{name}/expire', named: true },
];

const claimArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<string | null>(...PROFILES) },
  { weight: 1, arbitrary: fc.constantFrom<string | null>(null, '', ' ', 'a b', 'x'.repeat(257), '\u0000', '\ud800', 'PROFILE#alice', 'auth0|123') },
);

const queryArb = (op: Operation) =>
  fc.oneof(
    { weight: op === 'list' ? 2 : 8, arbitrary: fc.constant(undefined) },
    { weight: op === 'list' ? 4 : 1, arbitrary: nearValid(op === 'list' ? BODY_FIELDS.list : ['limit', 'name', 'value']).map((q) => stringValues(q)) },
    { weight: 1, arbitrary: fc.dictionary(key, fc.string({ maxLength: 12 }), { maxKeys: 3 }) },
  );

/** Query-string values are strings (API Gateway joins repeated keys with commas). */
function stringValues(object: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(object)) {
    let text: string;
    try {
      text = typeof v === 'string' ? v : JSON.stringify(v) ?? '';
    } catch {
      text = '';
    }
    Object.defineProperty(out, k, { value: text, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const httpCase = fc.constantFrom(...ROUTES).chain((route) =>
  fc.record({
    route: fc.constant(route),
    name: nameArb,
    claim: claimArb,
    headers: headersArb,
    query: queryArb(route.op),
    body: fc.oneof(
      { weight: route.op === 'create' || route.op === 'update' ? 1 : 6, arbitrary: fc.constant(undefined) },
      { weight: 8, arbitrary: nearValid(route.op === 'get' ? [] : BODY_FIELDS[route.op], route.op === 'create' ? ['name', 'value'] : []).map((b) => ({ json: b })) },
      { weight: 1, arbitrary: fc.dictionary(key, jsonish, { maxKeys: 5 }).map((b) => ({ json: b })) },
      { weight: 2, arbitrary: rawBody.map((raw) => (typeof raw === 'string' ? { raw } : raw)) },
      { weight: 1, arbitrary: huge.map((h) => ({ json: { name: 'hugeBody', value: marker() + h } })) },
    ),
  }),
);
type HttpCase = typeof httpCase extends fc.Arbitrary<infer T> ? T : never;

function eventOf(c: HttpCase) {
  const body = c.body as { json?: unknown; raw?: string; base64?: string } | undefined;
  let rawBody: string | undefined;
  if (body?.json !== undefined) rawBody = JSON.stringify(body.json);
  else rawBody = body?.raw ?? body?.base64;
  const event = httpEvent({
    method: c.route.method,
    path: '/secrets',
    profile: c.claim,
    ...(rawBody !== undefined && { rawBody }),
    headers: c.headers,
    ...(c.query !== undefined && { query: c.query }),
  });
  // Route and path parameters as API Gateway derives them; the name may be anything.
  event.routeKey = `${c.route.method} ${c.route.path}`;
  event.requestContext.routeKey = event.routeKey;
  if (c.route.named) {
    event.pathParameters = { name: c.name };
    event.rawPath = c.route.path.replace('{name}', encodeURIComponent(c.name.replace(/[\ud800-\udfff]/g, '?')));
  }
  if (body?.base64 !== undefined) event.isBase64Encoded = true;
  // httpEvent adds a JSON content type whenever there is a body; the case decides instead.
  if (!Object.keys(c.headers).some((h) => h.toLowerCase() === 'content-type')) delete event.headers['content-type'];
  return event;
}

const SUCCESS_STATUS: Partial<Record<Operation, number>> = { create: 201, delete: 204 };
const VALUE_MARK = 'PT~';

describe('HTTP fuzzing', () => {
  it('answers every request with a success or a 4xx problem, never a 5xx, a throw or a value', async () => {
    const statuses = new Map<number, number>();
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(httpCase, async (c) => {
        cases += 1;
        const event = eventOf(c);
        let response: HttpResponse;
        try {
          response = (await harness.handlers[c.route.op](event, lambdaContext())) as HttpResponse;
        } catch (error) {
          throw new Error(`handler threw ${(error as Error)?.name}: ${(error as Error)?.message}`, { cause: error });
        }
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        expect(response.statusCode, response.body).toBeLessThan(500);
        expect(response.headers['Cache-Control']).toBe('no-store');
        expect(response.headers['X-Content-Type-Options']).toBe('nosniff');
        if (response.statusCode >= 400) {
          expectProblem(response);
          expect(response.body).not.toContain(VALUE_MARK);
          return;
        }
        expect(response.statusCode).toBe(SUCCESS_STATUS[c.route.op] ?? 200);
        if (response.statusCode === 204) {
          expect(response.body).toBeUndefined();
          return;
        }
        expect(response.headers['Content-Type']).toBe('application/json');
        const body = JSON.parse(response.body!) as Record<string, unknown>;
        if (c.route.op === 'get') {
          expect(typeof body.value).toBe('string');
          expect(JSON.stringify({ ...body, value: undefined })).not.toContain(VALUE_MARK);
        } else {
          expect(response.body).not.toContain(VALUE_MARK);
        }
        if (c.route.op === 'list') expect(body).toEqual({ items: expect.any(Array), nextCursor: body.nextCursor === null ? null : expect.any(String) });
        else expect(response.headers.ETag).toBe(`"${String(body.revision)}"`);
      }),
      fcParams(RUNS),
    );
    const fivexx = [...statuses].filter(([s]) => s >= 500).reduce((n, [, count]) => n + count, 0);
    const breakdown = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`).join(' ');
    summary.push(`fuzz: ${cases} cases, ${fivexx} 5xx (HTTP; ${breakdown})`);
    // The generator must reach past validation into the store, or it tests little.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect((statuses.get(404) ?? 0) + (statuses.get(409) ?? 0)).toBeGreaterThan(0);
  }, timeoutFor(RUNS, 1_500));
});

// ---------------------------------------------------------------------------------------

const DIRECT_FIELDS: Record<Operation, Field[]> = {
  ...BODY_FIELDS,
  get: ['name', 'id'],
  update: ['name', ...BODY_FIELDS.update],
  expire: ['name', 'at'],
  delete: ['name'],
};
const DIRECT_REQUIRED: Record<Operation, Field[]> = {
  create: ['name', 'value'], get: ['name'], update: ['name'], expire: ['name'], delete: ['name'], list: [], sweep: [], rotate: [],
};
const profileArb = (op: Operation) => {
  const invalid = fc.oneof(scalar, trapObject, fc.constantFrom('x'.repeat(257), 'a b', '\u0007', ''));
  // sweep and rotate run for no profile: naming one is the mistake.
  return op === 'sweep' || op === 'rotate'
    ? fc.oneof({ weight: 10, arbitrary: fc.constant(undefined) }, fc.constantFrom(...PROFILES), invalid)
    : fc.oneof({ weight: 20, arbitrary: fc.constantFrom(...PROFILES) }, fc.constant(undefined), invalid);
};

// sweep and rotate read the whole expiry index or table: fewer of them keeps the run short.
const directOp = fc.oneof({ weight: 3, arbitrary: fc.constantFrom<Operation>('create', 'get', 'list', 'update', 'expire', 'delete') }, fc.constantFrom<Operation>('sweep', 'rotate'));
const directCase = directOp.chain((op) =>
  fc.record({
    op: fc.constant(op),
    payload: fc.oneof(
      { weight: 8, arbitrary: fc.tuple(profileArb(op), nearValid(DIRECT_FIELDS[op], DIRECT_REQUIRED[op])).map(([profile, rest]) => (profile === undefined ? rest : Object.assign({ userProfileId: profile }, rest))) },
      { weight: 1, arbitrary: fc.dictionary(key, jsonish, { maxKeys: 5 }) },
      { weight: 1, arbitrary: jsonish },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
  }),
);

describe('direct-invocation fuzzing', () => {
  it('returns a success payload or fails with a 4xx code, no stack frames and no value', async () => {
    const outcomes = new Map<string, number>();
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(directCase, async ({ op, payload }) => {
        cases += 1;
        // Lambda hands the function a freshly parsed JSON payload.
        let event: unknown;
        try {
          event = payload === undefined ? undefined : JSON.parse(JSON.stringify(payload));
        } catch {
          event = payload;
        }
        let result: unknown;
        try {
          result = await direct(op, event);
        } catch (error) {
          const e = error as Error;
          outcomes.set(e.name, (outcomes.get(e.name) ?? 0) + 1);
          expect(e).toBeInstanceOf(Error);
          expect(CLIENT_ERROR_CODES.has(e.name), `${op} failed with ${e.name}: ${e.message}`).toBe(true);
          expect(e.stack).toBe(`${e.name}: ${e.message}`);
          expect(e.message).not.toContain(VALUE_MARK);
          return;
        }
        outcomes.set('success', (outcomes.get('success') ?? 0) + 1);
        const text = JSON.stringify(result) ?? '';
        if (op === 'get') {
          expect(typeof (result as { value?: unknown }).value).toBe('string');
          expect(JSON.stringify({ ...(result as object), value: undefined })).not.toContain(VALUE_MARK);
        } else {
          expect(text).not.toContain(VALUE_MARK);
        }
        if (op === 'create' || op === 'update') {
          // What was accepted is what was stored: nothing silently dropped or altered.
          const input = event as Record<string, unknown>;
          const secret = result as Record<string, unknown>;
          for (const field of ['description', 'version', 'tags', 'annotations'] as const) {
            if (input[field] !== undefined) expect(secret[field], field).toEqual(input[field]);
          }
          if (typeof input.value === 'string') {
            const read = (await direct('get', { userProfileId: input.userProfileId, name: secret.name }).catch((e: Error) => e)) as { value?: string } | Error;
            if (!(read instanceof Error)) expect(read.value === input.value, 'the value reads back exactly as sent').toBe(true);
          }
        }
      }),
      fcParams(RUNS),
    );
    const breakdown = [...outcomes].sort().map(([k, n]) => `${k}:${n}`).join(' ');
    const failures = [...outcomes].filter(([k]) => !CLIENT_ERROR_CODES.has(k) && k !== 'success').length;
    summary.push(`fuzz: ${cases} cases, ${failures} 5xx (direct invocation; ${breakdown})`);
    expect(outcomes.get('success') ?? 0).toBeGreaterThan(0);
  }, timeoutFor(RUNS, 1_500));
});

describe('after fuzzing', () => {
  it('leaves no plaintext in the table or the logs', async () => {
    const seen = await expectNoPlaintext(harness.store, harness.logs);
    summary.push(`fuzz: no plaintext in ${seen.items} raw items or ${seen.logLines} log lines (${seen.markers} plaintexts used)`);
  });
});
