import { defineFunction } from '../definition.js';

// Apply a Smarter Secret manifest: create the secret, or make the one of that name what it says.
export default defineFunction({
  route: { method: 'POST', path: '/manifests', bodyTypes: ['application/json', 'application/yaml'] },
  profile: 'required',
  // PutItem: the conditional create, which answers with the item that has the name; UpdateItem: the change.
  dynamodb: { table: ['PutItem', 'UpdateItem'] },
  keys: true,
});
