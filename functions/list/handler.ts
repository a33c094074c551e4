import { listInput } from '../../lib/domain/inputs.js';
import { secretFunction } from '../../lib/lambda/secret-function.js';
import config from './config.js';

export const handler = secretFunction(config, listInput, async ({ profileId, accountId, input }, { secrets }) => ({
  status: 200,
  body: await secrets.list(profileId, input, accountId),
}));
