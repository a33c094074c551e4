import { defineFunction } from '../definition.js';

export default defineFunction({
  route: { method: 'POST', path: '/secrets/{name}/expire' },
  profile: 'required',
  dynamodb: { table: ['UpdateItem'] },
  keys: false,
});
