// The exact DynamoDB requests each operation sends: one request per single-secret
// operation, every invariant a condition expression, Query (never Scan) for lists.
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, TransactGetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { applyChanges, SecretRepository, type RequestRecord } from '../../lib/store/secret-repository.js';
import { secretKey } from '../../lib/store/table.js';
import type { SecretItem } from '../../lib/domain/secret.js';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const dynamo = mockClient(client);
const repository = new SecretRepository(client, 'secrets');
const NOW = '2026-11-27T10:00:00.000Z';
const ref = { profileId: 'alice', name: 'apiKey' };

afterEach(() => dynamo.reset());

const conditionFailed = (item?: Record<string, unknown>) =>
  Object.assign(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }), { Item: item });

const item = (overrides: Partial<SecretItem> = {}): SecretItem => ({
  ...secretKey('alice', 'apiKey'),
  id: '01JD8Z7Q2M5K3V9X4T6B8N0C1R',
  idKey: 'ID#01JD8Z7Q2M5K3V9X4T6B8N0C1R',
  profileId: 'alice',
  name: 'apiKey',
  description: '',
  version: '1.0.0',
  annotations: {},
  tags: [],
  createdAt: NOW,
  updatedAt: NOW,
  lastAccessed: null,
  revision: 1,
  token: 'gAAAA',
  binding: 'b',
  ...overrides,
});

describe('create', () => {
  it('is one PutItem conditioned on the name being new', async () => {
    dynamo.on(PutCommand).resolves({});
    await repository.create(item());
    const calls = dynamo.calls();
    expect(calls).toHaveLength(1);
    expect(dynamo.commandCalls(PutCommand)[0]!.args[0].input).toMatchObject({
      TableName: 'secrets',
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: { pk: 'PROFILE#alice', sk: 'SECRET#apiKey' },
    });
  });

  it('turns a failed condition into SecretAlreadyExists', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());
    await expect(repository.create(item())).rejects.toMatchObject({ name: 'SecretAlreadyExists', status: 409 });
  });

  it('takes a failed condition on its own item (the SDK retried a create that took effect) as done, another item of the name as a clash', async () => {
    // The failed condition's item comes in DynamoDB's wire format.
    dynamo.on(PutCommand).rejects(conditionFailed({ id: { S: '01JD8Z7Q2M5K3V9X4T6B8N0C1R' } }));
    await expect(repository.create(item())).resolves.toBeUndefined();
    dynamo.on(PutCommand).rejects(conditionFailed({ id: { S: '01JD8Z7Q2M5K3V9X4T6B8N0C1S' } }));
    await expect(repository.create(item())).rejects.toMatchObject({ name: 'SecretAlreadyExists' });
  });
});

describe('createOrRead (apply)', () => {
  it('is the same PutItem, and answers with the item that has the name, read from the failed condition', async () => {
    dynamo.on(PutCommand).resolves({});
    await expect(repository.createOrRead(item())).resolves.toBeUndefined();
    dynamo.on(PutCommand).rejects(conditionFailed({ id: { S: '01JD8Z7Q2M5K3V9X4T6B8N0C1S' }, revision: { N: '4' }, tags: { L: [{ S: 'prod' }] } }));
    await expect(repository.createOrRead(item())).resolves.toEqual({ id: '01JD8Z7Q2M5K3V9X4T6B8N0C1S', revision: 4, tags: ['prod'] });
    expect(dynamo.commandCalls(PutCommand)[1]!.args[0].input).toMatchObject({ ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
    // Its own item (an SDK retry) is its create; a refusal without the item is a clash, as for create.
    dynamo.on(PutCommand).rejects(conditionFailed({ id: { S: '01JD8Z7Q2M5K3V9X4T6B8N0C1R' } }));
    await expect(repository.createOrRead(item())).resolves.toBeUndefined();
    dynamo.on(PutCommand).rejects(conditionFailed());
    await expect(repository.createOrRead(item())).rejects.toMatchObject({ name: 'SecretAlreadyExists' });
  });
});

describe('nameOfId', () => {
  it('finds the name through the id index, and answers another profile\'s id as an unknown one', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [{ pk: 'PROFILE#alice', sk: 'SECRET#apiKey', idKey: 'ID#X' }] });
    expect(await repository.nameOfId('alice', 'X')).toBe('apiKey');
    expect(dynamo.commandCalls(QueryCommand)[0]!.args[0].input).toMatchObject({ IndexName: 'byId', ExpressionAttributeValues: { ':idKey': 'ID#X' }, Limit: 1 });
    await expect(repository.nameOfId('mallory', 'X')).rejects.toMatchObject({ name: 'SecretNotFound' });
    dynamo.on(QueryCommand).resolves({ Items: [] });
    await expect(repository.nameOfId('alice', 'X')).rejects.toMatchObject({ name: 'SecretNotFound' });
    dynamo.on(QueryCommand).resolves({});
    await expect(repository.nameOfId('alice', 'X')).rejects.toMatchObject({ name: 'SecretNotFound' });
  });
});

