import { createInput } from '../../lib/domain/inputs.js';
import { secretFunction, secretResponse, writeOptions } from '../../lib/lambda/secret-function.js';
import config from './config.js';

export const handler = secretFunction(config, createInput, async (request, { secrets }) => {
  const write = writeOptions(request);
  const secret = await secrets.create(request.profileId, request.input, write.options);
  return secretResponse(secret, 201, { Location: `/secrets/${secret.name}`, ...write.headers() });
});
