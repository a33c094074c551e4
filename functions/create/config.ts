import { defineFunction } from '../definition.js';

export default defineFunction({
  route: { method: 'POST', path: '/secrets' },
  profile: 'required',
  dynamodb: { table: ['PutItem'] },
  keys: true,
});
