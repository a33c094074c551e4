import { defineFunction } from '../definition.js';

export default defineFunction({
  route: { method: 'DELETE', path: '/secrets/{name}', query: ['force'] },
  profile: 'required',
  idempotent: true,
  // UpdateItem: a scheduled deletion; Query and DeleteItem: a forced one, the secret with its
  // versions; PutItem: a keyed delete writes its key's record in the same transaction.
  dynamodb: { table: ['UpdateItem', 'Query', 'DeleteItem', 'PutItem'] },
  keys: false,
});
