import { createInput } from '../../lib/domain/inputs.js';
import { secretFunction, secretResponse } from '../../lib/lambda/secret-function.js';
import config from './config.js';

export const handler = secretFunction(config, createInput, async ({ profileId, input }, { secrets }) => {
  const secret = await secrets.create(profileId, input);
  return secretResponse(secret, 201, { Location: `/secrets/${secret.name}` });
});
