import { expireInput } from '../../lib/domain/inputs.js';
import { secretFunction, secretResponse } from '../../lib/lambda/secret-function.js';
import config from './config.js';

export const handler = secretFunction(config, expireInput, async ({ profileId, input }, { secrets }) =>
  secretResponse(await secrets.expire(profileId, input.name, input.at)),
);
