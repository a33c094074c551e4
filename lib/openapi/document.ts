// The OpenAPI 3.1 description of the HTTP API, generated from what the functions run: the routes
// from their declarations (functions/), the bodies and query parameters from the zod schemas the
// handlers parse with, the Secret from the item's definition, the problems from the error
// hierarchy. `npm run openapi` writes it to docs/openapi.json; a test fails when that file is stale.
import { readFileSync } from 'node:fs';
import * as z from 'zod/mini';
import type { FunctionConfig } from '../../functions/definition.js';
import { FUNCTIONS, type FunctionName } from '../../functions/index.js';
import {
  AmbiguousSecretName,
  VersionDestroyed,
  VersionNotFound,
  DecryptionFailed,
  IdempotencyKeyReused,
  InternalError,
  PayloadTooLarge,
  PreconditionFailed,
  SecretAlreadyExists,
  SecretDamaged,
  SecretExpired,
  SecretNotFound,
  ServiceUnavailable,
  Unauthorized,
  UnsupportedMediaType,
  ValidationError,
  type ErrorCode,
  type SecretStoreError,
} from '../domain/errors.js';
import { createInput, expireInput, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, listInput, updateInput } from '../domain/inputs.js';
import * as rules from '../domain/rules.js';
import { SECRET_ATTRIBUTES } from '../domain/secret.js';
import { expirationDate, MANIFEST_API_VERSION, MASKED_VALUE, secretManifest } from '../manifest/secret-manifest.js';
import { IDEMPOTENCY_HOURS } from '../secrets/requests.js';

type JsonSchema = Record<string, unknown>;
type Routed = { [K in FunctionName]: (typeof FUNCTIONS)[K] extends { route: object } ? K : never }[FunctionName];

/** Every error a function can answer with, one of each: its code, status and title. */
const ERRORS: SecretStoreError[] = [
  new ValidationError([]),
  new Unauthorized([]),
  new SecretNotFound('name'),
  new SecretAlreadyExists('name'),
  new AmbiguousSecretName('name', []),
  new VersionNotFound('name', 2),
  new VersionDestroyed('name', 1),
  new SecretExpired('name'),
  new PreconditionFailed('name'),
  new PayloadTooLarge(''),
  new UnsupportedMediaType(),
  new IdempotencyKeyReused(IDEMPOTENCY_HOURS),
  new DecryptionFailed('name'),
  new SecretDamaged('name'),
  new ServiceUnavailable('database'),
  new InternalError(),
];

/** What the contract says of each field a Secret shows (docs/API.md); a field without a line here fails the tests. */
const SECRET_FIELDS: Record<string, { description: string } & JsonSchema> = {
  id: { description: 'The secret\'s ULID, fixed for its life; a direct get may name the secret by it.' },
  name: { description: 'Unique within the profile; camelCase (apiKey) or snake_case (api_key).' },
  description: { description: 'Free text, at most 2,048 characters.' },
  version: { description: 'A semantic version the owner keeps (semver.org).' },
  annotations: { description: 'String keys to string values, at most 50.' },
  tags: { description: 'Unique tags, at most 50; a list can filter by one.' },
  createdAt: { description: 'When it was created (UTC).', format: 'date-time' },
  updatedAt: { description: 'When it last changed (UTC).', format: 'date-time' },
  lastAccessed: { description: 'When its value was last read (UTC), or null if never.', format: 'date-time' },
  expiresAt: { description: 'When it expires (UTC), or null if never. Reads answer 410 from then on.', format: 'date-time' },
  expired: { description: 'Whether it has expired: its value can no longer be read.' },
  revision: { description: 'Starts at 1 and grows with every change; the ETag, for If-Match.', type: 'integer', minimum: 1 },
  visibility: { description: '`private` (the default): only its owner reads it. `account`: every member of the owner\'s account reads it too; only the owner changes or deletes it.' },
  owner: { description: 'The profile that owns it.' },
  valueVersion: { description: 'The version of the current value (of the value answered, in a get of a version): 1 when created, one more for each change of value.', type: 'integer', minimum: 1 },
  deletedAt: { description: 'When it was deleted (UTC), or null: a deleted secret can be restored until `purgesAt`.', format: 'date-time' },
  purgesAt: { description: 'When a deleted secret is destroyed with its versions (UTC), or null.', format: 'date-time' },
};

