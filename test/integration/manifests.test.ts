// POST /manifests (the apply function) through the real handlers and the local DynamoDB: YAML and
// JSON bodies and direct invocation, 415 for other media types (and every other route still JSON
// only), create, change and no change, renames reported, the value masked in every answer, errors
// that name manifest paths, concurrent applies, and no value in any answer or log line, with the
// most talkative logging an operator can switch on.
import { describe, expect, it } from 'vitest';
import { useHandlers } from '../support/harness.js';
import { json, type HttpRequest, type HttpResponse } from '../support/http.js';

const harness = useHandlers({ env: { POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_LOGGER_LOG_EVENT: 'true' }, captureLogs: true });
/** Every value here starts with it: no answer of apply and no log line may hold it. */
const MARK = 'mfv-7c2d';
const answers: string[] = [];

const manifest = (o: { name?: string; value?: string; version?: string; expiration?: string; extra?: string } = {}) => `apiVersion: smarter.sh/v1
kind: Secret
metadata:
  name: ${o.name ?? 'openai-api-key'}
  description: the bot's key
  version: ${o.version ?? '1.0.0'}
  tags: [prod, bot]
  annotations:
    - smarter.sh/owner: platform
spec:
  config:
    value: ${o.value ?? `${MARK}-1`}
${o.expiration ? `    expiration_date: ${o.expiration}\n` : ''}status:
  recordLocator: ignored
${o.extra ?? ''}`;

const manifestObject = (name: string, value: string) => ({
  apiVersion: 'smarter.sh/v1',
  kind: 'Secret',
  metadata: { name, description: 'from JSON', version: '2.0.0', tags: ['json'], annotations: [{ owner: 'ops' }] },
  spec: { config: { value } },
});

async function send(request: Omit<HttpRequest, 'method' | 'path'>): Promise<HttpResponse> {
  const response = await harness.call({ method: 'POST', path: '/manifests', ...request });
  answers.push(JSON.stringify(response));
  return response;
}
const applyYaml = (text: string, profile = 'alice', headers: Record<string, string> = {}) =>
  send({ profile, rawBody: text, headers: { 'content-type': 'application/yaml', ...headers } });
const valueOf = async (name: string, profile = 'alice') => json(await harness.call({ method: 'GET', path: `/secrets/${name}`, profile })).value;
const problemOf = (response: HttpResponse) => ({ status: response.statusCode, ...json(response) });

