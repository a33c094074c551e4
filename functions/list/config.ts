import { defineFunction } from '../definition.js';

export default defineFunction({
  route: { method: 'GET', path: '/secrets', query: ['limit', 'cursor', 'tag', 'prefix', 'expired'] },
  profile: 'required',
  dynamodb: { table: ['Query'] },
  // Cursors are signed with a key derived from a Fernet key.
  keys: true,
});
