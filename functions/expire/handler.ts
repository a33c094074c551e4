import { expireInput } from '../../lib/domain/inputs.js';
import { secretFunction, secretResponse, writeOptions } from '../../lib/lambda/secret-function.js';
import config from './config.js';

export const handler = secretFunction(config, expireInput, async (request, { secrets }) => {
  const write = writeOptions(request);
  const secret = await secrets.expire(request.profileId, request.input.name, request.input.at, write.options);
  return secretResponse(secret, 200, write.headers());
});
