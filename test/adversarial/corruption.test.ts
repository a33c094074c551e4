// What the store does with damage it did not cause. Ciphertext corrupted
// in the raw table (written directly with a DocumentClient) answers DecryptionFailed and
// leaks nothing; rotation counts such a secret and never deletes it. A missing or malformed
// key list fails at cold start with a message that names FERNET_KEYS and never shows a key.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { localClient } from '../../local/dynamodb.js';
import { secretKey } from '../../lib/store/table.js';
import { json, lambdaContext } from '../support/http.js';
import { loadHandlers } from '../support/handlers.js';
import { useHandlers } from '../support/harness.js';
import { TEST_KEYS } from '../support/store.js';
import { expectNoPlaintext, expectProblem, marker } from './support.js';

const harness = useHandlers({ env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' }, captureLogs: true, auditStream: true });
const { call, direct, summary } = harness;
let db: DynamoDBDocumentClient;
const PROFILE = 'victim';

beforeAll(() => {
  db = DynamoDBDocumentClient.from(localClient(harness.store.dynamo.endpoint));
});

afterAll(() => {
  db?.destroy();
});

/** Overwrites (or, with `undefined`, removes) attributes of a stored item behind the store's back. */
async function tamper(name: string, changes: Record<string, unknown>, profile = PROFILE) {
  const set = Object.entries(changes).filter(([, v]) => v !== undefined);
  const remove = Object.entries(changes).filter(([, v]) => v === undefined);
  const names = Object.fromEntries(Object.keys(changes).map((k, i) => [`#a${i}`, k]));
  const alias = (k: string) => Object.entries(names).find(([, v]) => v === k)![0];
  await db.send(
    new UpdateCommand({
      TableName: harness.store.tableName,
      Key: secretKey(profile, name),
      UpdateExpression: [
        set.length > 0 ? `SET ${set.map(([k]) => `${alias(k)} = :${alias(k).slice(1)}`).join(', ')}` : '',
        remove.length > 0 ? `REMOVE ${remove.map(([k]) => alias(k)).join(', ')}` : '',
      ].join(' '),
      ExpressionAttributeNames: names,
      ...(set.length > 0 && { ExpressionAttributeValues: Object.fromEntries(set.map(([k, v]) => [`:${alias(k).slice(1)}`, v])) }),
    }),
  );
}

const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);

type Corruption = [label: string, damage: (item: Record<string, unknown>, other: Record<string, unknown>) => Record<string, unknown>];
const CORRUPTIONS: Corruption[] = [
  ['one character of the token changed', (i) => ({ token: flip(String(i.token), 40) })],
  ['last character of the token changed', (i) => ({ token: flip(String(i.token), String(i.token).length - 2) })],
  ['token truncated', (i) => ({ token: String(i.token).slice(0, 60) })],
  ['token emptied of its ciphertext', (i) => ({ token: String(i.token).slice(0, 57) })],
  ['token of another secret of the same profile', (_, o) => ({ token: o.token })],
  ['token and binding of another secret of the same profile', (_, o) => ({ token: o.token, binding: o.binding })],
  ['binding changed', (i) => ({ binding: flip(String(i.binding), 5) })],
  ['binding removed', () => ({ binding: undefined })],
  ['token removed', () => ({ token: undefined })],
  ['token not base64', () => ({ token: '!!!! not a token ~~~~' })],
  ['token with non-ASCII text', (i) => ({ token: `${String(i.token)}é` })],
  ['token stored as a number', () => ({ token: 12345 })],
  ['token stored as a list', (i) => ({ token: [i.token] })],
  ['binding stored as a map', (i) => ({ binding: { b: i.binding } })],
];

describe('ciphertext corrupted in the raw table', () => {
  const cases = CORRUPTIONS.map(([label, damage], i) => ({ label, damage, name: `damaged${i}`, value: marker('corrupt'), donorValue: marker('corrupt') }));
  const secretsOf = new Map<string, string[]>();

  beforeAll(async () => {
    // Each damaged secret has a healthy donor whose token some damages borrow.
    await Promise.all(
      cases.flatMap(({ name, value, donorValue }) => [
        call({ method: 'POST', path: '/secrets', profile: PROFILE, body: { name, value } }),
        call({ method: 'POST', path: '/secrets', profile: PROFILE, body: { name: name.replace('damaged', 'donor'), value: donorValue } }),
      ]),
    );
    const items = await harness.store.scanAll();
    const find = (name: string) => items.find((i) => i.profileId === PROFILE && i.name === name)!;
    await Promise.all(
      cases.map(({ name, damage, value, donorValue }) => {
        const original = find(name);
        const donor = find(name.replace('damaged', 'donor'));
        // What no answer about this secret may show: plaintexts, tokens, bindings, keys.
        secretsOf.set(name, [value, donorValue, String(original.token), String(original.binding), String(donor.token), ...TEST_KEYS]);
        return tamper(name, damage(original, donor));
      }),
    );
  });

  it.each(cases.map((c) => [c.name, c.label] as const))('%s (%s) answers DecryptionFailed and leaks nothing', async (name) => {
    const response = await call({ method: 'GET', path: `/secrets/${name}`, profile: PROFILE });
    expectProblem(response, 500);
    expect(json(response)).toEqual({
      type: 'about:blank',
      title: 'Decryption failed',
      status: 500,
      code: 'DecryptionFailed',
      detail: `The stored value of '${name}' cannot be decrypted.`,
    });
    for (const secret of secretsOf.get(name)!) expect(response.body).not.toContain(secret);
    const failure = await direct('get', { userProfileId: PROFILE, name }).then(
      () => null,
      (error: Error) => error,
    );
    expect(failure?.name).toBe('DecryptionFailed');
    expect(failure?.stack).toBe(`DecryptionFailed: ${failure?.message}`);
    for (const secret of secretsOf.get(name)!) expect(failure?.message).not.toContain(secret);
  });

  it('keeps the metadata of every damaged secret listable', async () => {
    const listed = json(await call({ method: 'GET', path: '/secrets', profile: PROFILE, query: { prefix: 'damaged', limit: '100' } }));
    expect(listed.items.map((s: { name: string }) => s.name).sort()).toEqual(cases.map((c) => c.name).sort());
  });

  it('rotation counts every undecryptable secret, deletes none of them, and finishes the run', async () => {
    const damaged = (await harness.store.scanAll()).filter((i) => String(i.name).startsWith('damaged')).map((i) => i.name);
    expect(damaged).toHaveLength(CORRUPTIONS.length);
    // A new primary key: every token is now "under an older key" and due for rotation.
    const saved = process.env.FERNET_KEYS;
    process.env.FERNET_KEYS = `${TEST_KEYS[1]},${TEST_KEYS[0]}`;
    vi.resetModules();
    try {
      const rotating = await loadHandlers();
      const report = (await rotating.rotate({}, lambdaContext())) as { examined: number; rotated: number; failed: number; more: boolean };
      const withToken = damaged.length - CORRUPTIONS.filter(([label]) => label === 'token removed').length;
      expect(report.more).toBe(false);
      // Everything with some token is examined; the damaged ones fail and the donors rotate.
      expect(report.failed).toBe(withToken);
      expect(report.rotated).toBe(CORRUPTIONS.length);
      const after = (await harness.store.scanAll()).filter((i) => String(i.name).startsWith('damaged')).map((i) => i.name);
      expect(after.sort()).toEqual([...damaged].sort());
      expect(harness.logs.text()).toContain('secret cannot be decrypted for rotation');
      summary.push(`corruption: ${CORRUPTIONS.length} kinds of damage -> DecryptionFailed; rotation: ${JSON.stringify(report)}`);
    } finally {
      process.env.FERNET_KEYS = saved;
    }
  });

  it('a new value repairs every damaged secret', async () => {
    const repaired = cases.map(() => marker('corrupt'));
    const patched = await Promise.all(
      cases.map(({ name }, i) => call({ method: 'PATCH', path: `/secrets/${name}`, profile: PROFILE, body: { value: repaired[i] } })),
    );
    expect(patched.map((r) => r.statusCode)).toEqual(cases.map(() => 200));
    const read = await Promise.all(cases.map(({ name }) => call({ method: 'GET', path: `/secrets/${name}`, profile: PROFILE })));
    expect(read.map((r) => json(r).value)).toEqual(repaired);
  });

  it.each([
    ['tags not a list', { tags: 42 }],
    ['annotations not a map', { annotations: 'owner' }],
    ['revision not a number', { revision: 'two' }],
    ['name missing', { name: undefined }],
  ])('a row with %s fails only itself: its get answers SecretDamaged, a list leaves it out and names it in the log', async (label, damage) => {
    const name = `bad${label.replace(/\W/g, '')}`;
    await call({ method: 'POST', path: '/secrets', profile: 'tenant', body: { name, value: marker('corrupt') } });
    await call({ method: 'POST', path: '/secrets', profile: 'tenant', body: { name: `${name}Neighbour`, value: marker('corrupt') } });
    await tamper(name, damage, 'tenant');
    const response = await call({ method: 'GET', path: `/secrets/${name}`, profile: 'tenant' });
    expect(expectProblem(response, 500)).toMatchObject({ code: 'SecretDamaged', detail: `The stored secret '${name}' is damaged and cannot be read.` });
    expect(response.body).not.toContain('PT~');
    const listed = await call({ method: 'GET', path: '/secrets', profile: 'tenant', query: { prefix: name } });
    expect(listed.statusCode).toBe(200);
    expect(json(listed).items.map((s: { name: string }) => s.name)).toEqual([`${name}Neighbour`]);
    expect(harness.logs.text()).toContain('"message":"damaged secret left out of a list"');
    expect(harness.logs.text()).toContain(`"reference":"SECRET#${name}"`);
  });

  it('a damaged row in the expiry index does not stop the sweep', async () => {
    for (const name of ['dueDamaged', 'dueHealthy']) {
      await call({ method: 'POST', path: '/secrets', profile: 'sweeper', body: { name, value: marker('corrupt') } });
      await call({ method: 'POST', path: `/secrets/${name}/expire`, profile: 'sweeper' });
    }
    await tamper('dueDamaged', { expiresAt: 42 }, 'sweeper');
    const report = (await direct('sweep', {})) as { examined: number; expired: number; more: boolean };
    expect(report.more).toBe(false);
    const swept = (await harness.store.scanAll()).filter((i) => i.profileId === 'sweeper' && i.sweptAt !== undefined).map((i) => i.name);
    expect(swept).toEqual(['dueHealthy']);
  });

  it('leaves no plaintext and no key in the table or the logs', async () => {
    const seen = await expectNoPlaintext(harness);
    for (const key of TEST_KEYS) {
      expect(harness.logs.text()).not.toContain(key);
      expect(JSON.stringify(await harness.store.scanAll())).not.toContain(key);
    }
    summary.push(`corruption: no plaintext or key in ${seen.items} raw items or ${seen.logLines} log lines`);
  });
});

// ---------------------------------------------------------------------------------------

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Imports a function module in a fresh Node process, as a Lambda cold start would. */
function coldStart(env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', "await import('./functions/get/handler.ts');"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TABLE_NAME: 'secrets-cold-start', AWS_REGION: 'us-east-1', ...env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

const BAD_KEY_LISTS: Array<[label: string, value: string | undefined, expected: RegExp]> = [
  ['garbage', 'garbage-key-text-0123', /FERNET_KEYS entry 1 is not a url-safe base64 32-byte Fernet key/],
  ['a good key then garbage', `${TEST_KEYS[0]},another-garbage-key-4567`, /FERNET_KEYS entry 2 is not a url-safe base64 32-byte Fernet key/],
  ['a key in the standard base64 alphabet', 'Pq7h1Fwa9hxV7b3F3aXnR2v8p2Tyq4o4aF8nC0rQkz+=', /FERNET_KEYS entry 1 is not/],
  ['a 31-byte key', `${TEST_KEYS[0]!.slice(0, 42)}=`, /FERNET_KEYS entry 1 is not/],
  ['an empty entry', `${TEST_KEYS[0]},`, /FERNET_KEYS entry 2 is empty/],
  ['only blanks', '   ', /FERNET_KEYS/],
  ['no key source at all', undefined, /set FERNET_KEYS or FERNET_KEYS_PARAMETER/],
];

describe('a missing or malformed key list', () => {
  it.each(BAD_KEY_LISTS)('fails the cold start on %s, naming FERNET_KEYS and showing no key', async (_label, value, expected) => {
    const saved = process.env.FERNET_KEYS;
    if (value === undefined) delete process.env.FERNET_KEYS;
    else process.env.FERNET_KEYS = value;
    vi.resetModules();
    try {
      const error = (await import('../../functions/get/handler.js').then(
        () => null,
        (e: Error) => e,
      )) as Error | null;
      expect(error?.name).toBe('ConfigError');
      expect(error?.message).toMatch(expected);
      for (const secret of [...TEST_KEYS, ...(value ?? '').split(',').map((k) => k.trim()).filter((k) => k.length > 3)]) {
        expect(error?.message).not.toContain(secret);
        expect(error?.message).not.toContain(secret.slice(0, 12));
      }
    } finally {
      process.env.FERNET_KEYS = saved;
    }
  });

  it('stops a real process at import with the message on stderr and no key text', async () => {
    const bad = await coldStart({ FERNET_KEYS: `${TEST_KEYS[0]},garbage-key-text-0123` });
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('ConfigError: FERNET_KEYS entry 2 is not a url-safe base64 32-byte Fernet key');
    expect(bad.output).not.toContain('garbage-key-text');
    expect(bad.output).not.toContain(TEST_KEYS[0]!.slice(0, 12));
  });
});
