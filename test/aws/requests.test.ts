// The AWS requests each packaged function makes, by service, with only the SDK-wide
// AWS_ENDPOINT_URL set (as under LocalStack): every one signed with the function's credentials,
// session token included, and every one an action the function's declaration (and so its IAM
// role) allows.
import { describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionName } from '../../functions/index.js';
import { Fernet } from '../../lib/crypto/fernet.js';
import { httpEvent } from '../../local/lambda-events.js';
import type { DynamoDBBatchResponse } from 'aws-lambda';
import { pollStream } from '../../local/stream-poller.js';
import type { RecordedRequest } from '../support/aws-gateway.js';
import type { Instance } from '../support/lambda-runtime.js';
import { EVENT_BUS, payloadOf, useAwsStack } from './support.js';

const stack = useAwsStack({ keys: Fernet.generateKey(), endpoints: 'sdk-wide' });

/** IAM actions a function's declaration allows, as "service:Operation". */
const allowed = (name: FunctionName): Set<string> => {
  const fn = FUNCTIONS[name];
  return new Set([
    ...Object.values(fn.dynamodb).flatMap((actions: string[]) => actions.map((a) => `dynamodb:${a}`)),
    ...(fn.keys ? ['ssm:GetParameter'] : []),
    ...('publishes' in fn ? ['events:PutEvents'] : []),
  ]);
};

const ITEM_ACTIONS: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };

/** The IAM actions a request needs: a transaction needs those of its items. */
const actionsOf = (request: RecordedRequest): string[] => {
  if (request.service !== 'dynamodb' || !request.operation.startsWith('Transact')) return [`${request.service}:${request.operation}`];
  const items = (JSON.parse(request.body) as { TransactItems: Record<string, unknown>[] }).TransactItems;
  return items.map((item) => `dynamodb:${ITEM_ACTIONS[Object.keys(item)[0]!]}`);
};

/** Invokes and returns the requests the invocation made, by service and operation. */
async function requestsOf(instance: Instance, event: unknown): Promise<{ result: unknown; requests: Record<string, number> }> {
  const since = stack.gateway.requests.length;
  const result = payloadOf(await instance.invoke(event));
  const requests = stack.gateway.countsSince(since);
  for (const request of stack.gateway.requests.slice(since)) {
    for (const action of actionsOf(request)) expect(allowed(instance.name), `${instance.name} sent ${request.operation}`).toContain(action);
  }
  return { result, requests };
}

