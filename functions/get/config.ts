import { defineFunction } from '../definition.js';

export default defineFunction({
  route: { method: 'GET', path: '/secrets/{name}' },
  profile: 'required',
  // Query on byId: a direct get may name the secret by id.
  dynamodb: { table: ['UpdateItem'], byId: ['Query'] },
  keys: true,
});
