// Fuzzing over HTTP: every answer is a success or a 4xx problem, never a 5xx, a throw or a value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { httpEvent, lambdaContext, type HttpResponse } from '../support/http.js';
import { checkResponse } from '../support/openapi.js';
import { BODY_FIELDS, PROFILES, VALUE_MARK, huge, jsonish, key, nameArb, nearValid, useSeededHandlers, type CallerOperation } from './fuzz-support.js';
import { RUNS, expectNoPlaintext, expectProblem, fcParams, marker, timeoutFor } from './support.js';

// Random routes, names, bodies (wrong types, huge strings, deep nesting, invalid UTF-8 and
// lone-surrogate escapes, prototype keys), query strings and headers, through the real
// Middy-wrapped handlers on a real dynalite.
const harness = useSeededHandlers();
const { summary } = harness;

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

const ROUTES: Array<{ op: CallerOperation; method: string; path: string; named: boolean }> = [
  { op: 'create', method: 'POST', path: '/secrets', named: false },
  { op: 'list', method: 'GET', path: '/secrets', named: false },
  { op: 'get', method: 'GET', path: '/secrets/{name}', named: true },
  { op: 'update', method: 'PATCH', path: '/secrets/{name}', named: true },
  { op: 'delete', method: 'DELETE', path: '/secrets/{name}', named: true },
  { op: 'expire', method: 'POST', path: '/secrets/{name}/expire', named: true },
  { op: 'versions', method: 'GET', path: '/secrets/{name}/versions', named: true },
  { op: 'restore', method: 'POST', path: '/secrets/{name}/restore', named: true },
];

const claimArb = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom<string | null>(...PROFILES) },
  { weight: 1, arbitrary: fc.constantFrom<string | null>(null, '', ' ', 'a b', 'x'.repeat(257), '\u0000', '\ud800', 'PROFILE#alice', 'auth0|123') },
);

const queryArb = (op: CallerOperation) =>
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


const SUCCESS_STATUS: Partial<Record<CallerOperation, number>> = { create: 201, delete: 204 };

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
        checkResponse(event.routeKey, response);
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
        else if (c.route.op === 'versions') expect(body).toEqual({ items: expect.any(Array) });
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

describe('after fuzzing', () => {
  it('leaves no plaintext in the table or the logs', async () => {
    const seen = await expectNoPlaintext(harness);
    summary.push(`fuzz (HTTP): no plaintext in ${seen.items} raw items or ${seen.logLines} log lines (${seen.markers} plaintexts used)`);
  });
});
