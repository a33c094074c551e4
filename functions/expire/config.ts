import { defineFunction } from '../definition.js';

export default defineFunction({
  route: { method: 'POST', path: '/secrets/{name}/expire' },
  profile: 'required',
  idempotent: true,
  // GetItem and PutItem: a keyed expire reads the secret with its key's record, then writes both.
  dynamodb: { table: ['UpdateItem', 'GetItem', 'PutItem'] },
  keys: false,
});
