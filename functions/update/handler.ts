import { updateInput } from '../../lib/domain/inputs.js';
import { parse, revisionMatch, secretName } from '../../lib/domain/rules.js';
import type { Invocation } from '../../lib/lambda/invocation.js';
import { secretFunction, secretResponse, writeOptions } from '../../lib/lambda/secret-function.js';
import config from './config.js';

/** The path's name first (a bad one is the error), then If-Match (a header over HTTP), then the changes. */
function updateRequest({ input }: Invocation) {
  const { name, ifMatch, ...changes } = input;
  const expected = revisionMatch(ifMatch);
  return { name: parse(secretName, name, 'name'), expected, changes: parse(updateInput, changes) };
}

export const handler = secretFunction(config, updateRequest, async (request, { secrets }) => {
  const { input } = request;
  const write = writeOptions(request);
  const secret = await secrets.update(request.profileId, input.name, input.changes, input.expected, write.options);
  return secretResponse(secret, 200, write.headers());
});
