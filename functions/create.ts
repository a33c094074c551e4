import { createInput, parse } from '../lib/domain/schema.js';
import { secretFunction } from '../lib/http/handler.js';
import { fernetKeys } from '../lib/http/keys.js';
import { secretResponse } from '../lib/http/responses.js';
import { secretServiceFor } from '../lib/runtime/services.js';

export const handler = secretFunction(async ({ profileId, input }, keys) => {
  const secret = await secretServiceFor(keys).create(profileId, parse(createInput, input));
  return secretResponse(secret, 201, { Location: `/secrets/${secret.name}` });
}, { keys: fernetKeys });
