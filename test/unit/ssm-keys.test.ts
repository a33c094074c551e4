// Keys in AWS: fetched from the SSM SecureString parameter through @middy/ssm at cold start,
// cached, and requested with exactly the IAM action the function's role allows.
import { createRequire } from 'node:module';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { lambdaContext } from '../support/http.js';
import { TEST_KEYS } from '../support/store.js';

const PARAMETER = '/secret-store/test/fernet-keys';
Object.assign(process.env, {
  TABLE_NAME: 'secrets-unit',
  FERNET_KEYS_PARAMETER: PARAMETER,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'unit',
  AWS_SECRET_ACCESS_KEY: 'unit',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
});
delete process.env.FERNET_KEYS;

const ssm = mockClient(SSMClient);
// @middy/ssm prefetches while the function module loads, that is, at cold start.
ssm.on(GetParametersCommand).resolves({ Parameters: [{ Name: PARAMETER, Value: TEST_KEYS.join(',') }] });
const dynamo = mockClient(DynamoDBDocumentClient);
const { handler: list } = await import('../../functions/list.js');
const { handler: expire } = await import('../../functions/expire.js');

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

beforeEach(() => {
  dynamo.reset();
  dynamo.on(QueryCommand).resolves({ Items: [] });
});

describe('keys from SSM', () => {
  it('fetches the parameter once at cold start, decrypted, with an action the role allows', async () => {
    await expect(list({ userProfileId: 'alice' }, lambdaContext())).resolves.toMatchObject({ items: [] });
    await list({ userProfileId: 'alice' }, lambdaContext());

    const calls = ssm.calls();
    expect(calls).toHaveLength(1); // cached across invocations
    const command = calls[0]!.args[0];
    expect(command).toBeInstanceOf(GetParametersCommand);
    expect(command.input).toEqual({ Names: [PARAMETER], WithDecryption: true });
    // The IAM action is the command's operation name: GetParametersCommand -> ssm:GetParameters.
    const action = `ssm:${command.constructor.name.replace(/Command$/, '')}`;
    expect(await roleActions('ListFunctionRole')).toContain(action);
  });

  it('never fetches keys for a function that does not use them', async () => {
    const before = ssm.calls().length;
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    await expect(expire({ userProfileId: 'alice', name: 'absent' }, lambdaContext())).rejects.toMatchObject({ name: 'SecretNotFound' });
    expect(ssm.calls()).toHaveLength(before);
    expect(await roleActions('ExpireFunctionRole')).not.toContain('ssm:GetParameters');
  });
});
