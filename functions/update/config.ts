import { defineFunction } from '../definition.js';

export default defineFunction({
  route: { method: 'PATCH', path: '/secrets/{name}' },
  profile: 'required',
  dynamodb: { table: ['UpdateItem'] },
  keys: true,
});
