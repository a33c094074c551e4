// The admin import function (direct invocation only): secrets written with their own timestamps,
// sealed and bound to their owners here, readable through the usual functions; the same rows
// again change nothing; an expiry already past arrives expired and the sweep destroys it; a batch
// with one invalid secret writes nothing.
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../functions/index.js';
import { useHandlers } from '../support/harness.js';

const harness = useHandlers();
const { direct } = harness;

const row = (fields: Record<string, unknown> = {}) => ({
  profileId: '3141-5926-5359/alice@example.com',
  name: 'openai_api_key',
  value: 'sk-imported-1',
  description: 'from Smarter',
  version: '2.1.0',
  tags: ['Prod'],
  annotations: { 'smarter.sh/owner': 'platform' },
  createdAt: '2024-05-01T12:00:00.123Z',
  updatedAt: '2024-05-02T06:30:00.000Z',
  lastAccessed: null,
  expiresAt: null,
  ...fields,
});
const importing = (...secrets: unknown[]) => direct('import', { secrets }) as Promise<{ results: { profileId: string; name: string; outcome: string }[] }>;
const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (e: Error) => e);

describe('the import function', () => {
  it('has no HTTP route: invoking it is the permission', () => {
    expect('route' in FUNCTIONS.import).toBe(false);
    expect(FUNCTIONS.import.dynamodb).toEqual({ table: ['PutItem'] });
  });

  it('writes each secret as it was, bound to its owner, and readable as any other', async () => {
    const result = await importing(row(), row({ profileId: 'bob', name: 'dbPassword', value: 'pw', lastAccessed: '2024-06-01T00:00:00.000Z' }));
    expect(result.results).toEqual([
      { profileId: '3141-5926-5359/alice@example.com', name: 'openai_api_key', outcome: 'imported' },
      { profileId: 'bob', name: 'dbPassword', outcome: 'imported' },
    ]);
    const read = (await direct('get', { userProfileId: '3141-5926-5359/alice@example.com', name: 'openai_api_key' })) as Record<string, unknown>;
    expect(read).toMatchObject({
      value: 'sk-imported-1',
      description: 'from Smarter',
      version: '2.1.0',
      tags: ['Prod'],
      annotations: { 'smarter.sh/owner': 'platform' },
      createdAt: '2024-05-01T12:00:00.123Z',
      updatedAt: '2024-05-02T06:30:00.000Z',
      revision: 1,
      expired: false,
    });
    // Bound to its owner: another profile does not see it.
    expect((await errorOf(direct('get', { userProfileId: 'bob', name: 'openai_api_key' })))?.name).toBe('SecretNotFound');
    const stored = (await harness.store.scanAll()).find((item) => item.sk === 'SECRET#dbPassword');
    expect(stored).toMatchObject({ lastAccessed: '2024-06-01T00:00:00.000Z', revision: 1 });
    expect(JSON.stringify(stored)).not.toContain('"pw"');
  });

  it('leaves a name its owner already has as it is, so the same rows again change nothing', async () => {
    const before = await harness.store.scanAll();
    const again = await importing(row({ value: 'a different value' }));
    expect(again.results).toEqual([{ profileId: '3141-5926-5359/alice@example.com', name: 'openai_api_key', outcome: 'exists' }]);
    expect(await harness.store.scanAll()).toEqual(before);
  });

  it('brings an expired secret in expired, and the sweep destroys its ciphertext', async () => {
    await importing(row({ profileId: 'carol', name: 'oldToken', value: 'expired-long-ago', expiresAt: '2020-01-01T00:00:00.000Z' }));
    expect((await errorOf(direct('get', { userProfileId: 'carol', name: 'oldToken' })))?.name).toBe('SecretExpired');
    const swept = (await direct('sweep', {})) as { expired: number };
    expect(swept.expired).toBeGreaterThanOrEqual(1);
    const item = (await harness.store.scanAll()).find((i) => i.pk === 'PROFILE#carol' && i.sk === 'SECRET#oldToken');
    expect(item).toMatchObject({ sweptAt: expect.any(String) });
    expect(item).not.toHaveProperty('token');
  });

  it('shares a secret with its owner\'s account when told, as Smarter reads them account-wide', async () => {
    const owner = '3141-5926-5359/alice@example.com';
    await importing(row({ name: 'teamKey', value: 'team-value', visibility: 'account', accountId: '3141-5926-5359' }));
    const read = await direct('get', { userProfileId: '3141-5926-5359/bob', accountId: '3141-5926-5359', name: 'teamKey' });
    expect(read).toMatchObject({ value: 'team-value', owner, visibility: 'account', createdAt: '2024-05-01T12:00:00.123Z' });
    expect((await errorOf(direct('get', { userProfileId: 'eve', accountId: '2718-2818-2845', name: 'teamKey' })))?.name).toBe('SecretNotFound');
    // Sharing needs the account it is shared with; a batch with one secret without it writes nothing.
    const before = await harness.store.scanAll();
    const unshared = await errorOf(importing(row({ name: 'fineOne' }), row({ name: 'noAccount', visibility: 'account' })));
    expect(unshared).toMatchObject({ name: 'ValidationError', errors: [{ path: 'secrets.1.accountId', message: 'is required with visibility account' }] });
    expect(await harness.store.scanAll()).toEqual(before);
  });

  it('refuses a batch with one invalid secret, writing none of it, naming the field', async () => {
    const before = await harness.store.scanAll();
    for (const bad of [row({ name: 'Bad Name' }), row({ profileId: 'a b' }), row({ createdAt: 'yesterday' }), row({ extra: 1 })]) {
      const error = await errorOf(importing(row({ name: 'fineName' }), bad));
      expect(error?.name, JSON.stringify(bad).slice(0, 60)).toBe('ValidationError');
    }
    expect((await errorOf(direct('import', { secrets: [] })))?.name).toBe('ValidationError');
    expect((await errorOf(direct('import', { secrets: Array.from({ length: 26 }, (_, i) => row({ name: `n${i}` })) })))?.name).toBe('ValidationError');
    expect((await errorOf(direct('import', { userProfileId: 'alice', secrets: [row()] })))?.name).toBe('ValidationError');
    expect(await harness.store.scanAll()).toEqual(before);
  });
});
