import { defineFunction } from '../definition.js';

// The admin import (`secret-store import smarter`): direct invocation only, no HTTP route, so IAM
// permission to invoke it is the gate. It writes for any profile it is given.
export default defineFunction({
  profile: 'none',
  dynamodb: { table: ['PutItem'] },
  keys: true,
  timeout: 60,
});
