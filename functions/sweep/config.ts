import { defineFunction } from '../definition.js';

export default defineFunction({
  schedule: '${param:sweepRate}',
  profile: 'none',
  dynamodb: { byExpiry: ['Query'], table: ['UpdateItem'] },
  // It destroys ciphertext without reading it.
  keys: false,
  timeout: 300,
});
