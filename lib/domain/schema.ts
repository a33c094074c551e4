// Field rules of the contract (shared/spec/API.md, "Field rules"), as zod schemas.
// Every parse failure becomes one ValidationError naming each offending field.
import { z } from 'zod';
import { ValidationError, type FieldError } from './errors.js';

export const MAX_VALUE_BYTES = 65_536;
export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 100;

// semver.org's recommended pattern (pre-release and build metadata allowed).
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const TAG = /^[A-Za-z0-9_.:/=+@-]{1,128}$/;
// Keys that would reach an object's prototype if copied naively downstream.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export const secretName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-z][a-zA-Z0-9]*$/, 'must be camelCase: a lowercase letter, then letters and digits');

export const secretId = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID');

// Any printable identifier a token issuer might use (Cognito UUIDs, "auth0|123", ...).
export const userProfileId = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\p{Cc}\s]+$/u, 'must be printable without whitespace');

export const secretValue = z
  .string()
  .refine((v) => v.length > 0, 'must not be empty')
  .refine((v) => Buffer.byteLength(v, 'utf8') <= MAX_VALUE_BYTES, `must be at most ${MAX_VALUE_BYTES} bytes as UTF-8`);

export const description = z.string().max(2048);
export const version = z.string().max(256).regex(SEMVER, 'must be a semantic version MAJOR.MINOR.PATCH');

export const annotations = z
  .record(z.string().min(1).max(128), z.string().max(512))
  .refine((a) => Object.keys(a).length <= 50, 'at most 50 keys')
  .refine((a) => Object.keys(a).every((k) => !FORBIDDEN_KEYS.has(k)), 'reserved key name')
  // A null-prototype copy: nothing downstream can trip over an inherited property.
  .transform((a) => Object.assign(Object.create(null) as Record<string, string>, a));

export const tags = z
  .array(z.string().regex(TAG, 'must be 1-128 characters of A-Z a-z 0-9 _ . : / = + @ -'))
  .max(50)
  .refine((t) => new Set(t).size === t.length, 'must be unique');

/** An ISO 8601 timestamp with a zone, normalised to UTC with milliseconds. */
export const timestamp = z.iso
  .datetime({ offset: true })
  .transform((t) => new Date(t))
  .refine((d) => !Number.isNaN(d.getTime()), 'must be a valid date')
  .transform((d) => d.toISOString());

const metadata = {
  description: description.optional(),
  version: version.optional(),
  annotations: annotations.optional(),
  tags: tags.optional(),
};

export const createInput = z.strictObject({
  name: secretName,
  value: secretValue,
  ...metadata,
  expiresAt: timestamp.nullable().optional(),
});
export type CreateInput = z.output<typeof createInput>;

export const updateInput = z
  .strictObject({
    value: secretValue.optional(),
    ...metadata,
    expiresAt: timestamp.nullable().optional(),
  })
  .refine((u) => Object.values(u).some((v) => v !== undefined), {
    message: 'must name at least one of value, description, version, annotations, tags, expiresAt',
  });
export type UpdateInput = z.output<typeof updateInput>;

export const expireInput = z.strictObject({ name: secretName, at: timestamp.optional() });

/** A get names the secret by name, or (direct invocation only) by id. */
export const getInput = z
  .strictObject({ name: secretName.optional(), id: secretId.optional() })
  .refine((g) => (g.name === undefined) !== (g.id === undefined), {
    message: 'name exactly one of name or id',
    path: ['name'],
  })
  .transform((g) => (g.id !== undefined ? { id: g.id } : { name: g.name! }));

const limit = z.union([z.number(), z.string().regex(/^\d+$/, 'must be a whole number').transform(Number)]).pipe(
  z.number().int().min(1).max(LIST_LIMIT_MAX),
);

export const listInput = z.strictObject({
  limit: limit.optional(),
  cursor: z.string().min(1).max(2048).optional(),
  tag: z.string().regex(TAG, 'must be a valid tag').optional(),
  prefix: z.string().max(128).regex(/^[a-zA-Z0-9]*$/, 'must be letters and digits').optional(),
  expired: z.enum(['exclude', 'include', 'only']).optional(),
});
export type ListInput = z.output<typeof listInput>;

export const deleteInput = z.strictObject({ name: secretName });
export const sweepInput = z.strictObject({ dryRun: z.boolean().optional() });
export const rotateInput = z.strictObject({});

/** Parses with a schema, turning failures into one ValidationError that names every field. */
export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.flatMap(toFieldErrors));
}

function toFieldErrors(issue: z.core.$ZodIssue): FieldError[] {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: path ? `${path}.${key}` : key,
      message: key === 'name' ? 'cannot be changed' : 'is not a known field',
    }));
  }
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return [{ path, message: 'is required' }];
  return [{ path, message: issue.message }];
}