describe('recordAccess (get)', () => {
  it('is one UpdateItem that records the access only for a live secret', async () => {
    dynamo.on(UpdateCommand).resolves({ Attributes: item({ lastAccessed: NOW }) });
    const result = await repository.recordAccess(ref, NOW);
    expect(result.lastAccessed).toBe(NOW);
    expect(dynamo.calls()).toHaveLength(1);
    expect(dynamo.commandCalls(UpdateCommand)[0]!.args[0].input).toEqual({
      TableName: 'secrets',
      Key: { pk: 'PROFILE#alice', sk: 'SECRET#apiKey' },
      UpdateExpression: 'SET lastAccessed = :now, lastReader = :reader ADD accessCount :one',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt) AND (attribute_not_exists(expiresAt) OR expiresAt > :now)',
      ExpressionAttributeValues: { ':now': NOW, ':one': 1, ':reader': 'alice' },
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('tells 404 from 410 by the item returned with the failed condition', async () => {
    dynamo.on(UpdateCommand).rejectsOnce(conditionFailed()).rejectsOnce(conditionFailed({ pk: { S: 'x' } }));
    await expect(repository.recordAccess(ref, NOW)).rejects.toMatchObject({ name: 'SecretNotFound' });
    await expect(repository.recordAccess(ref, NOW)).rejects.toMatchObject({ name: 'SecretExpired' });
  });
});

describe('list', () => {
  it('is one Query per page, one item over the limit, never values', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [item(), item({ name: 'b' }), item({ name: 'c' })] });
    const page = await repository.list('alice', { prefix: 'a', tag: 'prod', expired: 'exclude', limit: 2 }, NOW);
    expect(page.items).toHaveLength(2);
    expect(page.after).toBe('b');
    expect(dynamo.calls()).toHaveLength(1);
    const input = dynamo.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: '(attribute_not_exists(expiresAt) OR expiresAt > :now) AND contains(tags, :tag) AND attribute_not_exists(deletedAt)',
      ExpressionAttributeValues: { ':pk': 'PROFILE#alice', ':prefix': 'SECRET#a', ':now': NOW, ':tag': 'prod' },
      Limit: 3,
    });
    expect(input.ProjectionExpression).not.toMatch(/token|binding/);
  });

  it('reads one wider page past filtered-out items, and no more: a short page goes on from where it stopped', async () => {
    dynamo
      .on(QueryCommand)
      .resolvesOnce({ Items: [], LastEvaluatedKey: { pk: 'PROFILE#alice', sk: 'SECRET#x' } })
      .resolvesOnce({ Items: [item()], LastEvaluatedKey: { pk: 'PROFILE#alice', sk: 'SECRET#y' } });
    const page = await repository.list('alice', { expired: 'only', limit: 5 }, NOW);
    expect(page).toMatchObject({ after: 'y' });
    expect(page.items).toHaveLength(1);
    expect(dynamo.calls()).toHaveLength(2);
    const second = dynamo.commandCalls(QueryCommand)[1]!.args[0].input;
    expect(second).toMatchObject({ ExclusiveStartKey: { pk: 'PROFILE#alice', sk: 'SECRET#x' }, Limit: 60 });
  });

  it('ends without a cursor when the partition ends', async () => {
    dynamo.on(QueryCommand).resolvesOnce({ Items: [], LastEvaluatedKey: { pk: 'PROFILE#alice', sk: 'SECRET#x' } }).resolvesOnce({ Items: [item()] });
    expect(await repository.list('alice', { expired: 'only', limit: 5 }, NOW)).toMatchObject({ after: null });
  });
});

