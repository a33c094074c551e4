// Smarter's Secret manifests (`apiVersion: smarter.sh/v1`, `kind: Secret`), read for apply and
// written for describe, get and apply's answer (yaml-text.ts reads one from YAML); the CLI
// re-exports both (client/manifest.ts). As Smarter reads them: metadata `name`, `description` and
// `version` are required, `tags` a list, `annotations` a list of one-key objects; `spec.config.value` is required and
// `spec.config.expiration_date` optional (a YAML date, a date string or an ISO datetime, naive
// times as UTC); `status` is read-only and unknown keys are ignored. A name this store accepts is
// kept; any other is slugged as Smarter slugs it, and the rename reported. Unlike Smarter, nothing
// written here carries the value: it is masked. Errors name manifest paths and never the value.
import * as z from 'zod/mini';
import { ValidationError } from '../domain/errors.js';
import { createInput, type CreateInput } from '../domain/inputs.js';
import { description, parse, secretName, secretValue, version } from '../domain/rules.js';
import type { Secret } from '../domain/secret.js';
import type { ApplyOutcome } from '../secrets/service.js';
import { smarterSlug } from '../migration/smarter-dump.js';

export const MANIFEST_API_VERSION = 'smarter.sh/v1';
export const MASKED_VALUE = '********';

/** A manifest that cannot be applied; `errors` name its paths (`metadata.name`, `spec.config.value`). */
export class ManifestError extends ValidationError {}

/** `spec.config.expiration_date`: a YAML date, or a date or datetime string (expirationOf reads it). */
export const expirationDate = z.union([z.string(), z.date()]);

/** The shape Smarter reads; the field rules are checked once it is a secret (secretFromManifest). */
export const secretManifest = z.looseObject({
  apiVersion: z.literal(MANIFEST_API_VERSION),
  kind: z.literal('Secret'),
  metadata: z.looseObject({
    name: z.string().check(z.minLength(1)),
    description,
    version,
    tags: z.optional(z.nullable(z.array(z.union([z.string(), z.number()])))),
    annotations: z.optional(z.nullable(z.array(z.record(z.string(), z.unknown())))),
  }),
  spec: z.looseObject({
    config: z.looseObject({
      value: secretValue,
      expiration_date: z.optional(z.nullable(expirationDate)),
    }),
  }),
});

/** Where each field of the secret is in a manifest, for errors. */
const MANIFEST_PATHS: Record<Exclude<keyof CreateInput, 'visibility'>, string> = {
  name: 'metadata.name',
  value: 'spec.config.value',
  description: 'metadata.description',
  version: 'metadata.version',
  annotations: 'metadata.annotations',
  tags: 'metadata.tags',
  expiresAt: 'spec.config.expiration_date',
};

/** The same errors, each field named by its place in a manifest (`expiresAt` is `spec.config.expiration_date`). */
export function inManifestTerms(error: ValidationError): ManifestError {
  return new ManifestError(
    error.errors.map((e) => {
      const [field, ...rest] = e.path.split('.');
      const path = MANIFEST_PATHS[field as keyof typeof MANIFEST_PATHS];
      return path ? { ...e, path: [path, ...rest].join('.') } : e;
    }),
  );
}

/** A YAML date, a date string (midnight UTC) or an ISO datetime (UTC when it names no zone). */
function expirationOf(raw: string | Date | null | undefined): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  if (raw instanceof Date) {
    if (Number.isNaN(raw.getTime())) throw new ManifestError([{ path: MANIFEST_PATHS.expiresAt, message: 'must be a date or an ISO 8601 datetime' }]);
    return raw.toISOString();
  }
  const text = raw.trim();
  const withTime = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00` : text.replace(' ', 'T');
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/i.test(withTime) ? withTime : `${withTime}Z`;
  const date = new Date(zoned);
  if (Number.isNaN(date.getTime())) throw new ManifestError([{ path: MANIFEST_PATHS.expiresAt, message: 'must be a date or an ISO 8601 datetime' }]);
  return date.toISOString();
}

/** What a manifest asks for: the secret, and the rename of a name this store refuses. */
export interface ManifestSecret {
  secret: CreateInput & { expiresAt: string | null };
  renamed: { from: string; to: string } | null;
}

/** The secret a manifest describes (apply creates it, or changes the one of that name to it); ManifestError otherwise. */
export function secretFromManifest(manifest: unknown): ManifestSecret {
  let shape: z.output<typeof secretManifest>;
  try {
    shape = parse(secretManifest, manifest);
  } catch (error) {
    throw error instanceof ValidationError ? new ManifestError(error.errors) : error;
  }
  const { metadata, spec } = shape;
  // A described manifest applied as it is would store the mask as the value.
  if (spec.config.value === MASKED_VALUE) throw new ManifestError([{ path: MANIFEST_PATHS.value, message: 'is the mask describe prints: give the value' }]);
  const annotations: Record<string, string> = {};
  for (const entry of metadata.annotations ?? []) {
    for (const [key, value] of Object.entries(entry)) annotations[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  const name = z.safeParse(secretName, metadata.name).success ? metadata.name : smarterSlug(metadata.name);
  let secret: CreateInput;
  try {
    secret = parse(createInput, {
      name,
      value: spec.config.value,
      // Smarter strips both (a YAML block scalar's last newline, say).
      description: metadata.description.trim(),
      version: metadata.version,
      tags: (metadata.tags ?? []).map((tag) => String(tag).trim()),
      annotations,
      expiresAt: expirationOf(spec.config.expiration_date),
    });
  } catch (error) {
    throw error instanceof ValidationError ? inManifestTerms(error) : error;
  }
  return { secret: { ...secret, expiresAt: secret.expiresAt ?? null }, renamed: name === metadata.name ? null : { from: metadata.name, to: name } };
}

/** The manifest of a secret as it is stored, its value masked. */
export function manifestOf(secret: Secret) {
  return {
    apiVersion: MANIFEST_API_VERSION,
    kind: 'Secret',
    metadata: {
      name: secret.name,
      description: secret.description,
      version: secret.version,
      tags: secret.tags,
      annotations: Object.entries(secret.annotations).map(([key, value]) => ({ [key]: value })),
    },
    spec: { config: { value: MASKED_VALUE, ...(secret.expiresAt !== null && { expiration_date: secret.expiresAt }) } },
    status: {
      recordLocator: secret.id,
      created: secret.createdAt,
      modified: secret.updatedAt,
      last_accessed: secret.lastAccessed,
      expired: secret.expired,
      revision: secret.revision,
    },
  };
}

/** Apply's answer: the manifest as stored, masked, with what was done and the rename, if any. */
export function appliedManifest(secret: Secret, outcome: ApplyOutcome, renamed: ManifestSecret['renamed']) {
  const manifest = manifestOf(secret);
  return { ...manifest, status: { ...manifest.status, outcome, renamed } };
}
