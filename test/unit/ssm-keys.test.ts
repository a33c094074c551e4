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

const PARAMETER = '/secret-store/test/fernet-keys';
const credentials = { accessKeyId: 'unit', secretAccessKey: 'unit-secret' };
const keysReply = { body: { Parameter: { Name: PARAMETER, Type: 'SecureString', Value: TEST_KEYS.join(',') } } };

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