/** JSON Schema of what a zod schema accepts (`input`) or gives (`output`), with the rules zod cannot express added. */
function jsonSchema(schema: z.ZodMiniType, io: 'input' | 'output' = 'input'): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema: out }) => {
      // Refinements run in code; these say in the document what they check.
      if (zodSchema === rules.annotations) {
        Object.assign(out, {
          type: 'object',
          maxProperties: 50,
          propertyNames: { minLength: 1, maxLength: 128, not: { enum: ['__proto__', 'constructor', 'prototype'] } },
          additionalProperties: { type: 'string', maxLength: 512 },
        });
      }
      if (zodSchema === rules.secretValue) {
        Object.assign(out, { minLength: 1, description: `At most ${rules.MAX_VALUE_BYTES.toLocaleString('en')} bytes as UTF-8; never logged, listed or stored in plaintext.` });
      }
      if (zodSchema === rules.tags) Object.assign(out, { uniqueItems: true });
      if (zodSchema === expirationDate) {
        for (const key of Object.keys(out)) delete out[key];
        Object.assign(out, { type: 'string', description: 'A date (`2027-01-15`, midnight UTC) or an ISO 8601 datetime; a time without a zone is UTC. Must be in the future.' });
      }
    },
  }) as JsonSchema;
  // The document names the dialect once (jsonSchemaDialect).
  delete json.$schema;
  return json;
}

/** The contract's Secret; a get's answer has its value too. */
function secretSchema(withValue = false): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [name, spec] of Object.entries(SECRET_ATTRIBUTES) as [string, { public?: true; type?: z.ZodMiniType; rule?: z.ZodMiniType }][]) {
    if (!spec.public) continue;
    const field = SECRET_FIELDS[name];
    if (!field) throw new Error(`docs: the Secret's field ${name} has no description in lib/openapi/document.ts`);
    // What callers wrote passed its rule, and reads back as it was written.
    properties[name] = { ...jsonSchema(spec.rule ?? spec.type!), ...field };
  }
  if (withValue) properties.value = { type: 'string', description: 'The plaintext value.' };
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
}

/** Apply's answer: the secret as a Smarter manifest, its value masked, with what the apply did. */
function appliedManifestSchema(): JsonSchema {
  const secret = secretSchema().properties as Record<string, JsonSchema>;
  const object = (properties: Record<string, JsonSchema>, optional: string[] = []): JsonSchema => ({
    type: 'object',
    properties,
    required: Object.keys(properties).filter((key) => !optional.includes(key)),
    additionalProperties: false,
  });
  const timestamp = (description: string, nullable = false) => ({ type: nullable ? ['string', 'null'] : 'string', format: 'date-time', description });
  return {
    ...object({
      apiVersion: { const: MANIFEST_API_VERSION },
      kind: { const: 'Secret' },
      metadata: object({
        name: { ...secret.name, description: 'The name stored: the manifest\'s, or its slug when this store refuses it (`status.renamed`).' },
        description: secret.description!,
        version: secret.version!,
        tags: secret.tags!,
        annotations: {
          type: 'array',
          description: 'One single-key object per annotation, as Smarter writes them.',
          items: { type: 'object', minProperties: 1, maxProperties: 1, additionalProperties: { type: 'string' } },
        },
      }),
      spec: object({
        config: object(
          {
            value: { const: MASKED_VALUE, description: 'Always the mask: an answer never carries the value.' },
            expiration_date: timestamp('When it expires (UTC); absent when it never does.'),
          },
          ['expiration_date'],
        ),
      }),
      status: object({
        recordLocator: { type: 'string', description: 'The secret\'s id.' },
        created: timestamp('When it was created (UTC).'),
        modified: timestamp('When it last changed (UTC).'),
        last_accessed: timestamp('When its value was last read (UTC), or null if never.', true),
        expired: { type: 'boolean' },
        revision: { type: 'integer', minimum: 1, description: 'The ETag, for If-Match on a PATCH.' },
        outcome: {
          enum: ['created', 'configured', 'unchanged'],
          description: '`unchanged`: the secret already was what the manifest says, and nothing was written (no new revision).',
        },
        renamed: {
          description: 'The rename done, when the manifest\'s name is not one this store accepts (Smarter slugs names as well).',
          oneOf: [{ type: 'null' }, object({ from: { type: 'string' }, to: { type: 'string' } })],
        },
      }),
    }),
    description: 'A Smarter Secret manifest as stored, with `spec.config.value` masked.',
  };
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const header = (description: string, schema: JsonSchema = { type: 'string' }) => ({ description, schema });

const PARAMETERS = {
  name: { name: 'name', in: 'path', required: true, description: 'The secret\'s name.', schema: jsonSchema(rules.secretName) },
  owner: {
    name: 'owner',
    in: 'query',
    required: false,
    description: 'Whose secret of this name: for one shared in the caller\'s account when several members share that name (409 AmbiguousSecretName lists them).',
    schema: jsonSchema(rules.userProfileId),
  },
  ifMatch: {
    name: 'If-Match',
    in: 'header',
    required: false,
    description: 'Strong comparison (RFC 9110): `"<revision>"`, a list of them, or `*` for any revision. A weak tag never matches (412); a malformed one is 400.',
    schema: { type: 'string' },
  },
  idempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: `For ${IDEMPOTENCY_HOURS} hours the same key with the same request answers the first result (with \`Idempotent-Replayed: true\`); with another request, 422.`,
    schema: jsonSchema(rules.idempotencyKey),
  },
};

