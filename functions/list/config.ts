import { defineFunction } from '../definition.js';

export default defineFunction({
  route: { method: 'GET', path: '/secrets', query: ['limit', 'cursor', 'tag', 'prefix', 'expired', 'deleted', 'scope'] },
  profile: 'required',
  // byAccount: scope=account lists what the caller's account shares.
  dynamodb: { table: ['Query'], byAccount: ['Query'] },
  // Cursors are signed with a key derived from a Fernet key.
  keys: true,
});
