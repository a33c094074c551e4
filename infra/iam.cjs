// Least-privilege IAM: one role per function, allowing exactly what its declaration
// (functions/<name>/config.ts) says it sends: DynamoDB actions on the table, the one index or the
// stream each applies to, GetParameter on the key parameter, PutEvents on the audit bus,
// SendMessage on the failure queue for a stream function, and its own logs.
'use strict';

const { FAILURE_QUEUE, FUNCTIONS, roleName } = require('./functions.cjs');

const TABLE = { 'Fn::GetAtt': ['SecretsTable', 'Arn'] };
const arnOf = (on) =>
  on === 'table' ? TABLE : on === 'stream' ? { 'Fn::GetAtt': ['SecretsTable', 'StreamArn'] } : { 'Fn::Join': ['/', [TABLE, 'index', on]] };
const regional = (service, resource) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}` });

module.exports = async ({ resolveVariable }) => {
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  const parameter = await resolveVariable('self:custom.fernetKeysParameter');
  const bus = await resolveVariable('self:custom.eventBusName');

  const resources = {};
  for (const [name, fn] of Object.entries(FUNCTIONS)) {
    const functionName = `${service}-${stage}-${name}`;
    const statements = [
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: regional('logs', `log-group:/aws/lambda/${functionName}:*`) },
      ...Object.entries(fn.dynamodb).map(([on, actions]) => ({ Effect: 'Allow', Action: actions.map((a) => `dynamodb:${a}`), Resource: [arnOf(on)] })),
    ];
    if (fn.keys) statements.push({ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: regional('ssm', `parameter${parameter}`) });
    if (fn.publishes) statements.push({ Effect: 'Allow', Action: ['events:PutEvents'], Resource: regional('events', `event-bus/${bus}`) });
    if (fn.stream) statements.push({ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': [FAILURE_QUEUE, 'Arn'] } });
    resources[roleName(name)] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [{ PolicyName: functionName, PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
      },
    };
  }
  return { Resources: resources };
};
