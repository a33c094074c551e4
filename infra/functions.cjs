// serverless.yml's `functions`, built from the declarations in functions/<name>/config.ts.
// The framework loads configuration files as CommonJS; tsx compiles the TypeScript on the way in.
'use strict';

const { require: requireTs } = require('tsx/cjs/api');

/** Every function's declaration, by name. */
const { FUNCTIONS } = requireTs('../functions/index.ts', __filename);

/** The CloudFormation logical id of a function's own IAM role. */
const roleName = (name) => `${name[0].toUpperCase()}${name.slice(1)}FunctionRole`;

/** The queue a stream function's records go to once their retries are spent. */
const FAILURE_QUEUE = 'AuditFailuresQueue';

const streamEvent = (stream) => ({
  stream: {
    type: 'dynamodb',
    arn: { 'Fn::GetAtt': ['SecretsTable', 'StreamArn'] },
    startingPosition: 'TRIM_HORIZON',
    batchSize: stream.batchSize,
    batchWindow: stream.batchWindow,
    maximumRetryAttempts: stream.maximumRetryAttempts,
    maximumRecordAgeInSeconds: stream.maximumRecordAgeInSeconds,
    bisectBatchOnFunctionError: true,
    functionResponseType: 'ReportBatchItemFailures',
    destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': [FAILURE_QUEUE, 'Arn'] } } },
  },
});

const eventsOf = (fn) => [
  ...(fn.route ? [{ httpApi: { method: fn.route.method, path: fn.route.path, authorizer: { name: 'jwt' } } }] : []),
  ...(fn.schedule ? [{ schedule: { rate: fn.schedule, input: {} } }] : []),
  ...(fn.stream ? [streamEvent(fn.stream)] : []),
];

module.exports = () =>
  Object.fromEntries(
    Object.entries(FUNCTIONS).map(([name, fn]) => [
      name,
      {
        handler: `functions/${name}/handler.handler`,
        role: roleName(name),
        ...(fn.timeout !== undefined && { timeout: fn.timeout }),
        ...(eventsOf(fn).length > 0 && { events: eventsOf(fn) }),
      },
    ]),
  );

module.exports.FUNCTIONS = FUNCTIONS;
module.exports.roleName = roleName;
module.exports.FAILURE_QUEUE = FAILURE_QUEUE;
