// The contract's limits, exactly at and one past each boundary. One past is
// a 400 ValidationError naming the field (or a 413 for the body), and nothing is stored; exactly
// at the limit is accepted, even with every field at its maximum at once.
import { beforeAll, describe, expect, it } from 'vitest';
import { httpEvent, json, type HttpResponse } from '../support/http.js';
import { useHandlers } from '../support/harness.js';
import { errorPaths, expectNoPlaintext, expectProblem, marker } from './support.js';

const harness = useHandlers({ env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' }, captureLogs: true, auditStream: true });
const { call, direct, summary } = harness;
let checked = 0;

const MAX_BODY_BYTES = 256 * 1024; // the default of MAX_BODY_BYTES

beforeAll(async () => {
  await call({ method: 'POST', path: '/secrets', body: { name: 'existing', value: marker('limits') } });
});

/** A value of exactly `bytes` UTF-8 bytes that starts with a marker and uses `unit` as filler. */
function valueOfBytes(bytes: number, unit = 'x'): string {
  const head = marker('limit');
  const unitBytes = Buffer.byteLength(unit);
  const room = bytes - head.length;
  const value = head + unit.repeat(Math.floor(room / unitBytes)) + 'y'.repeat(room % unitBytes);
  expect(Buffer.byteLength(value)).toBe(bytes);
  return value;
}

const many = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i));
const annotationsOf = (n: number, key = (i: number) => `k${i}`, value = 'v'): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [key(i), value]));

async function expectRefused(response: HttpResponse, path: string) {
  checked += 1;
  const problem = expectProblem(response, 400);
  expect(problem.code).toBe('ValidationError');
  expect(errorPaths(problem)).toEqual([path]);
  expect(response.body).not.toContain('PT~');
}

const rawNames = async () => (await harness.store.scanAll()).map((i) => i.name).sort();

type Case = [label: string, field: Record<string, unknown>, path: string];
// One past each limit of the contract's field rules.
const PAST: Case[] = [
  ['a 65,537-byte value (ASCII)', { value: 'LATE:65537' }, 'value'],
  ['a 65,537-byte value (3-byte characters)', { value: 'LATE:65537:€' }, 'value'],
  ['a 65,537-byte value (4-byte characters)', { value: 'LATE:65537:😀' }, 'value'],
  ['an empty value', { value: '' }, 'value'],
  ['a value with a lone surrogate (no UTF-8 form)', { value: 'LATE:lone' }, 'value'],
  ['51 tags', { tags: many(51, (i) => `t${i}`) }, 'tags'],
  ['a 129-character tag', { tags: ['t'.repeat(129)] }, 'tags.0'],
  ['duplicate tags', { tags: ['a', 'a'] }, 'tags'],
  ['51 annotations', { annotations: annotationsOf(51) }, 'annotations'],
  ['a 129-character annotation key', { annotations: { ['k'.repeat(129)]: 'v' } }, `annotations.${'k'.repeat(129)}`],
  ['a 513-character annotation value', { annotations: { k: 'v'.repeat(513) } }, 'annotations.k'],
  ['a 2,049-character description', { description: 'd'.repeat(2_049) }, 'description'],
  ['a version that is not semver', { version: '1.0' }, 'version'],
  ['an expiresAt without a zone', { expiresAt: '2099-01-01T00:00:00' }, 'expiresAt'],
];

/** Values are made at call time so each carries a fresh marker. */
function materialise(field: Record<string, unknown>): Record<string, unknown> {
  const value = field.value;
  if (typeof value !== 'string' || !value.startsWith('LATE:')) return field;
  const [, what, unit] = value.split(':');
  if (what === 'lone') return { value: `${marker('limit')}\ud800` };
  return { value: valueOfBytes(Number(what), unit) };
}

describe('one past each limit', () => {
  it.each(PAST)('create with %s answers 400 naming it, and stores nothing', async (_label, field, path) => {
    const before = await rawNames();
    const body = { name: 'limitProbe', value: marker('limit'), ...materialise(field) };
    await expectRefused(await call({ method: 'POST', path: '/secrets', body }), path);
    await expect(direct('create', { userProfileId: 'alice', ...body })).rejects.toMatchObject({
      name: 'ValidationError',
      errors: [expect.objectContaining({ path })],
    });
    expect(await rawNames()).toEqual(before);
  });

  it.each(PAST)('PATCH with %s answers 400 naming it, and changes nothing', async (_label, field, path) => {
    const before = await harness.store.scanAll();
    await expectRefused(await call({ method: 'PATCH', path: '/secrets/existing', body: materialise(field) }), path);
    expect(await harness.store.scanAll()).toEqual(before);
  });

  it('a 129-character name answers 400 naming it, on every route', async () => {
    const name = 'n'.repeat(129);
    await expectRefused(await call({ method: 'POST', path: '/secrets', body: { name, value: marker('limit') } }), 'name');
    for (const [method, path] of [['GET', `/secrets/${name}`], ['DELETE', `/secrets/${name}`], ['POST', `/secrets/${name}/expire`]] as const) {
      await expectRefused(await call({ method, path }), 'name');
    }
    await expectRefused(await call({ method: 'PATCH', path: `/secrets/${name}`, body: { description: 'x' } }), 'name');
  });

  it('list parameters past their limits answer 400 naming them', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ limit: '101' }, 'limit'],
      [{ limit: '0' }, 'limit'],
      [{ limit: '1.5' }, 'limit'],
      [{ prefix: 'p'.repeat(129) }, 'prefix'],
      [{ cursor: 'c'.repeat(2_049) }, 'cursor'],
      [{ tag: 't'.repeat(129) }, 'tag'],
      [{ expired: 'all' }, 'expired'],
    ];
    for (const [query, path] of cases) await expectRefused(await call({ method: 'GET', path: '/secrets', query }), path);
  });

  it('a value in the query string is refused, naming it: it would sit in access logs', async () => {
    const before = await harness.store.scanAll();
    await expectRefused(await call({ method: 'POST', path: '/secrets', query: { value: marker('query') }, body: { name: 'viaQuery', value: 'x' } }), 'value');
    await expectRefused(await call({ method: 'PATCH', path: '/secrets/existing', query: { value: marker('query') }, body: { description: 'x' } }), 'value');
    expect(await harness.store.scanAll()).toEqual(before);
  });

  it('a 257-character userProfileId answers ValidationError naming it', async () => {
    await expect(direct('get', { userProfileId: 'p'.repeat(257), name: 'existing' })).rejects.toMatchObject({
      name: 'ValidationError',
      errors: [expect.objectContaining({ path: 'userProfileId' })],
    });
    checked += 1;
  });
});

