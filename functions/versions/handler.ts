import { nameInput } from '../../lib/domain/inputs.js';
import { secretFunction } from '../../lib/lambda/secret-function.js';
import config from './config.js';

export const handler = secretFunction(config, nameInput, async ({ profileId, input }, { secrets }) => ({
  status: 200,
  body: { items: await secrets.versions(profileId, input.name) },
}));
