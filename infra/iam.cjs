// Least-privilege IAM: one role per function, with only the DynamoDB actions that
// function sends, on the table or the one index it reads. serverless.yml loads this
// file (CommonJS, as the framework's file resolver requires); a test reads the
// packaged CloudFormation to check the result.
'use strict';

const table = require('../lib/store/table.json');

const TABLE = { 'Fn::GetAtt': ['SecretsTable', 'Arn'] };
const index = (name) => ({ 'Fn::Join': ['/', [{ 'Fn::GetAtt': ['SecretsTable', 'Arn'] }, 'index', name]] });
const byId = table.GlobalSecondaryIndexes.find((i) => i.IndexName === 'byId').IndexName;
const byExpiry = table.GlobalSecondaryIndexes.find((i) => i.IndexName === 'byExpiry').IndexName;

/** DynamoDB access of each function: [actions, resources]. */
const ACCESS = {
  create: [[['dynamodb:PutItem'], [TABLE]]],
  get: [
    [['dynamodb:UpdateItem'], [TABLE]],
    [['dynamodb:Query'], [index(byId)]],
  ],
  list: [[['dynamodb:Query'], [TABLE]]],
  update: [
    [['dynamodb:UpdateItem'], [TABLE]],
  ],
  expire: [[['dynamodb:UpdateItem'], [TABLE]]],
  delete: [[['dynamodb:DeleteItem'], [TABLE]]],
  sweep: [
    [['dynamodb:Query'], [index(byExpiry)]],
    [['dynamodb:UpdateItem'], [TABLE]],
  ],
  // Rotation visits every secret once per key change: a maintenance job, not a hot path.
  rotate: [
    [['dynamodb:Scan'], [TABLE]],
    [['dynamodb:UpdateItem'], [TABLE]],
  ],
};

/** Functions that need the Fernet keys (sweep destroys ciphertext without reading it). */
const NEEDS_KEYS = new Set(['create', 'get', 'list', 'update', 'rotate']);
/** Functions that publish audit events. */
const PUBLISHES = new Set(['create', 'get', 'update', 'expire', 'delete', 'sweep', 'rotate']);

const roleName = (op) => `${op[0].toUpperCase()}${op.slice(1)}FunctionRole`;

module.exports = async ({ resolveVariable }) => {
  const service = await resolveVariable('self:service');
  const stage = await resolveVariable('sls:stage');
  const parameter = await resolveVariable('self:custom.fernetKeysParameter');
  const bus = await resolveVariable('self:custom.eventBusName');

  const resources = {};
  for (const [op, access] of Object.entries(ACCESS)) {
    const functionName = `${service}-${stage}-${op}`;
    const statements = [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName}:*` },
      },
      ...access.map(([actions, resources]) => ({ Effect: 'Allow', Action: actions, Resource: resources })),
    ];
    if (NEEDS_KEYS.has(op)) {
      statements.push({
        Effect: 'Allow',
        // lib/http/keys.ts reads the one parameter with GetParameter.
        Action: ['ssm:GetParameter'],
        Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${parameter}` },
      });
    }
    if (PUBLISHES.has(op)) {
      statements.push({
        Effect: 'Allow',
        Action: ['events:PutEvents'],
        Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/${bus}` },
      });
    }
    resources[roleName(op)] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [{ PolicyName: `${functionName}`, PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
      },
    };
  }
  return { Resources: resources };
};
