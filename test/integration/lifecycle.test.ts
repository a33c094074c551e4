// Update, delete, rotation and row binding on dynalite, through the real handlers.
import { UpdateCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { localClient } from '../../local/dynamodb.js';
import { secretKey } from '../../lib/store/table.js';
import { json, lambdaContext } from '../support/http.js';
import { loadHandlers } from '../support/handlers.js';
import { useHandlers } from '../support/harness.js';
import { TEST_KEYS } from '../support/store.js';

const harness = useHandlers();
const { call, direct } = harness;

describe('PATCH', () => {
  it('changes only the named fields, bumps the revision and re-encrypts a new value', async () => {
    await call({ method: 'POST', path: '/secrets', body: { name: 'patched', value: 'old-value-1', description: 'keep me', tags: ['a'] } });
    const before = (await harness.store.scanAll()).find((i) => i.name === 'patched')!;
    const response = await call({ method: 'PATCH', path: '/secrets/patched', body: { value: 'new-value-2', tags: ['b'] } });
    expect(response.statusCode).toBe(200);
    expect(response.headers.ETag).toBe('"2"');
    expect(json(response)).toMatchObject({ description: 'keep me', tags: ['b'], revision: 2 });
    expect(response.body).not.toContain('new-value-2');
    const after = (await harness.store.scanAll()).find((i) => i.name === 'patched')!;
    expect(after.token).not.toBe(before.token);
    expect(json(await call({ method: 'GET', path: '/secrets/patched' })).value).toBe('new-value-2');
  });

  it('is a check-and-set under If-Match: a stale revision answers 412 and changes nothing', async () => {
    await call({ method: 'POST', path: '/secrets', body: { name: 'guarded', value: 'v' } });
    const ok = await call({ method: 'PATCH', path: '/secrets/guarded', headers: { 'if-match': '"1"' }, body: { description: 'first' } });
    expect(ok.statusCode).toBe(200);
    const stale = await call({ method: 'PATCH', path: '/secrets/guarded', headers: { 'if-match': '"1"' }, body: { description: 'second' } });
    expect(stale.statusCode).toBe(412);
    expect(json(stale).code).toBe('PreconditionFailed');
    const raw = (await harness.store.scanAll()).find((i) => i.name === 'guarded')!;
    expect(raw).toMatchObject({ description: 'first', revision: 2 });
  });

  it('keeps concurrent changes of different fields', async () => {
    await call({ method: 'POST', path: '/secrets', body: { name: 'busy', value: 'v' } });
    await Promise.all([
      call({ method: 'PATCH', path: '/secrets/busy', body: { description: 'by one' } }),
      call({ method: 'PATCH', path: '/secrets/busy', body: { version: '2.0.0' } }),
      call({ method: 'PATCH', path: '/secrets/busy', body: { tags: ['t'] } }),
    ]);
    const raw = (await harness.store.scanAll()).find((i) => i.name === 'busy')!;
    expect(raw).toMatchObject({ description: 'by one', version: '2.0.0', tags: ['t'], revision: 4 });
  });

  it('refuses a name change and an empty patch', async () => {
    await call({ method: 'POST', path: '/secrets', body: { name: 'fixedName', value: 'v' } });
    const rename = await call({ method: 'PATCH', path: '/secrets/fixedName', body: { name: 'other' } });
    expect(rename.statusCode).toBe(400);
    expect(json(rename).errors[0].path).toBe('name');
    expect((await call({ method: 'PATCH', path: '/secrets/fixedName', body: {} })).statusCode).toBe(400);
  });
});

describe('DELETE', () => {
  it('answers 204, then 404; the name stays taken until force=true deletes it at once', async () => {
    await call({ method: 'POST', path: '/secrets', body: { name: 'temp', value: 'v1' } });
    expect((await call({ method: 'DELETE', path: '/secrets/temp' })).statusCode).toBe(204);
    expect((await call({ method: 'DELETE', path: '/secrets/temp' })).statusCode).toBe(404);
    expect((await call({ method: 'GET', path: '/secrets/temp' })).statusCode).toBe(404);
    const taken = await call({ method: 'POST', path: '/secrets', body: { name: 'temp', value: 'v2' } });
    expect(taken.statusCode).toBe(409);
    expect(json(taken).detail).toMatch(/^A secret named 'temp' is deleted and keeps its name until \d{4}-.*: restore it, or delete it with force=true\.$/);
    expect(taken.body).not.toContain('v1');
    expect((await call({ method: 'DELETE', path: '/secrets/temp', query: { force: 'true' } })).statusCode).toBe(204);
    const again = await call({ method: 'POST', path: '/secrets', body: { name: 'temp', value: 'v2' } });
    expect(again.statusCode).toBe(201);
    expect(json(again).revision).toBe(1);
  });
});

describe('row binding', () => {
  it('refuses a token moved into another profile\'s item as DecryptionFailed, leaking nothing', async () => {
    await call({ method: 'POST', path: '/secrets', profile: 'victim', body: { name: 'loot', value: 'victim-plaintext' } });
    await call({ method: 'POST', path: '/secrets', profile: 'thief', body: { name: 'loot', value: 'thief-plaintext' } });
    const victim = (await harness.store.scanAll()).find((i) => i.profileId === 'victim' && i.name === 'loot')!;
    const db = DynamoDBDocumentClient.from(localClient(harness.store.dynamo.endpoint));
    await db.send(
      new UpdateCommand({
        TableName: harness.store.tableName,
        Key: secretKey('thief', 'loot'),
        UpdateExpression: 'SET #t = :t, binding = :b',
        ExpressionAttributeNames: { '#t': 'token' },
        ExpressionAttributeValues: { ':t': victim.token, ':b': victim.binding },
      }),
    );
    const response = await call({ method: 'GET', path: '/secrets/loot', profile: 'thief' });
    expect(response.statusCode).toBe(500);
    expect(json(response).code).toBe('DecryptionFailed');
    expect(response.body).not.toContain('plaintext');
    expect(response.body).not.toContain(String(victim.token));
  });
});

describe('key rotation runbook', () => {
  it('add the new key first, rotate until more is false, remove the old key: nothing unreadable', async () => {
    const [oldKey, newKey] = TEST_KEYS as [string, string];
    for (const name of ['rotA', 'rotB', 'rotC']) {
      await direct('create', { userProfileId: 'rita', name, value: `rotating-${name}` });
    }
    // Deploy with the new key in front.
    process.env.FERNET_KEYS = `${newKey},${oldKey}`;
    vi.resetModules();
    const withBoth = await loadHandlers();
    let report: { examined: number; rotated: number; more: boolean };
    let rotated = 0;
    do {
      report = (await withBoth.rotate({}, lambdaContext())) as typeof report;
      rotated += report.rotated;
    } while (report.more);
    expect(rotated).toBeGreaterThanOrEqual(3);
    expect(((await withBoth.rotate({}, lambdaContext())) as typeof report).rotated).toBe(0);

    // Remove the old key: every secret still reads.
    process.env.FERNET_KEYS = newKey;
    vi.resetModules();
    const newOnly = await loadHandlers();
    const names = (await harness.store.scanAll()).filter((i) => i.token && String(i.sk).startsWith('SECRET#') && i.deletedAt === undefined).map((i) => ({ profile: String(i.profileId), name: String(i.name) }));
    for (const { profile, name } of names) {
      if (profile === 'thief') continue; // the tampered row above is meant to be unreadable
      const secret = (await newOnly.get({ userProfileId: profile, name }, lambdaContext())) as { value: string };
      expect(secret.value).toEqual(expect.any(String));
    }
    await expect(newOnly.rotate({ extra: 1 }, lambdaContext())).rejects.toMatchObject({ name: 'ValidationError' });
  });
});
