// CloudWatch alarms, notifying the AlarmTopic: every function's errors and throttles, the stream
// functions' iterator age and the failure queue's depth, and the table's throttled requests.
'use strict';

const { FAILURE_QUEUE, FUNCTIONS } = require('./functions.cjs');

const capitalized = (name) => `${name[0].toUpperCase()}${name.slice(1)}`;

// A stream batch older than this is falling behind: audit events arrive late.
const ITERATOR_AGE_LIMIT_MS = 5 * 60 * 1000;

module.exports = async ({ resolveVariable }) => {
  const prefix = `${await resolveVariable('self:service')}-${await resolveVariable('sls:stage')}`;
  const alarm = (name, description, metric) => ({
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: `${prefix}-${name}`,
      AlarmDescription: description,
      AlarmActions: [{ Ref: 'AlarmTopic' }],
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      Period: 300,
      Statistic: 'Sum',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
      ...metric,
    },
  });
  const lambda = (name, metricName) => ({
    Namespace: 'AWS/Lambda',
    MetricName: metricName,
    Dimensions: [{ Name: 'FunctionName', Value: { Ref: `${capitalized(name)}LambdaFunction` } }],
  });
  const table = (metricName) => ({
    Namespace: 'AWS/DynamoDB',
    MetricName: metricName,
    Dimensions: [{ Name: 'TableName', Value: { Ref: 'SecretsTable' } }],
  });

  const resources = {};
  for (const [name, fn] of Object.entries(FUNCTIONS)) {
    resources[`${capitalized(name)}ErrorsAlarm`] = alarm(`${name}-errors`, `${name} failed`, lambda(name, 'Errors'));
    resources[`${capitalized(name)}ThrottlesAlarm`] = alarm(`${name}-throttles`, `${name} was throttled`, lambda(name, 'Throttles'));
    if (fn.stream) {
      resources[`${capitalized(name)}IteratorAgeAlarm`] = alarm(`${name}-iterator-age`, `${name} is behind the table's stream`, {
        ...lambda(name, 'IteratorAge'),
        Statistic: 'Maximum',
        Threshold: ITERATOR_AGE_LIMIT_MS,
      });
    }
  }
  resources.FailureQueueDepthAlarm = alarm('audit-failures', 'stream records gave up on and left in the failure queue', {
    Namespace: 'AWS/SQS',
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [FAILURE_QUEUE, 'QueueName'] } }],
    Statistic: 'Maximum',
  });
  resources.TableReadThrottlesAlarm = alarm('table-read-throttles', 'the table throttled reads', table('ReadThrottleEvents'));
  resources.TableWriteThrottlesAlarm = alarm('table-write-throttles', 'the table throttled writes', table('WriteThrottleEvents'));
  return { Resources: resources };
};
