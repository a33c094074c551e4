// The CloudFormation that `serverless package` (osls) generates, read as AWS would receive
// it: each function's own role, exactly the actions it uses on the table and index ARNs,
// no key material anywhere, and one artifact per function. Packaging needs no AWS account.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MISSING_CREDENTIALS } from '../../lib/aws/lambda-credentials.js';
import { probeInit } from '../../bench/init-probe.js';
import { FUNCTIONS, type FunctionName } from '../../functions/index.js';
import { TABLE_DEFINITION, TTL_ATTRIBUTE } from '../../lib/store/table.js';
import { declaredPermissions, grantedPermissions } from '../support/permissions.js';
import { readZip } from '../support/zip.js';

// The template is parsed JSON whose shape is what these tests assert; typing every resource
// kind would restate CloudFormation's schema.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TemplateValue = any;

interface Resource {
  Type: string;
  Properties: Record<string, TemplateValue>;
}

const NAMES = Object.keys(FUNCTIONS) as FunctionName[];
const deployment = { service: 'secret-store', stage: 'prod', keyParameter: '/secret-store/prod/fernet-keys', eventBus: 'default' };

const outDir = mkdtempSync(join(tmpdir(), 'secret-store-package-'));
let resources: Record<string, Resource>;
let templateText: string;

