import { defineFunction } from '../definition.js';

export default defineFunction({
  route: { method: 'GET', path: '/secrets/{name}', query: ['owner', 'version'] },
  profile: 'required',
  // Query on byId: a direct get may name the secret by id; on byAccount: who shares a name in the
  // caller's account; GetItem: an earlier version's value.
  dynamodb: { table: ['UpdateItem', 'GetItem'], byId: ['Query'], byAccount: ['Query'] },
  keys: true,
});
