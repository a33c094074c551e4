import { listInput, parse } from '../lib/domain/schema.js';
import { secretFunction } from '../lib/http/handler.js';
import { fernetKeys } from '../lib/http/keys.js';
import { secretServiceFor } from '../lib/runtime/services.js';

export const handler = secretFunction(async ({ profileId, input }, keys) => {
  const page = await secretServiceFor(keys).list(profileId, parse(listInput, input));
  return { status: 200, body: page };
}, { keys: fernetKeys });
