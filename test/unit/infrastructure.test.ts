// The infrastructure as configured: per-function least-privilege roles and the table
// definition shared with the code. (test/e2e packages the real CloudFormation under E2E=1.)
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { BY_ID_INDEX, EXPIRY_INDEX, TABLE_DEFINITION, TTL_ATTRIBUTE } from '../../lib/store/keys.js';

const require = createRequire(import.meta.url);
const buildRoles = require('../../infra/iam.cjs') as (ctx: { resolveVariable: (v: string) => Promise<string> }) => Promise<{
  Resources: Record<string, { Properties: { Policies: { PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] } }[] } }>;
}>;
const config = parse(readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8'), { customTags: [] });

const variables: Record<string, string> = {
  'self:service': 'secret-store',
  'sls:stage': 'dev',
  'self:custom.fernetKeysParameter': '/secret-store/dev/fernet-keys',
  'self:custom.eventBusName': 'default',
};

async function actionsOf(op: string): Promise<string[]> {
  const { Resources } = await buildRoles({ resolveVariable: async (v) => variables[v]! });
  const role = Resources[`${op[0]!.toUpperCase()}${op.slice(1)}FunctionRole`]!;
  return role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement.flatMap((s) => s.Action)).sort();
}

describe('IAM', () => {
  it('gives each function its own role', () => {
    for (const [op, fn] of Object.entries(config.functions as Record<string, { role: string }>)) {
      expect(fn.role).toBe(`${op[0]!.toUpperCase()}${op.slice(1)}FunctionRole`);
    }
  });

  it.each([
    ['create', ['dynamodb:PutItem', 'events:PutEvents', 'logs:CreateLogStream', 'logs:PutLogEvents', 'ssm:GetParameter']],
    ['get', ['dynamodb:Query', 'dynamodb:UpdateItem', 'events:PutEvents', 'logs:CreateLogStream', 'logs:PutLogEvents', 'ssm:GetParameter']],
    ['list', ['dynamodb:Query', 'logs:CreateLogStream', 'logs:PutLogEvents', 'ssm:GetParameter']],
    ['expire', ['dynamodb:UpdateItem', 'events:PutEvents', 'logs:CreateLogStream', 'logs:PutLogEvents']],
    ['delete', ['dynamodb:DeleteItem', 'events:PutEvents', 'logs:CreateLogStream', 'logs:PutLogEvents']],
    ['sweep', ['dynamodb:Query', 'dynamodb:UpdateItem', 'events:PutEvents', 'logs:CreateLogStream', 'logs:PutLogEvents']],
  ])('allows %s only what it sends', async (op, expected) => {
    expect(await actionsOf(op)).toEqual(expected.sort());
  });

  it('names no wildcard action or resource', async () => {
    const { Resources } = await buildRoles({ resolveVariable: async (v) => variables[v]! });
    expect(JSON.stringify(Resources)).not.toMatch(/"\*"|"[a-z0-9-]+:\*"/);
  });
});

describe('serverless.yml', () => {
  it('runs nodejs24.x on arm64 with strict config validation', () => {
    expect(config.provider.runtime).toBe('nodejs24.x');
    expect(config.provider.architecture).toBe('arm64');
    expect(config.configValidationMode).toBe('error');
  });

  it('builds the table from the definition the code uses', () => {
    const table = config.resources[1].Resources.SecretsTable.Properties;
    expect(table.KeySchema).toBe('${file(./lib/store/table.json):KeySchema}');
    expect(table.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled).toBe(true);
    expect(table.SSESpecification.SSEEnabled).toBe(true);
    expect(TABLE_DEFINITION.GlobalSecondaryIndexes.map((i) => i.IndexName)).toEqual([BY_ID_INDEX, EXPIRY_INDEX]);
    expect(TTL_ATTRIBUTE).toBe('purgeAt');
  });
});
