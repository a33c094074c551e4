import { defineFunction } from '../definition.js';

export default defineFunction({
  profile: 'none',
  // Rotation visits every secret once per key change: a maintenance job, not a hot path.
  dynamodb: { table: ['Scan', 'UpdateItem'] },
  keys: true,
  timeout: 900,
});
