// What each function's role must allow, derived from its declaration (functions/<name>/config.ts):
// every (action, resource) pair, as CloudFormation writes the resource.
import { FUNCTIONS, type FunctionName } from '../../functions/index.js';

export interface Deployment {
  service: string;
  stage: string;
  keyParameter: string;
  eventBus: string;
}

const TABLE = { 'Fn::GetAtt': ['SecretsTable', 'Arn'] };
const sub = (service: string, resource: string) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`,
});

/** Sorted "action on resource" lines: what the declaration says the role allows. */
export function declaredPermissions(name: FunctionName, deployment: Deployment): string[] {
  const fn = FUNCTIONS[name];
  const pairs: [string, unknown][] = [
    ['logs:CreateLogStream', sub('logs', `log-group:/aws/lambda/${deployment.service}-${deployment.stage}-${name}:*`)],
    ['logs:PutLogEvents', sub('logs', `log-group:/aws/lambda/${deployment.service}-${deployment.stage}-${name}:*`)],
  ];
  for (const [on, actions] of Object.entries(fn.dynamodb)) {
    const resource = on === 'table' ? TABLE : on === 'stream' ? { 'Fn::GetAtt': ['SecretsTable', 'StreamArn'] } : { 'Fn::Join': ['/', [TABLE, 'index', on]] };
    for (const action of actions) pairs.push([`dynamodb:${action}`, resource]);
  }
  if (fn.keys) pairs.push(['ssm:GetParameter', sub('ssm', `parameter${deployment.keyParameter}`)]);
  if ('publishes' in fn) pairs.push(['events:PutEvents', sub('events', `event-bus/${deployment.eventBus}`)]);
  if ('stream' in fn) pairs.push(['sqs:SendMessage', { 'Fn::GetAtt': ['AuditFailuresQueue', 'Arn'] }]);
  return pairs.map(([action, resource]) => `${action} on ${JSON.stringify(resource)}`).sort();
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** The same lines read from a role's policy statements (every statement must Allow). */
export function grantedPermissions(statements: Statement[]): string[] {
  return statements
    .flatMap((s) => {
      if (s.Effect !== 'Allow') throw new Error(`unexpected ${s.Effect} statement`);
      const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
      return [s.Action].flat().flatMap((action) => resources.map((resource) => `${action} on ${JSON.stringify(resource)}`));
    })
    .sort();
}
