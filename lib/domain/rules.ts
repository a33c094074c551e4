// The contract's field rules (docs/API.md, "Field rules"), as zod schemas, and the one parse
// that turns every failure into a ValidationError naming each offending field.
// zod/mini: the same checks as `zod`, tree-shakable (docs/PERFORMANCE.md).
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { ValidationError, type FieldError } from './errors.js';

// Plain English messages for the checks that carry no message of their own.
z.config(en());

export const MAX_VALUE_BYTES = 65_536;

// semver.org's recommended pattern (pre-release and build metadata allowed).
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
export const TAG = /^[A-Za-z0-9_.:/=+@-]{1,128}$/;
// Keys that would reach an object's prototype if copied naively downstream.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A secret's name: camelCase (`apiKey`), or snake_case as Smarter's own validator has it
 * (`^[a-z0-9]+(?:_[a-z0-9]+)*$`: `openai_api_key`, `2fa_seed`). Only ASCII letters, digits and
 * single inner underscores: nothing a URL path or a sort key would need to escape.
 */
export const SECRET_NAME_RULE = 'must be camelCase (apiKey) or snake_case (api_key): lowercase letters and digits, camel humps or single underscores between words';
export const secretName = z
  .string()
  .check(z.minLength(1), z.maxLength(128), z.regex(/^(?:[a-z][a-zA-Z0-9]*|[a-z0-9]+(?:_[a-z0-9]+)*)$/, SECRET_NAME_RULE));

export const secretId = z.string().check(z.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID'));

// Any printable identifier a token issuer might use (Cognito UUIDs, "auth0|123", ...), and only
// one spelling of it: no whitespace, control, format or other invisible characters (zero-width
// spaces, bidi controls), and in Unicode normalization form C, so ids that look alike are one id or
// refused, never two profiles.
export const userProfileId = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(256),
    z.regex(/^[^\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\s]+$/u, 'must be printable, without whitespace or invisible characters'),
    z.refine((id) => id.normalize('NFC') === id, 'must be in Unicode normalization form C'),
  );

/** An account id (the ACCOUNT_CLAIM claim, `accountId` in direct payloads): the same one spelling as a profile id. */
export const accountId = userProfileId;

/** Who may read a secret: its owner only, or every member of the owner's account. */
export const VISIBILITIES = ['private', 'account'] as const;
export const visibility = z.enum(VISIBILITIES);

/** An idempotency key (Idempotency-Key, clientToken): a UUID or any other 1-255 visible ASCII characters. */
export const idempotencyKey = z.string().check(z.regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 visible ASCII characters'));

// Stored as UTF-8, where a lone surrogate has no form: it would read back as U+FFFD.
// Stryker disable next-line ArrowFunction: the module cannot load with it, so every suite importing it fails; the vitest runner reports a run whose files failed to import as survived
const wellFormed = () => z.refine<string>((v) => v.isWellFormed(), 'must be well-formed Unicode (no lone surrogates)');

export const secretValue = z
  .string()
  .check(
    z.refine((v) => v.length > 0, 'must not be empty'),
    z.refine((v) => Buffer.byteLength(v, 'utf8') <= MAX_VALUE_BYTES, `must be at most ${MAX_VALUE_BYTES} bytes as UTF-8`),
    wellFormed(),
  );

export const description = z.string().check(z.maxLength(2048), wellFormed());
export const version = z
  .string()
  .check(z.maxLength(256), z.regex(SEMVER, 'must be a semantic version MAJOR.MINOR.PATCH'));

// Reserved keys are refused before parsing: zod would drop a "__proto__" key silently.
const noReservedKeys = z.unknown().check(
  z.refine(
    (raw) => typeof raw !== 'object' || raw === null || !Object.keys(raw).some((k) => FORBIDDEN_KEYS.has(k)),
    'reserved key name',
  ),
);

export const annotations = z.pipe(
  noReservedKeys,
  z.pipe(
    z
      .record(z.string().check(z.minLength(1), z.maxLength(128), wellFormed()), z.string().check(z.maxLength(512), wellFormed()))
      .check(z.refine((a) => Object.keys(a).length <= 50, 'at most 50 keys')),
    // A null-prototype copy: nothing downstream can trip over an inherited property.
    z.transform((a: Record<string, string>) => Object.assign(Object.create(null) as Record<string, string>, a)),
  ),
);

export const tags = z
  .array(z.string().check(z.regex(TAG, 'must be 1-128 characters of A-Z a-z 0-9 _ . : / = + @ -')))
  .check(
    z.maxLength(50),
    z.refine((t) => new Set(t).size === t.length, 'must be unique'),
  );

/**
 * An ISO 8601 timestamp with a zone, normalised to UTC with milliseconds. zod's pattern admits
 * only real dates (months, days by month and leap year, hours, offsets), each one a Date can hold.
 */
export const timestamp = z.pipe(
  z.iso.datetime({ offset: true }),
  z.transform((t: string) => new Date(t).toISOString()),
);

/** What If-Match accepts: any existing revision (`*`), or one of these (an empty list matches none). */
export type RevisionMatch = 'any' | number[];

const ENTITY_TAG = /^\s*(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*$/;

/**
 * `If-Match` (RFC 9110, strong comparison): `*`, or a list of entity tags, ours being quoted
 * revisions (`"3"`). A weak tag (`W/"3"`) never matches; anything that is not an entity tag is a
 * ValidationError. A direct invocation may also give the revision as a number.
 */
export function revisionMatch(raw: unknown): RevisionMatch | undefined {
  if (raw === undefined) return undefined;
  // Stryker disable next-line ConditionalExpression: equivalent when the type test is true; Number.isSafeInteger is false for anything but a number
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return [raw];
  const invalid = new ValidationError([{ path: 'If-Match', message: 'must be * or quoted revisions such as "3"' }]);
  if (typeof raw !== 'string') throw invalid;
  if (raw.trim() === '*') return 'any';
  const revisions: number[] = [];
  for (const element of raw.split(',')) {
    const tag = ENTITY_TAG.exec(element);
    if (!tag) throw invalid;
    if (!tag[1] && /^\d{1,15}$/.test(tag[2]!)) revisions.push(Number(tag[2]));
  }
  return revisions;
}

/**
 * Parses with a schema, turning failures into one ValidationError that names every field; with
 * `field`, the value is that one field's and the errors are reported under its name.
 */
export function parse<S extends z.ZodMiniType>(schema: S, input: unknown, field?: string): z.output<S> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  const error = new ValidationError(result.error.issues.flatMap(toFieldErrors));
  throw field === undefined ? error : error.under(field);
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