/** The query parameters list reads, each with its schema as a query string carries it. */
function listParameters() {
  const properties = jsonSchema(listInput).properties as Record<string, JsonSchema>;
  const descriptions: Record<string, string> = {
    limit: `Items per page, 1-${LIST_LIMIT_MAX} (default ${LIST_LIMIT_DEFAULT}).`,
    cursor: 'The `nextCursor` of the previous page, as it was issued; bound to the profile.',
    tag: 'Only secrets with this tag.',
    prefix: 'Only names that start with this.',
    expired: 'Whether expired secrets are left out (`exclude`, the default), included or the only ones.',
    deleted: 'Whether deleted secrets (restorable until their `purgesAt`) are left out (`exclude`, the default), included or the only ones.',
    scope: '`own` (the default): the caller\'s secrets. `account`: every secret shared with the caller\'s account, its own included, sorted by name then owner (400 for a caller without an account).',
  };
  return FUNCTIONS.list.route.query.map((name) => ({
    name,
    in: 'query',
    required: false,
    description: descriptions[name],
    schema: name === 'limit' ? { type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX, default: LIST_LIMIT_DEFAULT } : properties[name],
  }));
}

const SECRET_HEADERS = { ETag: header('The revision, quoted: send it as If-Match to change this revision only.') };
const REPLAY_HEADERS = { 'Idempotent-Replayed': header('`true` when this is the first result of an earlier request with the same idempotency key.', { const: 'true' }) };

/**
 * Problems every route may answer: a bad request or token, a body too large or of another type
 * (every route reads a body if one comes), the database or keys unavailable, a bug.
 */
const EVERY_ROUTE_ERRORS: ErrorCode[] = ['ValidationError', 'Unauthorized', 'PayloadTooLarge', 'UnsupportedMediaType', 'ServiceUnavailable', 'InternalError'];

