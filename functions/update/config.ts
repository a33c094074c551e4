import { defineFunction } from '../definition.js';

export default defineFunction({
  route: { method: 'PATCH', path: '/secrets/{name}' },
  profile: 'required',
  idempotent: true,
  // GetItem and PutItem: a keyed PATCH reads the secret with its key's record, then writes both.
  dynamodb: { table: ['UpdateItem', 'GetItem', 'PutItem'] },
  keys: true,
});
