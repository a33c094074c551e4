import { nameInput } from '../../lib/domain/inputs.js';
import { secretFunction, secretResponse } from '../../lib/lambda/secret-function.js';
import config from './config.js';

export const handler = secretFunction(config, nameInput, async ({ profileId, input }, { secrets }) => secretResponse(await secrets.restore(profileId, input.name)));