describe('expire', () => {
  it('is one conditional UpdateItem that bumps the revision and enters the expiry index', async () => {
    dynamo.on(UpdateCommand).resolves({ Attributes: item({ revision: 2 }) });
    await repository.expire(ref, NOW, NOW, 'write-1');
    expect(dynamo.calls()).toHaveLength(1);
    const input = dynamo.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.UpdateExpression).toContain('revision = revision + :one');
    expect(input.UpdateExpression).toContain('expiryShard = :shard');
    expect(input.ConditionExpression).toBe(
      'attribute_exists(pk) AND attribute_not_exists(deletedAt) AND (attribute_not_exists(expiresAt) OR expiresAt > :now) AND (attribute_not_exists(expiresAt) OR expiresAt >= :expiresAt)' +
        ' AND (attribute_not_exists(lastWrite) OR lastWrite <> :write)',
    );
    expect(input.ExpressionAttributeValues?.[':shard']).toMatch(/^EXPIRY#\d+$/);
  });

  it('tells a later time (400 naming at) from an expired secret (410) by the item returned', async () => {
    const soon = '2026-12-01T01:00:00.000Z';
    dynamo.on(UpdateCommand).rejects(conditionFailed({ pk: { S: 'x' }, expiresAt: { S: soon } }));
    await expect(repository.expire(ref, '2999-01-01T00:00:00.000Z', NOW, 'write-1')).rejects.toMatchObject({ name: 'ValidationError', errors: [{ path: 'at' }] });
    await expect(repository.expire(ref, NOW, '2026-12-01T02:00:00.000Z', 'write-1')).rejects.toMatchObject({ name: 'SecretExpired' });
  });
});

describe('update', () => {
  it('sets only the named fields, and checks the revision under If-Match', async () => {
    dynamo.on(UpdateCommand).resolves({ Attributes: item({ revision: 4 }) });
    await repository.update(ref, { description: 'new', expiresAt: null }, NOW, 'write-1', [3, 5]);
    const input = dynamo.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.UpdateExpression).toBe(
      'SET updatedAt = :now, revision = revision + :one, lastWrite = :write, #description = :description REMOVE expiresAt, expiryShard, expiryDue',
    );
    expect(input.ConditionExpression).toContain('revision IN (:expected0, :expected1)');
    expect(input.ExpressionAttributeValues).toMatchObject({ ':expected0': 3, ':expected1': 5 });
  });

  it('matches any existing revision under If-Match: *, and none when only weak tags were named', async () => {
    dynamo.on(UpdateCommand).resolves({ Attributes: item({ revision: 4 }) });
    await repository.update(ref, { description: 'new' }, NOW, 'write-1', 'any');
    await repository.update(ref, { description: 'new' }, NOW, 'write-2', []);
    const [any, none] = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.ConditionExpression);
    expect(any).not.toContain('revision');
    expect(none).toContain('attribute_not_exists(revision)');
  });

  it('answers 412 for a stale revision of a live secret', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed({ revision: 5 }));
    await expect(repository.update(ref, { description: 'x' }, NOW, 'write-1', [3])).rejects.toMatchObject({ name: 'PreconditionFailed' });
  });
});

