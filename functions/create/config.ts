import { defineFunction } from '../definition.js';

export default defineFunction({
  route: { method: 'POST', path: '/secrets' },
  profile: 'required',
  idempotent: true,
  dynamodb: { table: ['PutItem'] },
  keys: true,
});
