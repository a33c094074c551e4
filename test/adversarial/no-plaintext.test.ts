// No plaintext anywhere. Every operation and every failure path runs with
// the most talkative logging an operator can switch on (POWERTOOLS_LOG_LEVEL=DEBUG and
// POWERTOOLS_LOGGER_LOG_EVENT=true); afterwards no raw item and no log line holds any of the
// plaintexts used, and no response except a get of that very secret does.
import { describe, expect, it, vi } from 'vitest';
import { json, lambdaContext, type HttpRequest, type HttpResponse } from '../support/http.js';
import { loadHandlers, type Operation } from '../support/handlers.js';
import { useHandlers } from '../support/harness.js';
import { TEST_KEYS } from '../support/store.js';
import { expectNoPlaintext, leakedMarkers, marker, usedMarkers } from './support.js';

const harness = useHandlers({ env: { POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_LOGGER_LOG_EVENT: 'true' }, captureLogs: true, auditStream: true });
const { call, direct, summary } = harness;
const responses: Array<{ label: string; text: string; mayHold?: string }> = [];

/** Sends a request and keeps the answer for the final check; `mayHold` is the one plaintext it may carry. */
async function send(label: string, request: HttpRequest, mayHold?: string): Promise<HttpResponse> {
  const response = await call(request);
  responses.push({ label, text: JSON.stringify(response), ...(mayHold !== undefined && { mayHold }) });
  return response;
}

async function invoke(label: string, op: Operation, payload: unknown, mayHold?: string): Promise<unknown> {
  const outcome = await direct(op, payload).then(
    (value) => value,
    (error: Error) => ({ error: { name: error.name, message: error.message, stack: error.stack } }),
  );
  responses.push({ label, text: JSON.stringify(outcome), ...(mayHold !== undefined && { mayHold }) });
  return outcome;
}

