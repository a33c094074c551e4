import { defineFunction } from '../definition.js';

export default defineFunction({
  stream: { batchSize: 100, batchWindow: 1, maximumRetryAttempts: 10, maximumRecordAgeInSeconds: 86_400 },
  profile: 'none',
  dynamodb: { stream: ['DescribeStream', 'GetRecords', 'GetShardIterator', 'ListStreams'] },
  keys: false,
  publishes: true,
  timeout: 60,
});
