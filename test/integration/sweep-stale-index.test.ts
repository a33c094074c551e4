// The sweep and an expiry index that lags the table (a GSI may): a key the index gives as due whose
// secret was extended just before leaves the secret and every version it holds alone.
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { localClient } from '../../local/dynamodb.js';
import { SecretRepository } from '../../lib/store/secret-repository.js';
import { profilePartition, secretKey, versionSortPrefix } from '../../lib/store/table.js';
import { json } from '../support/http.js';
import { useHandlers } from '../support/harness.js';

const harness = useHandlers();
const { call } = harness;

describe('the sweep of a key that is not due after all', () => {
  it('leaves a live secret and every version it holds alone', async () => {
    const [profile, name] = ['stella', 'extendedKey'];
    const now = Date.now();
    // Due in an hour; extended by a day (the index may still hold the first expiry for a moment).
    await call({ method: 'POST', path: '/secrets', profile, body: { name, value: 'v1', expiresAt: new Date(now + 3_600_000).toISOString() } });
    await call({ method: 'PATCH', path: `/secrets/${name}`, profile, body: { value: 'v2' } });
    await call({ method: 'PATCH', path: `/secrets/${name}`, profile, body: { value: 'v3', expiresAt: new Date(now + 86_400_000).toISOString() } });
    const repository = new SecretRepository(DynamoDBDocumentClient.from(localClient(harness.store.dynamo.endpoint), { marshallOptions: { removeUndefinedValues: true } }), harness.store.tableName);
    // What the sweep does with a key a lagging index answered for a run two hours on.
    const swept = await repository.sweep(secretKey(profile, name), new Date(now + 2 * 3_600_000).toISOString(), 0);
    expect(swept).toBe(false);
    const versions = (await harness.store.scanAll()).filter((i) => i.pk === profilePartition(profile) && String(i.sk).startsWith(versionSortPrefix(name)));
    expect(versions).toHaveLength(2);
    expect(json(await call({ method: 'GET', path: `/secrets/${name}`, profile, query: { version: '1' } })).value).toBe('v1');
  });
});