describe('delete', () => {
  it('at once: the secret and every version it holds, in a transaction named by the write token; 404 when absent', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [{ pk: 'PROFILE#alice', sk: 'VERSION#apiKey#0000000001', valueVersion: 1, createdAt: NOW }] });
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }),
    );
    await expect(repository.deleteNow(ref, 'write-1')).rejects.toMatchObject({ name: 'SecretNotFound' });
    expect(dynamo.commandCalls(QueryCommand)[0]!.args[0].input).toMatchObject({ KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': 'PROFILE#alice', ':prefix': 'VERSION#apiKey#' } });
    const input = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input;
    expect(input.ClientRequestToken).toBe('write-1');
    expect(input.TransactItems).toEqual([
      { Delete: { TableName: 'secrets', Key: { pk: 'PROFILE#alice', sk: 'SECRET#apiKey' }, ConditionExpression: 'attribute_exists(pk)' } },
      { Delete: { TableName: 'secrets', Key: { pk: 'PROFILE#alice', sk: 'VERSION#apiKey#0000000001' } } },
    ]);
  });

  it('scheduled: one conditional UpdateItem that marks it deleted and puts its purge in the expiry index', async () => {
    dynamo.on(UpdateCommand).resolves({});
    expect(await repository.scheduleDeletion(ref, NOW, '2026-12-04T10:00:00.000Z', 'write-1')).toEqual({ done: undefined });
    expect(dynamo.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
      UpdateExpression: 'SET deletedAt = :now, purgesAt = :purgesAt, expiryShard = :shard, expiryDue = :purgesAt, lastWrite = :write',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt) AND (attribute_not_exists(lastWrite) OR lastWrite <> :write)',
    });
    dynamo.on(UpdateCommand).rejects(conditionFailed({ deletedAt: { S: NOW } }));
    await expect(repository.scheduleDeletion(ref, NOW, NOW, 'write-1')).rejects.toMatchObject({ name: 'SecretNotFound' });
  });
});

