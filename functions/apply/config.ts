import { defineFunction } from '../definition.js';

// Apply a Smarter Secret manifest: create the secret, or make the one of that name what it says.
export default defineFunction({
  route: { method: 'POST', path: '/manifests', bodyTypes: ['application/json', 'application/yaml'] },
  profile: 'required',
  // PutItem: the conditional create, which answers with the item that has the name; UpdateItem: the
  // change; GetItem and DeleteItem: a new value is a new version (read, then written with the
  // previous one kept and the oldest removed).
  dynamodb: { table: ['PutItem', 'UpdateItem', 'GetItem', 'DeleteItem'] },
  keys: true,
});
