// Smarter's Secret manifests (client/manifest.ts): what apply reads from one, as Smarter reads it,
// and what describe writes, with the value masked; Smarter's own example manifests among them.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { MASKED_VALUE, ManifestError, manifestOf, secretFromManifest } from '../../client/manifest.js';
import { sampleSecret } from '../support/sample-secret.js';

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

// Copied unchanged from smarter-sh/smarter v0.14.19 (each file's first line says where from).
const example = (file: string) => {
  const text = readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8');
  return { text, manifest: parseYaml(text, { schema: 'yaml-1.1' }) as { metadata: Record<string, unknown> } };
};
/** The secret as the store would answer for it once applied (no value). */
const stored = (secret: ReturnType<typeof secretFromManifest>) =>
  sampleSecret({ name: secret.name, description: secret.description, version: secret.version, tags: secret.tags, annotations: secret.annotations, expiresAt: secret.expiresAt });

describe("Smarter's own example Secret manifests", () => {
  it('docs/source/example-manifests/secret.yaml: its name kept (already a slug), tags, no annotations, the YAML date as midnight UTC, extra keys ignored', () => {
    const { text, manifest } = example('smarter-secret-example.yaml');
    expect(text.split('\n')[0]).toMatch(/^# .*smarter-sh\/smarter v0\.14\.19 .*docs\/source\/example-manifests\/secret\.yaml/);
    // What Smarter's loader sees: a date, and metadata and config keys this store has no field for.
    expect((manifest as unknown as { spec: { config: Record<string, unknown> } }).spec.config.expiration_date).toBeInstanceOf(Date);
    expect(manifest.metadata).toMatchObject({ accountNumber: '3141-5926-5359', username: 'admin' });
    expect(secretFromManifest(manifest)).toEqual({
      name: 'example_secret',
      value: '<** your unencrypted credential value **>',
      description: 'an example secret manifest for the Smarter API Secret',
      version: '1.0.0',
      tags: ['example', 'secret'],
      annotations: {},
      expiresAt: '2026-06-05T00:00:00.000Z',
    });
  });

  it('secret-smarter-test-api.yaml: the block description stripped as Smarter strips it, the annotation list as one map, quoted numbers as text', () => {
    const { text, manifest } = example('smarter-secret-test-api.yaml');
    expect(text.split('\n')[0]).toMatch(/^# .*smarter-sh\/smarter v0\.14\.19 .*smarter\/smarter\/apps\/secret\/data\/example-manifests\/secret-smarter-test-api\.yaml/);
    const secret = secretFromManifest(manifest);
    expect(secret).toMatchObject({
      name: 'smarter_test_api',
      value: 'smarter_test_api',
      version: '1.1.0',
      tags: ['example', 'test', 'stackademy', 'api'],
      annotations: {
        'smarter.sh/test-api/host': 'localhost',
        'smarter.sh/test-api/port': '9357',
        'smarter.sh/test-api/user': 'smarter_test_api',
        'smarter.sh/test-api/pwd': 'smarter_test_api',
        'smarter.sh/test-api/access': 'anyone can access this test database',
      },
      expiresAt: null,
    });
    expect(secret.description).toMatch(/^An example secret manifest\. This is a real credential used for authenticating to\n/);
    expect(secret.description).toMatch(/See the annotations below for connection details\.$/);
  });

  it('is described as Smarter writes it, the value masked, and refused if applied with the mask', () => {
    for (const file of ['smarter-secret-example.yaml', 'smarter-secret-test-api.yaml']) {
      const { manifest } = example(file);
      const secret = secretFromManifest(manifest);
      const described = manifestOf(stored(secret)) as { metadata: Record<string, unknown>; spec: { config: Record<string, unknown> } };
      expect(described.spec.config.value, file).toBe(MASKED_VALUE);
      expect(described.metadata, file).toEqual({
        name: manifest.metadata.name,
        description: String(manifest.metadata.description).trim(),
        version: manifest.metadata.version,
        tags: manifest.metadata.tags,
        annotations: manifest.metadata.annotations,
      });
      expect(described.spec.config.expiration_date ?? null, file).toBe(secret.expiresAt);
      expect(() => secretFromManifest(described), file).toThrow(/the mask describe prints/);
      // With its value given again, the described manifest is the same secret.
      expect(secretFromManifest({ ...described, spec: { config: { ...described.spec.config, value: secret.value } } }), file).toEqual(secret);
    }
    expect(JSON.stringify(manifestOf(stored(secretFromManifest(example('smarter-secret-example.yaml').manifest))))).not.toContain('your unencrypted credential value');
  });
});