describe('keyed writes', () => {
  const record: RequestRecord = { key: 'k-digest', fingerprint: 'fp', valueMac: 'mac', result: '{"a":1}', createdAt: NOW, purgeAt: Date.parse(NOW) / 1000 + 86_400 };
  const canceled = (...reasons: Array<{ Code: string; Item?: Record<string, unknown> }>) =>
    new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: reasons as never });
  const wire = { pk: { S: 'PROFILE#alice' }, sk: { S: 'REQUEST#k-digest' }, fingerprint: { S: 'fp0' }, result: { S: 'null' }, createdAt: { S: NOW }, purgeAt: { N: '99' } };

  it('write the key\'s record first in the same transaction, replaceable only once its time has passed', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    expect(await repository.createOnce(item(), record, 'write-1')).toEqual({ done: undefined });
    const input = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input;
    expect(input.ClientRequestToken).toBe('write-1');
    expect(input.TransactItems![0]).toEqual({
      Put: {
        TableName: 'secrets',
        Item: { pk: 'PROFILE#alice', sk: 'REQUEST#k-digest', fingerprint: 'fp', valueMac: 'mac', result: '{"a":1}', createdAt: NOW, purgeAt: record.purgeAt },
        ConditionExpression: 'attribute_not_exists(pk) OR purgeAt <= :now',
        ExpressionAttributeValues: { ':now': Date.parse(NOW) / 1000 },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    });
    expect(input.TransactItems![1]).toMatchObject({ Put: { Item: { sk: 'SECRET#apiKey' }, ConditionExpression: 'attribute_not_exists(pk)' } });
  });

  it('answer with the earlier record when the key\'s Put was refused, and with the write\'s own refusal otherwise', async () => {
    dynamo.on(TransactWriteCommand).rejects(canceled({ Code: 'ConditionalCheckFailed', Item: wire }, { Code: 'None' }));
    expect(await repository.scheduleDeletion(ref, NOW, NOW, 'write-1', record)).toEqual({
      earlier: { key: 'k-digest', fingerprint: 'fp0', result: 'null', createdAt: NOW, purgeAt: 99 },
    });
    dynamo.on(TransactWriteCommand).rejects(canceled({ Code: 'None' }, { Code: 'ConditionalCheckFailed' }));
    await expect(repository.scheduleDeletion(ref, NOW, NOW, 'write-1', record)).rejects.toMatchObject({ name: 'SecretNotFound' });
    await expect(repository.createOnce(item(), record, 'write-1')).rejects.toMatchObject({ name: 'SecretAlreadyExists' });
  });

  it('change only the revision read, and tell a secret that moved on from one that refuses the change', async () => {
    dynamo.on(TransactWriteCommand).rejects(canceled({ Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: { pk: { S: 'x' }, revision: { N: '3' } } }));
    expect(await repository.updateOnce(ref, { description: 'd' }, NOW, 'write-1', undefined, { record, revision: 2 })).toEqual({ moved: true });
    const update = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![1]!.Update!;
    expect(update.ConditionExpression).toMatch(/ AND revision = :read$/);
    expect(update.ExpressionAttributeValues![':read']).toBe(2);
    await expect(repository.updateOnce(ref, { description: 'd' }, NOW, 'write-1', [1], { record, revision: 3 })).rejects.toMatchObject({ name: 'PreconditionFailed' });
    await expect(repository.expireOnce(ref, NOW, NOW, 'write-1', { record, revision: 3 })).rejects.toMatchObject({ name: 'ValidationError' });
    dynamo.on(TransactWriteCommand).rejects(canceled({ Code: 'None' }, { Code: 'ConditionalCheckFailed' }));
    await expect(repository.expireOnce(ref, NOW, NOW, 'write-1', { record, revision: 3 })).rejects.toMatchObject({ name: 'SecretNotFound' });
    dynamo.on(TransactWriteCommand).rejects(canceled({ Code: 'None' }, { Code: 'ConditionalCheckFailed', Item: { pk: { S: 'x' }, revision: { N: '3' }, expiresAt: { S: NOW } } }));
    await expect(repository.updateOnce(ref, { description: 'd' }, NOW, 'write-1', undefined, { record, revision: 3 })).rejects.toMatchObject({ name: 'SecretExpired' });
  });

  it('are busy, not broken, when another transaction or throttling cancels them', async () => {
    for (const code of ['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']) {
      dynamo.on(TransactWriteCommand).rejects(canceled({ Code: 'None' }, { Code: code }));
      await expect(repository.scheduleDeletion(ref, NOW, NOW, 'write-1', record), code).rejects.toMatchObject({ name: 'ServiceUnavailable' });
      dynamo.on(QueryCommand).resolves({ Items: [] });
      await expect(repository.deleteNow(ref, 'write-1'), code).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    }
  });

  it('read the key\'s record and the secret in one request, a record past its time as none', async () => {
    dynamo.on(TransactGetCommand).resolves({ Responses: [{ Item: { pk: 'PROFILE#alice', sk: 'REQUEST#k-digest', fingerprint: 'fp', result: 'null', createdAt: NOW, purgeAt: 2_000_000_000 } }, { Item: item() }] });
    const read = await repository.readRequest(ref, 'k-digest', NOW);
    expect(read).toEqual({ earlier: { key: 'k-digest', fingerprint: 'fp', result: 'null', createdAt: NOW, purgeAt: 2_000_000_000 }, item: item() });
    expect(dynamo.commandCalls(TransactGetCommand)[0]!.args[0].input.TransactItems).toEqual([
      { Get: { TableName: 'secrets', Key: { pk: 'PROFILE#alice', sk: 'REQUEST#k-digest' } } },
      { Get: { TableName: 'secrets', Key: { pk: 'PROFILE#alice', sk: 'SECRET#apiKey' } } },
    ]);
    expect((await repository.readRequest(ref, 'k-digest', '2033-05-18T03:33:20.000Z')).earlier).toBeUndefined();
    expect((await repository.readRequest(ref, 'k-digest', '2033-05-18T03:33:19.000Z')).earlier).toBeDefined();
    dynamo.on(TransactGetCommand).resolves({ Responses: [{}, {}] });
    expect(await repository.readRequest(ref, 'k-digest', NOW)).toEqual({ earlier: undefined, item: undefined });
  });

  it('read a record damaged by hand as none, and a value MAC only when it is one', async () => {
    const good = { pk: 'PROFILE#alice', sk: 'REQUEST#k-digest', fingerprint: 'fp', result: 'null', createdAt: NOW, purgeAt: 2_000_000_000 };
    for (const damage of [{ sk: 7 }, { fingerprint: undefined }, { fingerprint: 1 }, { result: {} }, { purgeAt: '2000000000' }, { purgeAt: undefined }]) {
      dynamo.on(TransactGetCommand).resolves({ Responses: [{ Item: { ...good, ...damage } }, { Item: item() }] });
      expect((await repository.readRequest(ref, 'k-digest', NOW)).earlier, JSON.stringify(damage)).toBeUndefined();
    }
    dynamo.on(TransactGetCommand).resolves({ Responses: [{ Item: { ...good, valueMac: 5 } }, { Item: item() }] });
    expect((await repository.readRequest(ref, 'k-digest', NOW)).earlier).not.toHaveProperty('valueMac');
    dynamo.on(TransactGetCommand).resolves({ Responses: [{ Item: { ...good, valueMac: 'mac' } }, { Item: item() }] });
    expect((await repository.readRequest(ref, 'k-digest', NOW)).earlier).toMatchObject({ valueMac: 'mac' });
    dynamo.on(TransactGetCommand).resolves({ Responses: [{ Item: good }] });
    expect(await repository.readRequest(ref, 'k-digest', NOW)).toMatchObject({ item: undefined });
    dynamo.on(TransactGetCommand).resolves({});
    expect(await repository.readRequest(ref, 'k-digest', NOW)).toEqual({ earlier: undefined, item: undefined });
  });
});

