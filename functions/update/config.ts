import { defineFunction } from '../definition.js';

export default defineFunction({
  route: { method: 'PATCH', path: '/secrets/{name}' },
  profile: 'required',
  idempotent: true,
  // GetItem and PutItem: a keyed PATCH, or a change of value, reads the secret (with its key's
  // record), then writes it (with the record, the previous value's version item, and the removal
  // of the oldest version: DeleteItem).
  dynamodb: { table: ['UpdateItem', 'GetItem', 'PutItem', 'DeleteItem'] },
  keys: true,
});
