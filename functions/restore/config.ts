import { defineFunction } from '../definition.js';

// Brings back a deleted secret within its recovery window.
export default defineFunction({
  route: { method: 'POST', path: '/secrets/{name}/restore' },
  profile: 'required',
  // GetItem: the deleted secret as it is; UpdateItem: its deletion undone, if nothing changed since.
  dynamodb: { table: ['GetItem', 'UpdateItem'] },
  keys: false,
});
