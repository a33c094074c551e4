// Every answer a test gets over HTTP is checked against docs/openapi.json: its status must be
// one the operation documents, and its body must match the documented schema. A response the
// document does not describe fails the test that received it.
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { HttpResponse } from './http.js';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }>;
}

const DOCUMENT = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
  components: unknown;
};

// strict: false, for the OpenAPI keywords around the schemas (`paths`, `in`, ...).
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ $id: 'openapi', components: DOCUMENT.components });
const validators = new Map<string, ValidateFunction>();

function validator(ref: string): ValidateFunction {
  let validate = validators.get(ref);
  if (!validate) validators.set(ref, (validate = ajv.compile({ $ref: `openapi${ref}` })));
  return validate;
}

/** Throws when `response`, the answer of `routeKey` ("PATCH /secrets/{name}"), is not what the document describes. */
export function checkResponse(routeKey: string, response: HttpResponse): void {
  const [method, path] = routeKey.split(' ') as [string, string];
  const operation = DOCUMENT.paths[path]?.[method.toLowerCase()];
  if (!operation) throw new Error(`docs/openapi.json has no operation ${routeKey}`);
  const documented = operation.responses[String(response.statusCode)];
  if (!documented) throw new Error(`docs/openapi.json: ${routeKey} does not document status ${response.statusCode}`);
  const contentType = Object.entries(response.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  if (!documented.content) {
    if (response.body) throw new Error(`docs/openapi.json: ${routeKey} ${response.statusCode} documents no body, and one came`);
    return;
  }
  // The media type without its parameters (serverless-offline adds `; charset=utf-8`).
  const media = contentType && documented.content[contentType.split(';')[0]!.trim().toLowerCase()];
  if (!media) throw new Error(`docs/openapi.json: ${routeKey} ${response.statusCode} does not document Content-Type ${contentType}`);
  const validate = validator(media.schema.$ref);
  if (!validate(JSON.parse(response.body ?? 'null'))) {
    throw new Error(`docs/openapi.json: ${routeKey} ${response.statusCode} body does not match ${media.schema.$ref}: ${ajv.errorsText(validate.errors)}`);
  }
}
