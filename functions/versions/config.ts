import { defineFunction } from '../definition.js';

// The versions of a secret's value: metadata only, so no keys.
export default defineFunction({
  route: { method: 'GET', path: '/secrets/{name}/versions' },
  profile: 'required',
  // GetItem: the secret; Query: its earlier versions.
  dynamodb: { table: ['GetItem', 'Query'] },
  keys: false,
});