describe('AWS requests of the packaged functions, through AWS_ENDPOINT_URL alone', () => {
  it('makes exactly the requests each operation needs, signed, and each one its role allows', async () => {
    const started = Object.fromEntries(
      await Promise.all((Object.keys(FUNCTIONS) as FunctionName[]).map(async (name) => [name, (await stack.start(name))[0]!] as const)),
    ) as Record<FunctionName, Instance>;
    // Cold starts of the keyed functions fetched the keys once each during init.
    const keyed = (Object.keys(FUNCTIONS) as FunctionName[]).filter((name) => FUNCTIONS[name].keys);
    await payloadOf(await started.list.invoke({ userProfileId: 'alice' }));
    expect(stack.gateway.requests.filter((r) => r.service === 'ssm').length).toBe(keyed.length);

    const profile = 'alice';
    const created = await requestsOf(started.create, { userProfileId: profile, name: 'apiKey', value: 'aws-mode-value' });
    expect(created.requests).toEqual({ 'dynamodb:PutItem': 1 });
    const id = (created.result as { id: string }).id;

    // One round trip per operation: audit events come from the stream, not the handlers.
    expect((await requestsOf(started.get, { userProfileId: profile, name: 'apiKey' })).requests).toEqual({ 'dynamodb:UpdateItem': 1 });
    expect((await requestsOf(started.get, { userProfileId: profile, id })).requests).toEqual({ 'dynamodb:Query': 1, 'dynamodb:UpdateItem': 1 });
    expect((await requestsOf(started.list, { userProfileId: profile })).requests).toEqual({ 'dynamodb:Query': 1 });
    // Account-shared: a member without a secret of its own of that name reads the owner's through
    // the account index (its own read, the index's Query, the owner's read); a list of the account is one Query of the index.
    await requestsOf(started.create, { userProfileId: profile, accountId: 'acme', name: 'teamKey', value: 'aws-mode-value', visibility: 'account' });
    const shared = await requestsOf(started.get, { userProfileId: 'bob', accountId: 'acme', name: 'teamKey' });
    expect(shared.result).toMatchObject({ value: 'aws-mode-value', owner: profile });
    expect(shared.requests).toEqual({ 'dynamodb:UpdateItem': 2, 'dynamodb:Query': 1 });
    expect((await requestsOf(started.get, { userProfileId: 'bob', accountId: 'acme', name: 'teamKey', owner: profile })).requests).toEqual({ 'dynamodb:UpdateItem': 1 });
    const accountList = await requestsOf(started.list, { userProfileId: 'bob', accountId: 'acme', scope: 'account' });
    expect((accountList.result as { items: { name: string }[] }).items.map((s) => s.name)).toEqual(['teamKey']);
    expect(accountList.requests).toEqual({ 'dynamodb:Query': 1 });
    expect((await requestsOf(started.update, { userProfileId: profile, name: 'apiKey', description: 'changed' })).requests).toEqual({
      'dynamodb:UpdateItem': 1,
    });
    expect((await requestsOf(started.expire, { userProfileId: profile, name: 'apiKey' })).requests).toEqual({ 'dynamodb:UpdateItem': 1 });
    // Every shard's page, then the secret read to be sure it is due, its versions (none here) and the sweep itself.
    expect((await requestsOf(started.sweep, {})).requests).toEqual({ 'dynamodb:Query': 17, 'dynamodb:GetItem': 1, 'dynamodb:UpdateItem': 1 });
    // A scheduled deletion is one conditional UpdateItem.
    expect((await requestsOf(started.delete, { userProfileId: profile, name: 'apiKey' })).requests).toEqual({ 'dynamodb:UpdateItem': 1 });
    // Value history: a change of value reads the secret and writes it with its previous version in
    // one transaction; a get of the current value stays one request, of an earlier one two.
    await requestsOf(started.create, { userProfileId: profile, name: 'history', value: 'aws-mode-value-1' });
    const changed = await requestsOf(started.update, { userProfileId: profile, name: 'history', value: 'aws-mode-value-2' });
    expect(changed.requests).toEqual({ 'dynamodb:GetItem': 1, 'dynamodb:TransactWriteItems': 1 });
    expect(changed.result).toMatchObject({ valueVersion: 2, revision: 2 });
    expect((await requestsOf(started.get, { userProfileId: profile, name: 'history' })).requests).toEqual({ 'dynamodb:UpdateItem': 1 });
    const earlier = await requestsOf(started.get, { userProfileId: profile, name: 'history', version: 1 });
    expect(earlier.result).toMatchObject({ value: 'aws-mode-value-1', valueVersion: 1 });
    expect(earlier.requests).toEqual({ 'dynamodb:UpdateItem': 1, 'dynamodb:GetItem': 1 });
    const listed = await requestsOf(started.versions, { userProfileId: profile, name: 'history' });
    expect((listed.result as { items: { version: number }[] }).items.map((v) => v.version)).toEqual([2, 1]);
    expect(listed.requests).toEqual({ 'dynamodb:GetItem': 1, 'dynamodb:Query': 1 });
    const rolledBack = await requestsOf(started.update, { userProfileId: profile, name: 'history', restoreVersion: 1 });
    expect(rolledBack.result).toMatchObject({ valueVersion: 3 });
    expect(rolledBack.requests).toEqual({ 'dynamodb:GetItem': 2, 'dynamodb:TransactWriteItems': 1 });
    expect((await requestsOf(started.delete, { userProfileId: profile, name: 'history' })).requests).toEqual({ 'dynamodb:UpdateItem': 1 });
    const restored = await requestsOf(started.restore, { userProfileId: profile, name: 'history' });
    expect(restored.result).toMatchObject({ deletedAt: null, valueVersion: 3 });
    expect(restored.requests).toEqual({ 'dynamodb:GetItem': 1, 'dynamodb:UpdateItem': 1 });
    // Forced: the versions are found, then go with the secret in one transaction.
    expect((await requestsOf(started.delete, { userProfileId: profile, name: 'history', force: true })).requests).toEqual({ 'dynamodb:Query': 1, 'dynamodb:TransactWriteItems': 1 });
    // A keyed write is one transaction with its key's record; a keyed change reads the secret and the record first.
    const withKey = (name: FunctionName, payload: Record<string, unknown>) => requestsOf(started[name], { userProfileId: profile, ...payload });
    expect((await withKey('create', { name: 'keyed', value: 'aws-mode-value', clientToken: 'k1' })).requests).toEqual({ 'dynamodb:TransactWriteItems': 1 });
    expect((await withKey('create', { name: 'keyed', value: 'aws-mode-value', clientToken: 'k1' })).requests).toEqual({ 'dynamodb:TransactWriteItems': 1 });
    const patch = { name: 'keyed', description: 'd', clientToken: 'k2' };
    expect((await withKey('update', patch)).requests).toEqual({ 'dynamodb:TransactGetItems': 1, 'dynamodb:TransactWriteItems': 1 });
    // A repeat is answered from the record that one read finds.
    expect((await withKey('update', patch)).requests).toEqual({ 'dynamodb:TransactGetItems': 1 });
    expect((await withKey('expire', { name: 'keyed', clientToken: 'k3' })).requests).toEqual({ 'dynamodb:TransactGetItems': 1, 'dynamodb:TransactWriteItems': 1 });
    expect((await withKey('delete', { name: 'keyed', clientToken: 'k4' })).requests).toEqual({ 'dynamodb:TransactWriteItems': 1 });
    // Rotation reads the parameter itself, never a cached list.
    expect((await requestsOf(started.rotate, {})).requests).toEqual({ 'ssm:GetParameter': 1, 'dynamodb:Scan': 1 });
    // The admin import: one conditional PutItem per secret, keeping its timestamps.
    const imported = { profileId: profile, name: 'imported', value: 'aws-mode-value', createdAt: '2024-05-01T12:00:00.000Z', updatedAt: '2024-05-01T12:00:00.000Z', lastAccessed: null };
    expect((await requestsOf(started.import, { secrets: [imported] })).requests).toEqual({ 'dynamodb:PutItem': 1 });
    // Apply: a conditional PutItem, which answers with the item when the name is taken; a change of
    // value more (a read and a transaction that keeps the previous version) only when the manifest changes it.
    const manifest = (value: string) => ({ userProfileId: profile, apiVersion: 'smarter.sh/v1', kind: 'Secret', metadata: { name: 'applied', description: '', version: '1.0.0' }, spec: { config: { value } } });
    expect((await requestsOf(started.apply, manifest('aws-mode-value'))).requests).toEqual({ 'dynamodb:PutItem': 1 });
    expect((await requestsOf(started.apply, manifest('aws-mode-value'))).requests).toEqual({ 'dynamodb:PutItem': 1 });
    expect((await requestsOf(started.apply, manifest('aws-mode-value-2'))).requests).toEqual({ 'dynamodb:PutItem': 1, 'dynamodb:GetItem': 1, 'dynamodb:TransactWriteItems': 1 });
    expect(stack.gateway.signatureErrors).toEqual([]);
    expect(stack.gateway.events).toEqual([]);

    // The table's stream, fed to the packaged publisher as Lambda's event source mapping does:
    // every change once, expired once, in order, each with the record's id to dedupe by.
    if (!stack.streams) {
      console.warn('the local store has no streams (dynalite): the publisher is not fed here');
      return;
    }
    const since = stack.gateway.requests.length;
    const poller = await pollStream({
      endpoint: stack.dynamodbEndpoint,
      tableName: stack.tableName,
      deliver: async (event) => payloadOf<DynamoDBBatchResponse>(await started.publish.invoke(event)),
    });
    await poller.drain();
    await poller.stop();
    for (const action of Object.keys(stack.gateway.countsSince(since))) expect(allowed('publish')).toContain(action);
    // Each secret's changes in order; an idempotency key's record is no secret and makes none.
    const eventsOf = (name: string) => stack.gateway.events.filter((e) => e.Detail.name === name).map((e) => [e.EventBusName, e.DetailType]);
    expect(eventsOf('apiKey')).toEqual(['created', 'accessed', 'accessed', 'edited', 'expired', 'deleted'].map((kind) => [EVENT_BUS, `secret.${kind}`]));
    expect(eventsOf('keyed')).toEqual(['created', 'edited', 'expired', 'deleted'].map((kind) => [EVENT_BUS, `secret.${kind}`]));
    expect(eventsOf('imported')).toEqual([[EVENT_BUS, 'secret.created']]);
    // A shared secret's reads by a member name the reader; its owner is the secret's profile.
    const teamKey = stack.gateway.events.filter((e) => e.Detail.name === 'teamKey');
    expect(teamKey.map((e) => [e.DetailType, e.Detail.profileId, e.Detail.readBy])).toEqual([
      ['secret.created', 'alice', undefined],
      ['secret.accessed', 'alice', 'bob'],
      ['secret.accessed', 'alice', 'bob'],
    ]);
    // An apply that changed nothing wrote nothing, so it made no event.
    expect(eventsOf('applied')).toEqual(['created', 'edited'].map((kind) => [EVENT_BUS, `secret.${kind}`]));
    // Value history: each event names the version; a delete and a restore are events of their own.
    const history = stack.gateway.events.filter((e) => e.Detail.name === 'history');
    expect(history.map((e) => [e.DetailType, e.Detail.valueVersion])).toEqual([
      ['secret.created', 1],
      ['secret.edited', 2],
      ['secret.accessed', 2],
      ['secret.accessed', 2],
      ['secret.edited', 3],
      ['secret.deleted', 3],
      ['secret.restored', 3],
      ['secret.deleted', 3],
    ]);
    expect(stack.gateway.events).toHaveLength(24);
    const keys = stack.gateway.events.map((e) => e.Detail.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(JSON.stringify(stack.gateway.events)).not.toContain('aws-mode-value');
    expect(JSON.stringify(stack.gateway.events)).not.toMatch(/"(token|binding)"/);
  });

  it('pays at most two Queries for a list page, however few secrets match its filters', async () => {
    const [create, list] = [(await stack.start('create'))[0]!, (await stack.start('list'))[0]!];
    for (let i = 0; i < 40; i += 1) payloadOf(await create.invoke({ userProfileId: 'carol', name: `plain${i}`, value: 'v', tags: ['common'] }));
    payloadOf(await create.invoke({ userProfileId: 'carol', name: 'zRare', value: 'v', tags: ['rare'] }));
    let cursor: string | null | undefined;
    const found: string[] = [];
    for (let pages = 0; cursor !== null; pages += 1) {
      expect(pages, 'pages').toBeLessThan(10);
      const since = stack.gateway.requests.length;
      const page = payloadOf<{ items: { name: string }[]; nextCursor: string | null }>(
        await list.invoke({ userProfileId: 'carol', tag: 'rare', limit: 3, ...(cursor && { cursor }) }),
      );
      expect(stack.gateway.countsSince(since)['dynamodb:Query']).toBeLessThanOrEqual(2);
      found.push(...page.items.map((s) => s.name));
      cursor = page.nextCursor;
    }
    expect(found).toEqual(['zRare']);
  });

  it('answers an HTTP API event with problem details, as API Gateway would relay them', async () => {
    const [get] = await stack.start('get');
    const result = payloadOf<{ statusCode: number; headers: Record<string, string>; body: string }>(
      await get!.invoke(httpEvent({ method: 'GET', path: '/secrets/neverCreated', profile: 'bob' })),
    );
    expect(result.statusCode).toBe(404);
    expect(result.headers['Content-Type']).toBe('application/problem+json');
    expect(JSON.parse(result.body)).toMatchObject({ code: 'SecretNotFound', status: 404 });
  });
});