beforeAll(async () => {
  const root = new URL('../..', import.meta.url).pathname;
  await promisify(execFile)(
    process.execPath,
    [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'prod', '--region', 'eu-west-1', '--package', outDir],
    {
      cwd: root,
      env: {
        // No credentials are needed to package; none are given, so none can leak into the template.
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        // serverless-esbuild's work folder of its own: the e2e suite's `npm start` bundles into
        // .esbuild at the same time, and each run deletes its work folder's build.
        ESBUILD_WORK_FOLDER: '.esbuild-package',
      },
      // Packaging takes 1-3 minutes; on a VM losing a third of its CPU to steal, over 7.
      timeout: 900_000,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  templateText = readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8');
  resources = JSON.parse(templateText).Resources;
}, 960_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const functionResource = (op: string) => resources[`${op[0]!.toUpperCase()}${op.slice(1)}LambdaFunction`]!;
const artifactOf = (op: string) => join(outDir, functionResource(op).Properties.Code.S3Key.split('/').pop());

function roleOf(op: string): Resource {
  const role = functionResource(op).Properties.Role;
  return resources[role['Fn::GetAtt'][0]]!;
}

const statementsOf = (op: string) => roleOf(op).Properties.Policies.flatMap((p: TemplateValue) => p.PolicyDocument.Statement);

describe('packaged CloudFormation', () => {
  it.each(NAMES)('gives %s its own role, allowing exactly what its declaration names', (op) => {
    expect(functionResource(op).Properties.Role['Fn::GetAtt'][0]).toBe(`${op[0]!.toUpperCase()}${op.slice(1)}FunctionRole`);
    expect(grantedPermissions(statementsOf(op))).toEqual(declaredPermissions(op, deployment));
  });

  it('allows no wildcard action or resource in any role', () => {
    const roles = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role');
    expect(roles).toHaveLength(NAMES.length);
    expect(JSON.stringify(roles)).not.toMatch(/"\*"|"[a-z0-9-]+:\*"/);
  });

  it('runs every function on nodejs24.x, arm64, without key material in its environment', () => {
    for (const op of NAMES) {
      const { Runtime, Architectures, Environment } = functionResource(op).Properties;
      expect(Runtime).toBe('nodejs24.x');
      expect(Architectures).toEqual(['arm64']);
      expect(Environment.Variables.FERNET_KEYS).toBeUndefined();
      expect(Environment.Variables.FERNET_KEYS_PARAMETER).toBe('/secret-store/prod/fernet-keys');
    }
    expect(templateText).not.toMatch(/FERNET_KEYS"\s*:/);
  });

  it('defines the table from the shared definition, with PITR, encryption, TTL and deletion protection', () => {
    const table = resources.SecretsTable!.Properties;
    expect(table.KeySchema).toEqual(TABLE_DEFINITION.KeySchema);
    expect(table.GlobalSecondaryIndexes).toEqual(TABLE_DEFINITION.GlobalSecondaryIndexes);
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
    expect(table.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled).toBe(true);
    expect(table.SSESpecification.SSEEnabled).toBe(true);
    expect(table.DeletionProtectionEnabled).toBe(true);
  });

  it('routes every declared route behind the JWT authorizer and schedules the sweep', () => {
    const routes = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
    const declared = Object.values(FUNCTIONS).flatMap((fn) => ('route' in fn ? [`${fn.route.method} ${fn.route.path}`] : []));
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(declared.sort());
    for (const route of routes) expect(route.Properties.AuthorizationType).toBe('JWT');
    const rules = Object.values(resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules.map((r) => r.Properties.ScheduleExpression)).toEqual(['rate(5 minutes)']);
  });

  it('publishes audit events from the table stream, with partial batch responses, bisection, bounded retries and a failure queue', () => {
    expect(resources.SecretsTable!.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    const mappings = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['SecretsTable', 'StreamArn'] },
      FunctionName: { 'Fn::GetAtt': ['PublishLambdaFunction', 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: FUNCTIONS.publish.stream.maximumRetryAttempts,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['AuditFailuresQueue', 'Arn'] } } },
    });
    expect(resources.AuditFailuresQueue!.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it("alarms on every function's errors and throttles, the stream's age, the failure queue and table throttles", () => {
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((r) => r.Properties);
    const watched = (namespace: string, metric: string) =>
      alarms.filter((a) => a.Namespace === namespace && a.MetricName === metric).map((a) => a.Dimensions[0].Value);
    const lambdaRefs = NAMES.map((op) => ({ Ref: `${op[0]!.toUpperCase()}${op.slice(1)}LambdaFunction` }));
    expect(watched('AWS/Lambda', 'Errors')).toEqual(lambdaRefs);
    expect(watched('AWS/Lambda', 'Throttles')).toEqual(lambdaRefs);
    expect(watched('AWS/Lambda', 'IteratorAge')).toEqual([{ Ref: 'PublishLambdaFunction' }]);
    expect(watched('AWS/SQS', 'ApproximateNumberOfMessagesVisible')).toEqual([{ 'Fn::GetAtt': ['AuditFailuresQueue', 'QueueName'] }]);
    expect([...watched('AWS/DynamoDB', 'ReadThrottleEvents'), ...watched('AWS/DynamoDB', 'WriteThrottleEvents')]).toEqual([
      { Ref: 'SecretsTable' },
      { Ref: 'SecretsTable' },
    ]);
    for (const alarm of alarms) expect(alarm.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
  });

  it('packages each function as its own artifact', () => {
    for (const op of NAMES) {
      expect(statSync(artifactOf(op)).size).toBeGreaterThan(0);
    }
  });

  const bundleOf = (op: string): Buffer => {
    const files = readZip(artifactOf(op));
    const bundle = files.get(`functions/${op}/handler.mjs`);
    expect(bundle, `functions/${op}/handler.mjs in its artifact`).toBeDefined();
    return bundle!;
  };

  it("bundles env-only credentials in place of the SDK's default chain (profiles, SSO, web identity, IMDS)", () => {
    for (const op of NAMES) {
      const bundle = bundleOf(op).toString('utf8');
      expect(bundle).toContain(MISSING_CREDENTIALS);
      for (const link of ['AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'sso_start_url', 'credential_process']) {
        expect(bundle).not.toContain(link);
      }
    }
  });

  // Node 24 loads undici, http2 and worker_threads for an ES-module import of node:http;
  // lib/aws/node-http.ts stands in for it. Imported as Lambda does at cold start.
  it.each(NAMES)('initialises %s without loading the built-ins an ES import of node:http drags in', (op) => {
    const dir = mkdtempSync(join(tmpdir(), `secret-store-init-${op}-`));
    try {
      const file = join(dir, 'handler.mjs');
      writeFileSync(file, bundleOf(op));
      const { builtins } = probeInit(file);
      // The probe sees what loads: the functions that serve callers load http through the stand-in.
      if (!('stream' in FUNCTIONS[op])) expect(builtins).toContain('NativeModule http');
      expect(builtins.filter((m) => /undici|http2|worker_threads/.test(m))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
