import { defineFunction } from '../definition.js';

export default defineFunction({
  route: { method: 'GET', path: '/secrets/{name}', query: ['owner'] },
  profile: 'required',
  // Query on byId: a direct get may name the secret by id; on byAccount: who shares a name in the caller's account.
  dynamodb: { table: ['UpdateItem'], byId: ['Query'], byAccount: ['Query'] },
  keys: true,
});
