import { ValidationError } from '../../lib/domain/errors.js';
import { updateInput } from '../../lib/domain/inputs.js';
import { parse, secretName } from '../../lib/domain/rules.js';
import type { Invocation } from '../../lib/lambda/invocation.js';
import { secretFunction, secretResponse } from '../../lib/lambda/secret-function.js';
import config from './config.js';

/** The path's name first (a bad one is the error), then the changes, and the revision If-Match names. */
function updateRequest({ input, headers }: Invocation) {
  const { name, ifMatch, ...changes } = input;
  const expectedRevision = parseIfMatch(headers['if-match'] ?? ifMatch);
  return { name: parse(secretName, name, 'name'), expectedRevision, changes: parse(updateInput, changes) };
}

export const handler = secretFunction(config, updateRequest, async ({ profileId, input }, { secrets }) =>
  secretResponse(await secrets.update(profileId, input.name, input.changes, input.expectedRevision)),
);

/** `If-Match: "3"` (HTTP) or `ifMatch: 3` (direct) names the revision the caller last saw. */
function parseIfMatch(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  // Only a header string or a direct number: String() of an arbitrary payload object can throw.
  const text = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : '';
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(text);
  if (!match) throw new ValidationError([{ path: 'If-Match', message: 'must be a quoted revision such as "3"' }]);
  return Number(match[1]);
}
