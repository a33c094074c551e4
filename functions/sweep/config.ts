import { defineFunction } from '../definition.js';

export default defineFunction({
  schedule: '${param:sweepRate}',
  profile: 'none',
  // GetItem: whether a key the index gave is due (the index may lag); Query and DeleteItem on the
  // table: a due secret's versions go with it, and a deletion past its window removes the secret.
  dynamodb: { byExpiry: ['Query'], table: ['GetItem', 'UpdateItem', 'Query', 'DeleteItem'] },
  // It destroys ciphertext without reading it.
  keys: false,
  timeout: 300,
});
