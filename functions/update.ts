import { parse, secretName, updateInput } from '../lib/domain/schema.js';
import { ValidationError } from '../lib/domain/errors.js';
import { secretFunction } from '../lib/http/handler.js';
import { fernetKeys } from '../lib/http/keys.js';
import { secretResponse } from '../lib/http/responses.js';
import { secretServiceFor } from '../lib/runtime/services.js';

export const handler = secretFunction(async ({ profileId, input, headers }, keys) => {
  const { name, ifMatch, ...changes } = input;
  const expectedRevision = parseIfMatch(headers['if-match'] ?? ifMatch);
  const secret = await secretServiceFor(keys).update(
    profileId,
    nameOf(name),
    parse(updateInput, changes),
    expectedRevision,
  );
  return secretResponse(secret);
}, { keys: fernetKeys });

/** The path's name; an invalid one is a ValidationError naming `name` (the bare rule names no field). */
function nameOf(name: unknown): string {
  try {
    return parse(secretName, name);
  } catch (error) {
    throw error instanceof ValidationError ? error.under('name') : error;
  }
}

/** `If-Match: "3"` (HTTP) or `ifMatch: 3` (direct) names the revision the caller last saw. */
function parseIfMatch(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  // Only a header string or a direct number: String() of an arbitrary payload object can throw.
  const text = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : '';
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(text);
  if (!match) throw new ValidationError([{ path: 'If-Match', message: 'must be a quoted revision such as "3"' }]);
  return Number(match[1]);
}
