import { expireInput, parse } from '../lib/domain/schema.js';
import { secretFunction } from '../lib/http/handler.js';
import { secretResponse } from '../lib/http/responses.js';
import { secretServiceFor } from '../lib/runtime/services.js';

export const handler = secretFunction(
  async ({ profileId, input }) => {
    const { name, at } = parse(expireInput, input);
    return secretResponse(await secretServiceFor().expire(profileId, name, at));
  },
);
