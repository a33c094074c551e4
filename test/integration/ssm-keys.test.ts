// Keys in AWS: read from the SSM SecureString parameter at cold start, cached and refreshed,
// requested with exactly the IAM action the function's role allows; an unreachable parameter
// is a clear error, and a failed refresh keeps the keys in use.
import { createRequire } from 'node:module';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeAws, verifySignature, type FakeAws } from '../support/fake-aws.js';
import { lambdaContext } from '../support/http.js';
import { TEST_KEYS } from '../support/store.js';
import { captureLogs } from '../support/logs.js';

const PARAMETER = '/secret-store/test/fernet-keys';
const credentials = { accessKeyId: 'unit', secretAccessKey: 'unit-secret' };
const keysReply = { body: { Parameter: { Name: PARAMETER, Type: 'SecureString', Value: TEST_KEYS.join(','), Version: 1, LastModifiedDate: 1_764_000_000 } } };

let ssm: FakeAws;
const dynamo = mockClient(DynamoDBDocumentClient);
type Handler = (event: unknown, context: unknown) => Promise<unknown>;

/** A cold start: fresh modules, so the key cache starts empty and the prefetch runs. */
async function coldStart(): Promise<{ list: Handler; expire: Handler }> {
  vi.resetModules();
  const { handler: list } = await import('../../functions/list/handler.js');
  const { handler: expire } = await import('../../functions/expire/handler.js');
  return { list: list as Handler, expire: expire as Handler };
}

/** A cold start whose logger writes warnings and errors, captured. */
async function coldStartLogging() {
  const logs = captureLogs();
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  try {
    return { ...(await coldStart()), logs };
  } finally {
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  }
}

const listedItem = {
  id: '01JD8Z7Q2M5K3V9X4T6B8N0C1R', description: '', version: '1.0.0', annotations: {}, tags: [],
  createdAt: '2026-11-27T10:00:00.000Z', updatedAt: '2026-11-27T10:00:00.000Z', lastAccessed: null, revision: 1, profileId: 'alice',
};

const require = createRequire(import.meta.url);
const buildRoles = require('../../infra/iam.cjs') as (ctx: { resolveVariable: (v: string) => Promise<string> }) => Promise<{
  Resources: Record<string, { Properties: { Policies: { PolicyDocument: { Statement: { Action: string[] }[] } }[] } }>;
}>;

async function roleActions(role: string): Promise<string[]> {
  const variables: Record<string, string> = {
    'self:service': 'secret-store',
    'sls:stage': 'test',
    'self:custom.fernetKeysParameter': PARAMETER,
    'self:custom.eventBusName': 'default',
  };
  const { Resources } = await buildRoles({ resolveVariable: async (v) => variables[v]! });
  return Resources[role]!.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement.flatMap((s) => s.Action));
}

