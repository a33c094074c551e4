// The infrastructure built from the functions' declarations: serverless.yml's functions and one
// least-privilege role each. test/integration/package.test.ts checks the packaged template too.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionName } from '../../functions/index.js';
import { TABLE_DEFINITION } from '../../lib/store/table.js';
import { declaredPermissions, grantedPermissions } from '../support/permissions.js';

const require = createRequire(import.meta.url);
type Statement = { Effect: string; Action: string[]; Resource: unknown };
const buildRoles = require('../../infra/iam.cjs') as (ctx: { resolveVariable: (v: string) => Promise<string> }) => Promise<{
  Resources: Record<string, { Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] } }>;
}>;
const buildFunctions = require('../../infra/functions.cjs') as () => Record<
  string,
  { handler: string; role: string; timeout?: number; events?: Record<string, Record<string, unknown>>[] }
>;

const deployment = { service: 'secret-store', stage: 'dev', keyParameter: '/secret-store/dev/fernet-keys', eventBus: 'default' };
const variables: Record<string, string> = {
  'self:service': deployment.service,
  'sls:stage': deployment.stage,
  'self:custom.fernetKeysParameter': deployment.keyParameter,
  'self:custom.eventBusName': deployment.eventBus,
};
const names = Object.keys(FUNCTIONS) as FunctionName[];

describe('serverless functions', () => {
  const functions = buildFunctions();

  it('has one per declaration, each with its own handler and role', () => {
    expect(Object.keys(functions)).toEqual(names);
    for (const name of names) {
      expect(functions[name]!.handler).toBe(`functions/${name}/handler.handler`);
      expect(functions[name]!.role).toBe(`${name[0]!.toUpperCase()}${name.slice(1)}FunctionRole`);
    }
  });

  it.each(names)('triggers %s by its declared route, schedule or stream', (name) => {
    const fn = FUNCTIONS[name];
    const events = functions[name]!.events ?? [];
    expect(events).toEqual([
      ...('route' in fn ? [{ httpApi: { method: fn.route.method, path: fn.route.path, authorizer: { name: 'jwt' } } }] : []),
      ...('schedule' in fn ? [{ schedule: { rate: fn.schedule, input: {} } }] : []),
      ...('stream' in fn
        ? [
            {
              stream: expect.objectContaining({
                type: 'dynamodb',
                arn: { 'Fn::GetAtt': ['SecretsTable', 'StreamArn'] },
                ...fn.stream,
                bisectBatchOnFunctionError: true,
                functionResponseType: 'ReportBatchItemFailures',
                destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['AuditFailuresQueue', 'Arn'] } } },
              }),
            },
          ]
        : []),
    ]);
    expect(functions[name]!.timeout).toBe('timeout' in fn ? fn.timeout : undefined);
  });

  it('declares only indexes the table has, and the stream only for a stream function', () => {
    const indexes = TABLE_DEFINITION.GlobalSecondaryIndexes.map((i) => i.IndexName);
    for (const fn of Object.values(FUNCTIONS)) {
      for (const on of Object.keys(fn.dynamodb)) expect(['table', ...indexes, ...('stream' in fn ? ['stream'] : [])]).toContain(on);
    }
  });
});

describe('IAM', () => {
  it.each(names)('allows %s exactly what its declaration names', async (name) => {
    const { Resources } = await buildRoles({ resolveVariable: async (v) => variables[v]! });
    const role = Resources[`${name[0]!.toUpperCase()}${name.slice(1)}FunctionRole`]!;
    expect(grantedPermissions(role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement))).toEqual(
      declaredPermissions(name, deployment),
    );
  });

  it('names no wildcard action or resource', async () => {
    const { Resources } = await buildRoles({ resolveVariable: async (v) => variables[v]! });
    expect(Object.keys(Resources)).toHaveLength(names.length);
    expect(JSON.stringify(Resources)).not.toMatch(/"\*"|"[a-z0-9-]+:\*"/);
  });
});
