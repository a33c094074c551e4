import { defineFunction } from '../definition.js';

export default defineFunction({
  route: { method: 'DELETE', path: '/secrets/{name}' },
  profile: 'required',
  idempotent: true,
  // PutItem: a keyed delete writes its key's record in the same transaction.
  dynamodb: { table: ['DeleteItem', 'PutItem'] },
  keys: false,
});