beforeAll(async () => {
  ssm = await startFakeAws();
  Object.assign(process.env, {
    TABLE_NAME: 'secrets-unit',
    FERNET_KEYS_PARAMETER: PARAMETER,
    AWS_ENDPOINT_URL_SSM: ssm.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  delete process.env.FERNET_KEYS;
});
afterAll(async () => {
  delete process.env.AWS_ENDPOINT_URL_SSM;
  await ssm.close();
});

beforeEach(() => {
  ssm.received.length = 0;
  ssm.reply(keysReply);
  dynamo.reset();
  dynamo.on(QueryCommand).resolves({ Items: [] });
});
afterEach(() => vi.useRealTimers());

describe('keys from SSM', () => {
  it('are fetched once at cold start, decrypted, signed, with an action the role allows', async () => {
    const { list } = await coldStart();
    await expect(list({ userProfileId: 'alice' }, lambdaContext())).resolves.toMatchObject({ items: [] });
    await list({ userProfileId: 'alice' }, lambdaContext());

    expect(ssm.calls()).toBe(1); // cached across invocations
    const [request] = ssm.received;
    expect(JSON.parse(request!.body)).toEqual({ Name: PARAMETER, WithDecryption: true });
    expect(await verifySignature(request!, credentials)).toMatchObject({ service: 'ssm', region: 'us-east-1' });
    // The IAM action is the operation in X-Amz-Target: AmazonSSM.GetParameter -> ssm:GetParameter.
    expect(await roleActions('ListFunctionRole')).toContain(`ssm:${request!.operation}`);
  });

  it('are fetched again after the refresh interval, so a rotation lands without a redeploy', async () => {
    const { list } = await coldStart();
    await list({ userProfileId: 'alice' }, lambdaContext());
    vi.useFakeTimers({ now: Date.now() + 5 * 60 * 1000 + 1, toFake: ['Date'] });
    await list({ userProfileId: 'alice' }, lambdaContext());
    expect(ssm.calls()).toBe(2);
  });

  it('a failed refresh keeps the keys in use', async () => {
    const { list } = await coldStart();
    await list({ userProfileId: 'alice' }, lambdaContext());
    ssm.reply({ status: 400, body: { __type: 'AccessDeniedException' } });
    vi.useFakeTimers({ now: Date.now() + 5 * 60 * 1000 + 1, toFake: ['Date'] });
    await expect(list({ userProfileId: 'alice' }, lambdaContext())).resolves.toMatchObject({ items: [] });
    expect(ssm.calls()).toBe(2);
  });

  it('an unavailable SSM at cold start is a retryable ServiceUnavailable, and the next request tries again', async () => {
    ssm.reply({ status: 503, body: { __type: 'InternalServerError' } });
    const { list } = await coldStart();
    await expect(list({ userProfileId: 'alice' }, lambdaContext())).rejects.toMatchObject({ name: 'ServiceUnavailable' });
    ssm.reply(keysReply);
    await expect(list({ userProfileId: 'alice' }, lambdaContext())).resolves.toMatchObject({ items: [] });
  });

  it('an unavailable SSM answers that the keys, not the database, cannot be loaded', async () => {
    ssm.reply({ status: 503, body: { __type: 'InternalServerError' } });
    const { list } = await coldStart();
    const error = await list({ userProfileId: 'alice' }, lambdaContext()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ServiceUnavailable', message: 'The encryption keys cannot be loaded. Retry later.' });
  });

  it('a malformed list in a refresh never replaces the keys in use; the log names the entry, never a key', async () => {
    const { list, logs } = await coldStartLogging();
    try {
      await list({ userProfileId: 'alice' }, lambdaContext());
      const typo = `${TEST_KEYS[1]},${TEST_KEYS[0]!.slice(0, 20)}`;
      ssm.reply({ body: { Parameter: { Name: PARAMETER, Type: 'SecureString', Value: typo, Version: 2, LastModifiedDate: 1_764_000_100 } } });
      vi.useFakeTimers({ now: Date.now() + 5 * 60 * 1000 + 1, toFake: ['Date'] });
      // A cursor made under the keys in use still verifies: those keys are still the ones in use.
      dynamo.on(QueryCommand).resolves({ Items: [{ pk: 'PROFILE#alice', sk: 'SECRET#a', name: 'a', ...listedItem }], LastEvaluatedKey: { pk: 'x', sk: 'y' } });
      const page = (await list({ userProfileId: 'alice', limit: 1 }, lambdaContext())) as { nextCursor: string };
      expect(ssm.calls()).toBe(2);
      await expect(list({ userProfileId: 'alice', limit: 1, cursor: page.nextCursor }, lambdaContext())).resolves.toMatchObject({ items: [{ name: 'a' }] });
      expect(logs.text()).toContain('Fernet key parameter is malformed; keeping the keys in use');
      expect(logs.text()).toContain(`SSM parameter ${PARAMETER} entry 2 is not a url-safe base64 32-byte Fernet key`);
      for (const key of TEST_KEYS) expect(logs.text()).not.toContain(key.slice(0, 12));
    } finally {
      logs.restore();
    }
  });

  it('a malformed list at cold start is an InternalError, logged by entry position', async () => {
    ssm.reply({ body: { Parameter: { Name: PARAMETER, Type: 'SecureString', Value: `,${TEST_KEYS[0]}`, Version: 1, LastModifiedDate: 1_764_000_000 } } });
    const { list, logs } = await coldStartLogging();
    try {
      await expect(list({ userProfileId: 'alice' }, lambdaContext())).rejects.toMatchObject({ name: 'InternalError' });
      expect(logs.text()).toContain(`SSM parameter ${PARAMETER} entry 1 is empty`);
      expect(logs.text()).not.toContain(TEST_KEYS[0]!.slice(0, 12));
      // Fixed in the parameter: the next request loads it.
      ssm.reply(keysReply);
      await expect(list({ userProfileId: 'alice' }, lambdaContext())).resolves.toMatchObject({ items: [] });
    } finally {
      logs.restore();
    }
  });

  it('a missing parameter is an InternalError that names neither keys nor parameter to the caller', async () => {
    ssm.reply({ status: 400, body: { __type: 'ParameterNotFound', message: 'not found' } });
    const { list } = await coldStart();
    const error = await list({ userProfileId: 'alice' }, lambdaContext()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'InternalError', message: 'The request could not be completed.' });
  });

  it('are never fetched by a function that does not use them', async () => {
    const { expire } = await coldStart();
    const before = ssm.calls();
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    await expect(expire({ userProfileId: 'alice', name: 'absent' }, lambdaContext())).rejects.toMatchObject({ name: 'SecretNotFound' });
    expect(ssm.calls()).toBe(before);
    expect((await roleActions('ExpireFunctionRole')).filter((a) => a.startsWith('ssm:'))).toEqual([]);
  });
});
