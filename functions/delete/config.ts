import { defineFunction } from '../definition.js';

export default defineFunction({
  route: { method: 'DELETE', path: '/secrets/{name}' },
  profile: 'required',
  dynamodb: { table: ['DeleteItem'] },
  keys: false,
});
