import { deleteInput } from '../../lib/domain/inputs.js';
import { secretFunction, writeOptions } from '../../lib/lambda/secret-function.js';
import config from './config.js';

export const handler = secretFunction(config, deleteInput, async (request, { secrets }) => {
  const write = writeOptions(request);
  await secrets.delete(request.profileId, request.input.name, { ...write.options, force: request.input.force === true });
  return { status: 204, headers: write.headers() };
});
