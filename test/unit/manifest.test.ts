// Smarter's Secret manifests (client/manifest.ts): what apply reads from one, as Smarter reads it,
// and what describe writes, with the value masked.
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { MASKED_VALUE, ManifestError, manifestOf, secretFromManifest } from '../../client/manifest.js';

const yaml = (expiration = '') => `
apiVersion: smarter.sh/v1
kind: Secret
metadata:
  name: Open AI Key
  description: the bot's key
  version: 1.2.0
  tags: [prod, bot]
  annotations:
    - smarter.sh/owner: platform
    - smarter.sh/ticket: 42
  somethingNew: ignored
spec:
  config:
    value: sk-manifest-value
${expiration}
status:
  recordLocator: ignored
`;
const read = (text: string) => secretFromManifest(parseYaml(text, { schema: 'yaml-1.1' }));

describe('a Secret manifest', () => {
  it('gives the secret: the name slugged as Smarter slugs it, annotations as one map, status and unknown keys ignored', () => {
    expect(read(yaml())).toEqual({
      name: 'open_ai_key',
      value: 'sk-manifest-value',
      description: "the bot's key",
      version: '1.2.0',
      tags: ['prod', 'bot'],
      annotations: { 'smarter.sh/owner': 'platform', 'smarter.sh/ticket': '42' },
      expiresAt: null,
    });
  });

  it('reads expiration_date as a YAML date, a date string or an ISO datetime, naive times as UTC', () => {
    expect(read(yaml('    expiration_date: 2027-01-15')).expiresAt).toBe('2027-01-15T00:00:00.000Z');
    expect(read(yaml('    expiration_date: "2027-01-15"')).expiresAt).toBe('2027-01-15T00:00:00.000Z');
    expect(read(yaml('    expiration_date: "2027-01-15T10:30:00"')).expiresAt).toBe('2027-01-15T10:30:00.000Z');
    expect(read(yaml('    expiration_date: "2027-01-15T10:30:00+02:00"')).expiresAt).toBe('2027-01-15T08:30:00.000Z');
    expect(() => read(yaml('    expiration_date: someday'))).toThrow(ManifestError);
  });

  it('needs the keys Smarter needs, and says which are missing', () => {
    let error: unknown;
    try {
      secretFromManifest({ apiVersion: 'smarter.sh/v2', kind: 'Plugin', metadata: { name: 'x' }, spec: {} });
    } catch (e) {
      error = e;
    }
    expect((error as ManifestError).problems).toEqual([
      'apiVersion must be smarter.sh/v1',
      'kind must be Secret',
      'metadata.description is required',
      'metadata.version is required',
      'spec.config.value is required',
    ]);
    expect(() => secretFromManifest('text')).toThrow(ManifestError);
  });

  it('is written back with the value masked, annotations as a list, status from the stored secret', () => {
    const manifest = manifestOf({
      id: '01JDQ0Z6S1ZQ8Y3N5E6W7X8Y9Z',
      name: 'open_ai_key',
      description: 'd',
      version: '1.2.0',
      annotations: { owner: 'platform' },
      tags: ['prod'],
      createdAt: '2026-12-01T00:00:00.000Z',
      updatedAt: '2026-12-02T00:00:00.000Z',
      lastAccessed: null,
      expiresAt: '2027-01-15T00:00:00.000Z',
      expired: false,
      revision: 2,
      visibility: 'private',
      owner: 'alice',
    });
    expect(manifest).toEqual({
      apiVersion: 'smarter.sh/v1',
      kind: 'Secret',
      metadata: { name: 'open_ai_key', description: 'd', version: '1.2.0', tags: ['prod'], annotations: [{ owner: 'platform' }] },
      spec: { config: { value: MASKED_VALUE, expiration_date: '2027-01-15T00:00:00.000Z' } },
      status: { recordLocator: '01JDQ0Z6S1ZQ8Y3N5E6W7X8Y9Z', created: '2026-12-01T00:00:00.000Z', modified: '2026-12-02T00:00:00.000Z', last_accessed: null, expired: false },
    });
    // Applied as it is, it would store the mask as the value: refused.
    expect(() => secretFromManifest(manifest)).toThrow(/the mask describe prints/);
  });
});