describe('applyChanges', () => {
  it('is what the update expression writes: the fields given, the expiry and its index entry, a new revision', () => {
    const before = item({ revision: 4, expiresAt: '2999-01-01T00:00:00.000Z', expiryShard: 'EXPIRY#3', expiryDue: '2999-01-01T00:00:00.000Z' });
    const cleared = applyChanges(before, { description: 'd', tags: undefined, expiresAt: null }, '2027-01-01T00:00:00.000Z', 'w');
    expect(cleared).toEqual({ ...item({ revision: 5 }), description: 'd', updatedAt: '2027-01-01T00:00:00.000Z', lastWrite: 'w' });
    const set = applyChanges(item(), { expiresAt: '2030-01-01T00:00:00.000Z' }, NOW, 'w');
    expect(set).toMatchObject({ expiresAt: '2030-01-01T00:00:00.000Z', expiryDue: '2030-01-01T00:00:00.000Z', expiryShard: expect.stringMatching(/^EXPIRY#\d+$/), revision: 2 });
    expect(applyChanges(item(), {}, NOW, 'w')).toEqual({ ...item({ revision: 2 }), lastWrite: 'w' });
  });
});

describe('a retried write', () => {
  it('whose first attempt took effect answers with the item that attempt left, without writing again', async () => {
    dynamo.on(UpdateCommand).rejects(conditionFailed({ pk: { S: 'PROFILE#alice' }, name: { S: 'apiKey' }, revision: { N: '4' }, lastWrite: { S: 'write-1' } }));
    await expect(repository.update(ref, { description: 'x' }, NOW, 'write-1')).resolves.toMatchObject({ revision: 4, name: 'apiKey' });
    await expect(repository.update(ref, { description: 'x' }, NOW, 'write-2')).rejects.toMatchObject({ name: 'PreconditionFailed' });
    expect(dynamo.commandCalls(UpdateCommand)[0]!.args[0].input.ConditionExpression).toContain('(attribute_not_exists(lastWrite) OR lastWrite <> :write)');
  });
});

describe('database failures', () => {
  it('become 503 ServiceUnavailable with Retry-After once the SDK gives up', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ProvisionedThroughputExceededException',
      $metadata: { httpStatusCode: 400 },
    });
    dynamo.on(UpdateCommand).rejects(throttled);
    await expect(repository.recordAccess(ref, NOW)).rejects.toMatchObject({
      name: 'ServiceUnavailable',
      status: 503,
      headers: { 'Retry-After': '1' },
    });
  });
});
