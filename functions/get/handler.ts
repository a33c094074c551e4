import { getInput } from '../../lib/domain/inputs.js';
import { secretFunction, secretResponse } from '../../lib/lambda/secret-function.js';
import config from './config.js';

export const handler = secretFunction(config, getInput, async ({ profileId, accountId, input }, { secrets }) =>
  secretResponse(await secrets.get(profileId, input, accountId)),
);