describe('POST /manifests', () => {
  it('creates from YAML (201): the rename reported, the manifest answered with the value masked and a status', async () => {
    const response = await applyYaml(manifest({ expiration: '2999-01-15' }));
    expect(response.statusCode).toBe(201);
    expect(response.headers).toMatchObject({ Location: '/secrets/openai_api_key', ETag: '"1"' });
    const body = json(response);
    expect(body).toEqual({
      apiVersion: 'smarter.sh/v1',
      kind: 'Secret',
      metadata: { name: 'openai_api_key', description: "the bot's key", version: '1.0.0', tags: ['prod', 'bot'], annotations: [{ 'smarter.sh/owner': 'platform' }] },
      spec: { config: { value: '********', expiration_date: '2999-01-15T00:00:00.000Z' } },
      status: {
        recordLocator: expect.stringMatching(/^[0-9A-Z]{26}$/),
        created: expect.any(String),
        modified: expect.any(String),
        last_accessed: null,
        expired: false,
        revision: 1,
        outcome: 'created',
        renamed: { from: 'openai-api-key', to: 'openai_api_key' },
      },
    });
    const stored = json(await harness.call({ method: 'GET', path: '/secrets/openai_api_key' }));
    expect(stored).toMatchObject({ id: body.status.recordLocator, value: `${MARK}-1`, annotations: { 'smarter.sh/owner': 'platform' } });
  });

  it('applied again changes nothing (200, unchanged, same revision); a changed manifest changes every field, value included (200, configured)', async () => {
    const text = manifest({ name: 'repeatKey', value: `${MARK}-r1` });
    expect((await applyYaml(text)).statusCode).toBe(201);
    const again = await applyYaml(text);
    expect(again.statusCode).toBe(200);
    expect(json(again).status).toMatchObject({ outcome: 'unchanged', revision: 1, renamed: null });
    const changed = await applyYaml(manifest({ name: 'repeatKey', value: `${MARK}-r2`, version: '1.1.0', expiration: '2999-02-01' }));
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.ETag).toBe('"2"');
    expect(json(changed)).toMatchObject({ metadata: { version: '1.1.0' }, spec: { config: { value: '********', expiration_date: '2999-02-01T00:00:00.000Z' } }, status: { outcome: 'configured', revision: 2 } });
    expect(await valueOf('repeatKey')).toBe(`${MARK}-r2`);
    // The expiry, gone from the manifest, is gone from the secret.
    expect(json(await applyYaml(manifest({ name: 'repeatKey', value: `${MARK}-r2`, version: '1.1.0' }))).status).toMatchObject({ outcome: 'configured', revision: 3 });
    expect(json(await harness.call({ method: 'GET', path: '/secrets/repeatKey' })).expiresAt).toBeNull();
  });

  it('takes the manifest as JSON, YAML with charset, and by direct invocation', async () => {
    const created = await send({ profile: 'bob', body: manifestObject('jsonKey', `${MARK}-j1`) });
    expect(created.statusCode).toBe(201);
    expect(json(created).metadata).toMatchObject({ name: 'jsonKey', annotations: [{ owner: 'ops' }] });
    const withCharset = await applyYaml(manifest({ name: 'charsetKey', value: `${MARK}-c1` }), 'bob', { 'content-type': 'Application/YAML; charset=utf-8' });
    expect(withCharset.statusCode).toBe(201);
    const direct = (await harness.direct('apply', { userProfileId: 'bob', ...manifestObject('jsonKey', `${MARK}-j2`) })) as { status: { outcome: string; revision: number } };
    answers.push(JSON.stringify(direct));
    expect(direct.status).toMatchObject({ outcome: 'configured', revision: 2 });
    expect(await valueOf('jsonKey', 'bob')).toBe(`${MARK}-j2`);
    // Another profile's apply of the same name is its own secret.
    expect((await send({ profile: 'carol', body: manifestObject('jsonKey', `${MARK}-j3`) })).statusCode).toBe(201);
    expect(await valueOf('jsonKey', 'bob')).toBe(`${MARK}-j2`);
  });

  it('answers 415 for any other media type, and every other route still takes JSON only', async () => {
    for (const type of ['text/plain', 'application/x-yaml', 'text/yaml', 'application/yaml; charset=utf-16', '']) {
      const refused = problemOf(await applyYaml(manifest({ value: `${MARK}-415` }), 'alice', { 'content-type': type }));
      expect(refused, type).toMatchObject({ status: 415, code: 'UnsupportedMediaType', detail: 'Request bodies must be application/json or application/yaml.' });
    }
    const yamlElsewhere = await harness.call({ method: 'POST', path: '/secrets', headers: { 'content-type': 'application/yaml' }, rawBody: 'name: yamlSecret\nvalue: v\n' });
    expect(problemOf(yamlElsewhere)).toMatchObject({ status: 415, detail: 'Request bodies must be application/json.' });
    await harness.call({ method: 'POST', path: '/secrets', body: { name: 'jsonOnly', value: 'v' } });
    const patched = await harness.call({ method: 'PATCH', path: '/secrets/jsonOnly', headers: { 'content-type': 'application/yaml' }, rawBody: 'description: x\n' });
    expect(patched.statusCode).toBe(415);
  });

  it('refuses a malformed manifest with 400, naming manifest paths, never the value', async () => {
    const refused = async (text: string, status = 400) => {
      const response = await applyYaml(text, 'dave');
      expect(response.statusCode).toBe(status);
      return json(response) as { code: string; detail: string; errors?: { path: string; message: string }[] };
    };
    const paths = async (text: string) => (await refused(text)).errors!.map((e) => e.path);
    expect(await paths(manifest({ version: 'one' }))).toEqual(['metadata.version']);
    expect(await paths(manifest({ name: '---' }))).toContain('metadata.name');
    expect(await paths(manifest({ value: '"********"' }))).toEqual(['spec.config.value']);
    expect(await paths(manifest({ expiration: '2001-01-01' }))).toEqual(['spec.config.expiration_date']);
    expect(await paths(manifest({ value: `${MARK}-long-${'x'.repeat(70_000)}` }))).toEqual(['spec.config.value']);
    expect(await paths(manifest({ value: '[1, 2]' }))).toEqual(['spec.config.value']);
    expect(await paths(`kind: Plugin\nspec: {config: {value: ${MARK}-kind}}\n`)).toEqual(['apiVersion', 'kind', 'metadata']);
    // The YAML itself: quoted by no error, only placed.
    expect((await refused(`${manifest()}  broken: [${MARK}-yaml\n`)).errors).toEqual([{ path: 'body', message: expect.stringMatching(/^is not valid YAML \(\w+ at line \d+, column \d+\)$/) }]);
    expect((await refused(`${manifest()}---\n${manifest()}`)).errors).toEqual([{ path: 'body', message: 'must be exactly one YAML document' }]);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]'].join('\n');
    expect((await refused(`${manifest()}${bomb}\n`)).errors).toEqual([{ path: 'body', message: 'uses more than 10 aliases' }]);
    expect((await refused(`${manifest()}deep: ${'['.repeat(10_000)}\n`)).errors).toEqual([{ path: 'body', message: 'nests [ and { more than 32 deep' }]);
    expect((await refused('[1, 2]\n')).errors).toEqual([{ path: '', message: 'Invalid input: expected object, received array' }]);
    expect((await refused(manifest({ value: `${MARK}-big-${'x'.repeat(256 * 1024)}` }), 413)).code).toBe('PayloadTooLarge');
    const conditional = problemOf(await applyYaml(manifest({ value: `${MARK}-ifmatch` }), 'dave', { 'if-match': '"1"' }));
    expect(conditional).toMatchObject({ status: 400, errors: [{ path: 'If-Match', message: 'is not taken by apply' }] });
    const badJson = problemOf(await send({ profile: 'dave', rawBody: `{"spec": {"config": {"value": "${MARK}-json"` }));
    expect(badJson).toMatchObject({ status: 400, errors: [{ path: 'body', message: 'must be valid JSON in UTF-8' }] });
    const direct = await harness.direct('apply', { userProfileId: 'dave', kind: 'Secret', spec: { config: { value: `${MARK}-direct` } } }).catch((e: Error) => e);
    expect(direct).toMatchObject({ name: 'ValidationError' });
    answers.push(JSON.stringify({ message: (direct as Error).message, stack: (direct as Error).stack }));
    // Nothing was written for dave.
    expect(json(await harness.call({ method: 'GET', path: '/secrets', profile: 'dave' })).items).toEqual([]);
  });

  it('does not bring an expired secret back: 410', async () => {
    await applyYaml(manifest({ name: 'expiring', value: `${MARK}-e1` }), 'erin');
    await harness.call({ method: 'POST', path: '/secrets/expiring/expire', profile: 'erin' });
    expect(problemOf(await applyYaml(manifest({ name: 'expiring', value: `${MARK}-e2` }), 'erin'))).toMatchObject({ status: 410, code: 'SecretExpired' });
  });

  it('loses no concurrent apply of a new name: one creates it, the others change it or find it as they want it', async () => {
    const values = [1, 2, 3, 4].map((i) => `${MARK}-race${i}`);
    const responses = await Promise.all(values.map((value) => applyYaml(manifest({ name: 'raced', value }), 'frank')));
    const outcomes = responses.map((r) => json(r).status.outcome as string);
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 201]);
    const stored = json(await harness.call({ method: 'GET', path: '/secrets/raced', profile: 'frank' }));
    expect(values).toContain(stored.value);
    expect(stored.revision).toBe(1 + outcomes.filter((o) => o === 'configured').length);
  });

  it('never puts a value in an answer of apply or in a log line', () => {
    expect(answers.length).toBeGreaterThan(20);
    for (const answer of answers) expect(answer).not.toContain(MARK);
    const logs = harness.logs.text();
    expect(logs).toContain('request refused');
    expect(logs).not.toContain(MARK);
  });
});