/** Each routed function's operation: what it takes, what it answers, and the problems only it may answer. */
const OPERATIONS: Record<Routed, { summary: string; description?: string; body?: JsonSchema; parameters: unknown[]; success: Record<string, unknown>; errors: ErrorCode[] }> = {
  create: {
    summary: 'Create a secret',
    body: jsonSchema(createInput),
    parameters: [PARAMETERS.idempotencyKey],
    success: {
      201: {
        description: 'Created.',
        headers: { Location: header('`/secrets/{name}`'), ...SECRET_HEADERS, ...REPLAY_HEADERS },
        content: json(ref('Secret')),
      },
    },
    errors: ['SecretAlreadyExists', 'IdempotencyKeyReused'],
  },
  list: {
    summary: 'List secrets (never values)',
    description: 'Sorted by name. A page may hold fewer than `limit` items, even none, and still carry a `nextCursor`, which is null only when nothing is left.',
    parameters: listParameters(),
    success: { 200: { description: 'A page of secrets.', content: json(ref('SecretPage')) } },
    errors: [],
  },
  get: {
    summary: 'Read a secret and its value',
    description:
      'Records `lastAccessed`. 410 once `expiresAt` has passed, whether or not the sweep has run. The caller\'s own secret of that name; without one, the secret a member of the caller\'s account shares under that name (409 AmbiguousSecretName, listing the owners, when several do: name one with `owner`).',
    parameters: [
      PARAMETERS.name,
      PARAMETERS.owner,
      { name: 'version', in: 'query', required: false, description: 'The value of this version (see the versions route) instead of the current one.', schema: { type: 'integer', minimum: 1 } },
    ],
    success: { 200: { description: 'The secret with its value.', headers: SECRET_HEADERS, content: json(ref('SecretWithValue')) } },
    errors: ['SecretNotFound', 'AmbiguousSecretName', 'SecretExpired', 'VersionNotFound', 'VersionDestroyed', 'DecryptionFailed', 'SecretDamaged'],
  },
  update: {
    summary: 'Change some of a secret\'s fields',
    description: 'Only the fields named change; `expiresAt: null` clears the expiry. The name cannot change. A new `value`, or `restoreVersion` (an earlier version\'s value), is a new version of the value.',
    body: jsonSchema(updateInput),
    parameters: [PARAMETERS.name, PARAMETERS.ifMatch, PARAMETERS.idempotencyKey],
    success: { 200: { description: 'The changed secret.', headers: { ...SECRET_HEADERS, ...REPLAY_HEADERS }, content: json(ref('Secret')) } },
    errors: ['SecretNotFound', 'SecretExpired', 'PreconditionFailed', 'IdempotencyKeyReused', 'VersionNotFound', 'VersionDestroyed', 'DecryptionFailed', 'SecretDamaged'],
  },
  expire: {
    summary: 'Expire a secret now or at a time',
    description: 'Only brings an expiry forward: an `at` later than `expiresAt` is 400 (extend it with PATCH `expiresAt`).',
    body: jsonSchema(z.omit(expireInput, { name: true })),
    parameters: [PARAMETERS.name, PARAMETERS.idempotencyKey],
    success: { 200: { description: 'The expired secret.', headers: { ...SECRET_HEADERS, ...REPLAY_HEADERS }, content: json(ref('Secret')) } },
    errors: ['SecretNotFound', 'SecretExpired', 'IdempotencyKeyReused', 'SecretDamaged'],
  },
  apply: {
    summary: 'Apply a Smarter Secret manifest',
    description:
      'Creates the secret the manifest names for the caller\'s profile (201), or makes the one of that name what the manifest says, value included (200). ' +
      'A manifest the secret already matches writes nothing (`status.outcome: unchanged`), so applying it again is safe. The body is YAML (1.1, one document) or JSON; ' +
      '`status` and unknown keys are ignored. The answer never carries the value.',
    body: ref('SecretManifest'),
    parameters: [],
    success: {
      201: { description: 'Created.', headers: { Location: header('`/secrets/{name}`'), ...SECRET_HEADERS }, content: json(ref('AppliedManifest')) },
      200: { description: 'Changed to match the manifest, or already matching it.', headers: SECRET_HEADERS, content: json(ref('AppliedManifest')) },
    },
    errors: ['SecretExpired', 'SecretDamaged'],
  },
  delete: {
    summary: 'Delete a secret',
    description: 'Schedules the deletion: the secret answers 404 from now on and can be restored until `purgesAt` (RECOVERY_DAYS). `force=true` deletes it now, with every version of its value.',
    parameters: [
      PARAMETERS.name,
      { name: 'force', in: 'query', required: false, description: 'Delete at once, with no recovery window.', schema: { type: 'string', enum: ['true', 'false'] } },
      PARAMETERS.idempotencyKey,
    ],
    success: { 204: { description: 'Deleted, or scheduled for deletion.', headers: REPLAY_HEADERS } },
    errors: ['SecretNotFound', 'IdempotencyKeyReused'],
  },
  versions: {
    summary: 'List the versions of a secret\'s value (never values)',
    description: 'Newest first, the last 100: the current version, the earlier ones kept (VALUE_VERSIONS in all) and those destroyed. Records no access.',
    parameters: [PARAMETERS.name],
    success: { 200: { description: 'The versions.', content: json(ref('VersionList')) } },
    errors: ['SecretNotFound'],
  },
  restore: {
    summary: 'Restore a deleted secret',
    description: 'Within its recovery window, as it was: value, versions, sharing and expiry. A secret that is not deleted is answered as it is.',
    parameters: [PARAMETERS.name],
    success: { 200: { description: 'The restored secret.', headers: SECRET_HEADERS, content: json(ref('Secret')) } },
    errors: ['SecretNotFound'],
  },
};