describe('the body limit', () => {
  /** A create body padded with a description to exactly `bytes` bytes. */
  function bodyOfBytes(bytes: number): string {
    const base = JSON.stringify({ name: 'bigBody', value: marker('limit'), description: '' });
    const body = base.replace('"description":""', `"description":"${'d'.repeat(bytes - Buffer.byteLength(base))}"`);
    expect(Buffer.byteLength(body)).toBe(bytes);
    return body;
  }

  it(`answers 413 PayloadTooLarge for ${MAX_BODY_BYTES + 1} bytes, before parsing it`, async () => {
    const response = await call({ method: 'POST', path: '/secrets', rawBody: bodyOfBytes(MAX_BODY_BYTES + 1) });
    const problem = expectProblem(response, 413);
    expect(problem.code).toBe('PayloadTooLarge');
    expect(problem.detail).toContain(String(MAX_BODY_BYTES));
    checked += 1;
  });

  it('reads a body of exactly the limit (then refuses its over-long description, naming it)', async () => {
    await expectRefused(await call({ method: 'POST', path: '/secrets', rawBody: bodyOfBytes(MAX_BODY_BYTES) }), 'description');
  });

  it('answers 413 for a base64-encoded body whose decoded size is over the limit', async () => {
    const event = httpEvent({ method: 'POST', path: '/secrets', rawBody: Buffer.from(bodyOfBytes(MAX_BODY_BYTES + 3)).toString('base64') });
    event.isBase64Encoded = true;
    const response = (await direct('create', event)) as HttpResponse;
    expect(expectProblem(response, 413).code).toBe('PayloadTooLarge');
    checked += 1;
  });

  it('answers 413 on PATCH too', async () => {
    const response = await call({ method: 'PATCH', path: '/secrets/existing', rawBody: JSON.stringify({ value: valueOfBytes(MAX_BODY_BYTES + 10) }) });
    expect(expectProblem(response, 413).code).toBe('PayloadTooLarge');
    checked += 1;
  });
});

describe('exactly at the limits', () => {
  it('accepts every field at its maximum at once, and reads it back intact', async () => {
    const value = valueOfBytes(65_536, '€');
    const body = {
      name: 'm'.repeat(128),
      value,
      description: '€'.repeat(2_048),
      version: '1.0.0-rc.1+build.5',
      annotations: annotationsOf(50, (i) => `${String(i).padStart(2, '0')}${'€'.repeat(126)}`, '€'.repeat(512)),
      tags: many(50, (i) => `${String(i).padStart(2, '0')}${'t'.repeat(126)}`),
      expiresAt: '2099-12-31T23:59:59.999+14:00',
    };
    const text = JSON.stringify(body);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    const created = await call({ method: 'POST', path: '/secrets', rawBody: text });
    expect(created.statusCode, created.body).toBe(201);
    const read = json(await call({ method: 'GET', path: `/secrets/${body.name}` }));
    expect(read).toMatchObject({ ...body, expiresAt: '2099-12-31T09:59:59.999Z' });
    const item = (await harness.store.scanAll()).find((i) => i.name === body.name)!;
    summary.push(`limits: largest valid secret stored: ${Buffer.byteLength(JSON.stringify(item))} bytes of item JSON, body ${Buffer.byteLength(text)} bytes`);
    // And a PATCH may set each field to its maximum again.
    const patched = await call({ method: 'PATCH', path: `/secrets/${body.name}`, body: { value: valueOfBytes(65_536, '😀'), annotations: body.annotations, tags: body.tags } });
    expect(patched.statusCode, patched.body).toBe(200);
  });

  it('accepts a 65,536-byte value of 4-byte characters, 50 tags, 50 annotations and a 128-character name separately', async () => {
    const cases = [
      { name: 'exactValue', value: valueOfBytes(65_536, '😀') },
      { name: 'exactTags', value: marker('limit'), tags: many(50, (i) => `t${i}`) },
      { name: 'exactAnnotations', value: marker('limit'), annotations: annotationsOf(50) },
      { name: 'a'.repeat(128), value: marker('limit') },
    ];
    for (const body of cases) {
      const response = await call({ method: 'POST', path: '/secrets', body });
      expect(response.statusCode, response.body).toBe(201);
      expect(json(await call({ method: 'GET', path: `/secrets/${body.name}` })).value).toBe(body.value);
    }
    const listed = json(await call({ method: 'GET', path: '/secrets', query: { limit: '100' } }));
    expect(listed.items.length).toBeGreaterThanOrEqual(cases.length);
  });

  it('leaves no plaintext in the table or the logs', async () => {
    const seen = await expectNoPlaintext(harness);
    summary.push(`limits: ${checked} refusals checked; no plaintext in ${seen.items} raw items or ${seen.logLines} log lines`);
  });
});
