import { deleteInput } from '../../lib/domain/inputs.js';
import { secretFunction } from '../../lib/lambda/secret-function.js';
import config from './config.js';

export const handler = secretFunction(config, deleteInput, async ({ profileId, input }, { secrets }) => {
  await secrets.delete(profileId, input.name);
  return { status: 204 };
});