function problemSchema(): JsonSchema {
  return {
    type: 'object',
    description: 'RFC 9457 problem details. Never carries a value, a key, a token or a stack trace.',
    properties: {
      type: { const: 'about:blank' },
      title: { type: 'string' },
      status: { type: 'integer' },
      code: { enum: ERRORS.map((e) => e.name) },
      detail: { type: 'string' },
      errors: {
        type: 'array',
        description: 'ValidationError and Unauthorized: each offending field (or claim) and what is wrong with it.',
        items: ref('FieldError'),
      },
      owners: {
        type: 'array',
        description: 'AmbiguousSecretName: the profiles that share a secret of that name in the account.',
        items: { type: 'string' },
      },
    },
    required: ['type', 'title', 'status', 'code', 'detail'],
    additionalProperties: false,
  };
}

/** The problems an operation may answer (its own and every route's), grouped by status. */
function problemResponses(own: ErrorCode[]): Record<string, unknown> {
  const codes = [...EVERY_ROUTE_ERRORS, ...own];
  const byStatus = new Map<number, SecretStoreError[]>();
  for (const error of ERRORS.filter((e) => codes.includes(e.name))) byStatus.set(error.status, [...(byStatus.get(error.status) ?? []), error]);
  return Object.fromEntries(
    [...byStatus].map(([status, errors]) => [
      String(status),
      {
        description: errors.map((e) => `${e.name}: ${e.title}.`).join(' '),
        ...(status === 503 && { headers: { 'Retry-After': header('Seconds to wait before retrying.', { type: 'integer' }) } }),
        content: { 'application/problem+json': { schema: ref('Problem') } },
      },
    ]),
  );
}

/** The OpenAPI 3.1 document of the HTTP API. */
export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, operation] of Object.entries(OPERATIONS) as [Routed, (typeof OPERATIONS)[Routed]][]) {
    const { method, path } = FUNCTIONS[name].route;
    const route: FunctionConfig['route'] = FUNCTIONS[name].route;
    const bodyTypes = route?.bodyTypes ?? ['application/json'];
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = {
      operationId: name,
      summary: operation.summary,
      ...(operation.description && { description: operation.description }),
      parameters: operation.parameters,
      ...(operation.body && { requestBody: { required: name !== 'expire', content: Object.fromEntries(bodyTypes.map((type) => [type, { schema: operation.body }])) } }),
      responses: {
        ...operation.success,
        ...problemResponses(operation.errors),
      },
    };
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'Secret store',
      version,
      description:
        'API keys, passwords and tokens per user profile, encrypted with Fernet. Every request needs a JWT whose claim names the profile; `docs/API.md` is the contract in prose.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ jwt: [] }],
    paths,
    components: {
      securitySchemes: {
        jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Verified by API Gateway; the profile is the `sub` claim unless the deployment names another.' },
      },
      schemas: {
        Secret: secretSchema(),
        SecretWithValue: secretSchema(true),
        SecretPage: {
          type: 'object',
          properties: {
            items: { type: 'array', items: ref('Secret') },
            nextCursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null when nothing is left.' },
          },
          required: ['items', 'nextCursor'],
          additionalProperties: false,
        },
        SecretManifest: { ...jsonSchema(secretManifest), description: 'A Smarter Secret manifest, as `secret-store apply` and Smarter read it.' },
        AppliedManifest: appliedManifestSchema(),
        VersionList: {
          type: 'object',
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  version: { type: 'integer', minimum: 1 },
                  createdAt: { type: ['string', 'null'], format: 'date-time', description: 'When this value was set; null once it is destroyed and no longer held.' },
                  current: { type: 'boolean' },
                  destroyed: { type: 'boolean', description: 'Its value is gone: pruned from the history, or the secret expired and was swept.' },
                },
                required: ['version', 'createdAt', 'current', 'destroyed'],
                additionalProperties: false,
              },
            },
          },
          required: ['items'],
          additionalProperties: false,
        },
        Problem: problemSchema(),
        FieldError: {
          type: 'object',
          properties: { path: { type: 'string', description: 'The field, e.g. `annotations.owner`, `tags.1`, `If-Match`, `token.sub`.' }, message: { type: 'string' } },
          required: ['path', 'message'],
          additionalProperties: false,
        },
      },
    },
  };
}

/** The document as docs/openapi.json holds it, for the package's version. */
export function openApiDocumentText(): string {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `${JSON.stringify(openApiDocument(version), null, 2)}\n`;
}