describe('every operation and failure path, with all logging on', () => {
  it('runs the whole lifecycle over HTTP and direct invocation', async () => {
    const v1 = marker('v1');
    const v2 = marker('v2');
    const v3 = marker('v3');
    const p = 'logUser';
    expect((await send('create', { method: 'POST', path: '/secrets', profile: p, body: { name: 'logged', value: v1, tags: ['t'], annotations: { a: 'b' } } })).statusCode).toBe(201);
    expect(json(await send('get', { method: 'GET', path: '/secrets/logged', profile: p }, v1)).value).toBe(v1);
    expect((await send('list', { method: 'GET', path: '/secrets', profile: p, query: { limit: '1', expired: 'include' } })).statusCode).toBe(200);
    expect((await send('update value', { method: 'PATCH', path: '/secrets/logged', profile: p, headers: { 'if-match': '"1"' }, body: { value: v2 } })).statusCode).toBe(200);
    expect(json(await send('get again', { method: 'GET', path: '/secrets/logged', profile: p }, v2)).value).toBe(v2);
    expect((await invoke('direct create', 'create', { userProfileId: p, name: 'direct', value: v3, expiresAt: new Date(Date.now() + 60_000).toISOString() })) as object).toHaveProperty('id');
    expect(((await invoke('direct get', 'get', { userProfileId: p, name: 'direct' }, v3)) as { value: string }).value).toBe(v3);
    expect((await send('expire', { method: 'POST', path: '/secrets/direct/expire', profile: p })).statusCode).toBe(200);
    expect(await invoke('sweep', 'sweep', {})).toMatchObject({ expired: 1 });
    expect((await send('delete', { method: 'DELETE', path: '/secrets/logged', profile: p })).statusCode).toBe(204);
  });

  it('runs every failure path that sees a value', async () => {
    const p = 'failUser';
    const kept = marker('kept');
    await send('create kept', { method: 'POST', path: '/secrets', profile: p, body: { name: 'kept', value: kept } });
    const failures: Array<[string, HttpRequest, number]> = [
      ['409 with a value', { method: 'POST', path: '/secrets', profile: p, body: { name: 'kept', value: marker('dup') } }, 409],
      ['400 value too long', { method: 'POST', path: '/secrets', profile: p, body: { name: 'tooLong', value: marker('long').repeat(3_000) } }, 400],
      ['400 unknown field beside a value', { method: 'POST', path: '/secrets', profile: p, body: { name: 'extra', value: marker('extra'), secret: marker('extra') } }, 400],
      ['400 value of a bad name', { method: 'POST', path: '/secrets', profile: p, body: { name: 'Bad Name', value: marker('badname') } }, 400],
      ['400 value with a lone surrogate', { method: 'POST', path: '/secrets', profile: p, body: { name: 'lone', value: `${marker('lone')}\ud800` } }, 400],
      ['400 value in the query', { method: 'POST', path: '/secrets', profile: p, body: { name: 'inQuery', value: 'x' }, query: { value: marker('query') } }, 400],
      ['400 malformed JSON around a value', { method: 'POST', path: '/secrets', profile: p, rawBody: `{"name":"broken","value":"${marker('broken')}"` }, 400],
      ['413 with a value', { method: 'POST', path: '/secrets', profile: p, body: { name: 'huge', value: marker('huge').repeat(12_000) } }, 413],
      ['415 with a value', { method: 'POST', path: '/secrets', profile: p, rawBody: `value=${marker('form')}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415],
      ['412 with a value', { method: 'PATCH', path: '/secrets/kept', profile: p, headers: { 'if-match': '"9"' }, body: { value: marker('stale') } }, 412],
      ['404 PATCH with a value', { method: 'PATCH', path: '/secrets/absent', profile: p, body: { value: marker('absent') } }, 404],
      ['404 for another profile', { method: 'PATCH', path: '/secrets/kept', profile: 'otherUser', body: { value: marker('foreign') } }, 404],
      ['400 renaming with a value', { method: 'PATCH', path: '/secrets/kept', profile: p, body: { name: 'renamed', value: marker('rename') } }, 400],
    ];
    for (const [label, request, status] of failures) {
      const response = await send(label, request);
      expect(response.statusCode, `${label}: ${response.body}`).toBe(status);
    }
    const directFailures: Array<[string, Operation, unknown, string]> = [
      ['direct 409', 'create', { userProfileId: p, name: 'kept', value: marker('d409') }, 'SecretAlreadyExists'],
      ['direct 400', 'create', { userProfileId: p, name: 'x', value: marker('d400'), extra: marker('d400') }, 'ValidationError'],
      ['direct invalid profile', 'create', { userProfileId: 'not valid', name: 'x', value: marker('dprof') }, 'ValidationError'],
      ['direct 412', 'update', { userProfileId: p, name: 'kept', value: marker('d412'), ifMatch: 7 }, 'PreconditionFailed'],
    ];
    for (const [label, op, payload, name] of directFailures) {
      const outcome = (await invoke(label, op, payload)) as { error?: { name: string } };
      expect(outcome.error?.name, label).toBe(name);
    }
    // The secret that was there all along is intact.
    expect(json(await send('get kept', { method: 'GET', path: '/secrets/kept', profile: p }, kept)).value).toBe(kept);
  });

  it('keeps values out of rotation, sweep and decryption-failure logs', async () => {
    const p = 'rotUser';
    const value = marker('rot');
    await invoke('create for rotation', 'create', { userProfileId: p, name: 'rotated', value });
    process.env.FERNET_KEYS = `${TEST_KEYS[1]},${TEST_KEYS[0]}`;
    vi.resetModules();
    const rotated = await loadHandlers();
    const report = (await rotated.rotate({}, lambdaContext())) as { rotated: number };
    expect(report.rotated).toBeGreaterThan(0);
    expect(((await rotated.get({ userProfileId: p, name: 'rotated' }, lambdaContext())) as { value: string }).value).toBe(value);
    // A key list without the key the token is under: the value cannot be read, and is not logged.
    process.env.FERNET_KEYS = TEST_KEYS[0];
    vi.resetModules();
    const wrongKey = await loadHandlers();
    await expect(wrongKey.get({ userProfileId: p, name: 'rotated' }, lambdaContext())).rejects.toMatchObject({ name: 'DecryptionFailed' });
    const failed = (await wrongKey.rotate({}, lambdaContext())) as { failed: number };
    expect(failed.failed).toBeGreaterThan(0);
    expect(harness.logs.text()).toContain('secret cannot be decrypted for rotation');
    process.env.FERNET_KEYS = TEST_KEYS[0];
  });

  it('logged the events it was asked to log (the capture is live)', async () => {
    await harness.drainAudit();
    const text = harness.logs.text();
    if (harness.audited) expect(text).toContain('"message":"audit event"');
    expect(text).toContain('"message":"request refused"');
    expect(text).toContain('"level":"ERROR"');
    expect(harness.logs.lines().length).toBeGreaterThan(20);
  });

  it('no response carries a plaintext other than the one its own get returned', () => {
    for (const { label, text, mayHold } of responses) {
      expect(leakedMarkers(text).filter((m) => m !== mayHold), label).toEqual([]);
    }
    expect(responses.length).toBeGreaterThan(25);
  });

  it('no raw item and no log line holds a plaintext', async () => {
    const seen = await expectNoPlaintext(harness);
    summary.push(
      `no-plaintext: ${usedMarkers().length} plaintexts through ${responses.length} calls; none in ${seen.items} raw items or ${seen.logLines} log lines (DEBUG, LOG_EVENT=true)`,
    );
  });
});
