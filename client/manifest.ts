// Smarter's Secret manifests (`apiVersion: smarter.sh/v1`, `kind: Secret`), read for
// `secret-store apply` and written for `secret-store describe`. As Smarter reads them: metadata
// `name`, `description` and `version` are required, `tags` a list, `annotations` a list of
// one-key objects; `spec.config.value` is required and `spec.config.expiration_date` optional (a
// YAML date, a date string or an ISO datetime, naive times as UTC); `status` is read-only and
// unknown keys are ignored; the name is slugged as Smarter slugs it, the description and each tag
// stripped of surrounding whitespace (a YAML block scalar's last newline). Unlike Smarter, nothing here
// ever echoes the value back: describe masks it.
import { smarterSlug } from '../lib/migration/smarter-dump.js';
import type { CreateSecret, Secret } from './types.js';

export const MANIFEST_API_VERSION = 'smarter.sh/v1';
export const MASKED_VALUE = '********';

export class ManifestError extends Error {
  constructor(readonly problems: string[]) {
    super(`not a Secret manifest: ${problems.join('; ')}`);
    this.name = 'ManifestError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A YAML date, a date string (midnight UTC) or an ISO datetime (UTC when it names no zone). */
function expirationOf(raw: unknown): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  if (raw instanceof Date) return raw.toISOString();
  const text = String(raw).trim();
  const withTime = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00` : text.replace(' ', 'T');
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/i.test(withTime) ? withTime : `${withTime}Z`;
  const date = new Date(zoned);
  if (Number.isNaN(date.getTime())) throw new ManifestError([`spec.config.expiration_date: not a date: ${JSON.stringify(text)}`]);
  return date.toISOString();
}

/** The secret a manifest describes: what `apply` creates, or changes when the name exists. */
export function secretFromManifest(manifest: unknown): CreateSecret & { expiresAt: string | null; annotations: Record<string, string> } {
  const problems: string[] = [];
  if (!isObject(manifest)) throw new ManifestError(['the document is not a mapping']);
  if (manifest.apiVersion !== MANIFEST_API_VERSION) problems.push(`apiVersion must be ${MANIFEST_API_VERSION}`);
  if (manifest.kind !== 'Secret') problems.push('kind must be Secret');
  const metadata = isObject(manifest.metadata) ? manifest.metadata : {};
  for (const key of ['name', 'description', 'version']) if (typeof metadata[key] !== 'string') problems.push(`metadata.${key} is required`);
  const config = isObject(manifest.spec) && isObject(manifest.spec.config) ? manifest.spec.config : {};
  if (typeof config.value !== 'string' || config.value === '') problems.push('spec.config.value is required');
  // A described manifest applied as it is would store the mask as the value.
  else if (config.value === MASKED_VALUE) problems.push('spec.config.value is the mask describe prints: give the value');
  if (metadata.tags !== undefined && metadata.tags !== null && !Array.isArray(metadata.tags)) problems.push('metadata.tags must be a list');
  if (metadata.annotations !== undefined && metadata.annotations !== null && !Array.isArray(metadata.annotations)) problems.push('metadata.annotations must be a list');
  if (problems.length > 0) throw new ManifestError(problems);

  const annotations: Record<string, string> = {};
  for (const entry of (metadata.annotations as unknown[] | null | undefined) ?? []) {
    if (!isObject(entry)) throw new ManifestError(['metadata.annotations must be a list of one-key mappings']);
    for (const [key, value] of Object.entries(entry)) annotations[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return {
    name: smarterSlug(metadata.name as string),
    value: config.value as string,
    description: (metadata.description as string).trim(),
    version: metadata.version as string,
    tags: ((metadata.tags as unknown[] | null | undefined) ?? []).map((tag) => String(tag).trim()),
    annotations,
    expiresAt: expirationOf(config.expiration_date),
  };
}

/** The manifest of a secret as it is stored, its value masked. */
export function manifestOf(secret: Secret): Record<string, unknown> {
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
    status: { recordLocator: secret.id, created: secret.createdAt, modified: secret.updatedAt, last_accessed: secret.lastAccessed, expired: secret.expired },
  };
}
