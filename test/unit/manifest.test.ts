// Smarter's Secret manifests (lib/manifest/, which the apply function and the CLI share): what apply reads from one, as Smarter reads it, errors that name manifest paths and never
// the value, the YAML it refuses, and what describe writes, with the value masked; Smarter's own example manifests among them.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { MASKED_VALUE, ManifestError, manifestOf, parseManifestText, secretFromManifest } from '../../client/manifest.js';
import { sampleSecret } from '../support/sample-secret.js';

const VALUE = 'sk-manifest-value-7f3a';
const yaml = (expiration = '', name = 'Open AI Key') => `
apiVersion: smarter.sh/v1
kind: Secret
metadata:
  name: ${name}
  description: the bot's key
  version: 1.2.0
  tags: [prod, bot]
  annotations:
    - smarter.sh/owner: platform
    - smarter.sh/ticket: 42
  somethingNew: ignored
spec:
  config:
    value: ${VALUE}
${expiration}
status:
  recordLocator: ignored
`;
const read = (text: string) => secretFromManifest(parseManifestText(text));
const refusal = (run: () => unknown): ManifestError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    expect(JSON.stringify(error) + (error as Error).message).not.toContain(VALUE);
    return error as ManifestError;
  }
  throw new Error('not refused');
};

describe('a Secret manifest', () => {
  it('gives the secret: a refused name slugged as Smarter slugs it (and reported), annotations as one map, status and unknown keys ignored', () => {
    expect(read(yaml())).toEqual({
      secret: {
        name: 'open_ai_key',
        value: VALUE,
        description: "the bot's key",
        version: '1.2.0',
        tags: ['prod', 'bot'],
        annotations: { 'smarter.sh/owner': 'platform', 'smarter.sh/ticket': '42' },
        expiresAt: null,
      },
      renamed: { from: 'Open AI Key', to: 'open_ai_key' },
    });
    expect(read(yaml('', 'openai-api-key')).renamed).toEqual({ from: 'openai-api-key', to: 'openai_api_key' });
    // A name this store accepts is kept as it is, camelCase included: describe's output applies to the same secret.
    expect(read(yaml('', 'apiKey'))).toMatchObject({ secret: { name: 'apiKey' }, renamed: null });
  });

  it('reads expiration_date as a YAML date, a date string or an ISO datetime, naive times as UTC', () => {
    const at = (line: string) => read(yaml(line)).secret.expiresAt;
    expect(at('    expiration_date: 2027-01-15')).toBe('2027-01-15T00:00:00.000Z');
    expect(at('    expiration_date: "2027-01-15"')).toBe('2027-01-15T00:00:00.000Z');
    expect(at('    expiration_date: "2027-01-15T10:30:00"')).toBe('2027-01-15T10:30:00.000Z');
    expect(at('    expiration_date: "2027-01-15T10:30:00+02:00"')).toBe('2027-01-15T08:30:00.000Z');
    expect(refusal(() => read(yaml('    expiration_date: someday'))).errors).toEqual([{ path: 'spec.config.expiration_date', message: 'must be a date or an ISO 8601 datetime' }]);
  });

  it('needs the keys Smarter needs, and names each problem by its path in the manifest', () => {
    const missing = refusal(() => secretFromManifest({ apiVersion: 'smarter.sh/v2', kind: 'Plugin', metadata: { name: 'x' }, spec: { config: {} } }));
    expect(missing.errors.map((e) => e.path)).toEqual(['apiVersion', 'kind', 'metadata.description', 'metadata.version', 'spec.config.value']);
    expect(missing.status).toBe(400);
    // The field rules apply after the slug, each named where the manifest has it.
    const rules = refusal(() =>
      secretFromManifest({
        apiVersion: 'smarter.sh/v1',
        kind: 'Secret',
        metadata: { name: '---', description: 'd', version: '1.0.0', tags: ['no spaces'], annotations: [{ ok: 'x' }] },
        spec: { config: { value: VALUE } },
      }),
    );
    expect([...new Set(rules.errors.map((e) => e.path))]).toEqual(['metadata.name', 'metadata.tags.0']);
    expect(refusal(() => secretFromManifest({ ...JSON.parse(JSON.stringify(manifestOf(stored))), spec: { config: { value: 42 } } })).errors).toEqual([
      { path: 'spec.config.value', message: 'Invalid input: expected string, received number' },
    ]);
    expect(() => secretFromManifest('text')).toThrow(ManifestError);
  });

  it('refuses several documents, alias bombs and malformed YAML without quoting it', () => {
    expect(refusal(() => parseManifestText(`${yaml()}---\n${yaml()}`)).errors).toEqual([{ path: 'body', message: 'must be exactly one YAML document' }]);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`)].join('\n');
    expect(refusal(() => parseManifestText(bomb)).errors).toEqual([{ path: 'body', message: 'uses more than 10 aliases' }]);
    expect(refusal(() => parseManifestText(`spec:\n  config:\n    value: ${VALUE}: oops\n`)).errors[0]!.message).toMatch(/^is not valid YAML \(\w+ at line 3, column \d+\)$/);
    expect(refusal(() => parseManifestText(`value: [${VALUE}\n`)).errors[0]!.path).toBe('body');
    expect(refusal(() => parseManifestText('['.repeat(100_000))).errors).toEqual([{ path: 'body', message: 'nests [ and { more than 32 deep' }]);
    expect(refusal(() => parseManifestText(`${'['.repeat(30)}${']'.repeat(31)}`)).errors[0]!.message).toMatch(/^is not valid YAML/);
    // yaml's parser is slow per node: a body of many small nodes is refused before it parses.
    const started = performance.now();
    expect(refusal(() => parseManifestText('x: 1\n'.repeat(50_000))).errors).toEqual([{ path: 'body', message: 'has more than 4000 YAML tokens: more than a Secret manifest needs' }]);
    expect(performance.now() - started).toBeLessThan(1_000);
    const largest = `${yaml()}${Array.from({ length: 100 }, (_, i) => `extra${i}: [a, b, c]  # unknown keys count too`).join('\n')}\n`;
    expect(read(largest).secret.name).toBe('open_ai_key');
    // A few aliases are YAML as usual; a repeated key keeps its last value, as in PyYAML; JSON is YAML too.
    expect(parseManifestText('a: &x 1\nb: *x\n')).toEqual({ a: 1, b: 1 });
    expect(parseManifestText('a: 1\na: 2\n')).toEqual({ a: 2 });
    expect(parseManifestText(`value: "${'['.repeat(100)}"\n`)).toEqual({ value: '['.repeat(100) });
    expect(parseManifestText('{"kind": "Secret"}')).toEqual({ kind: 'Secret' });
  });

  const stored = {
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
    visibility: 'private' as const,
    owner: 'alice',
    valueVersion: 1,
    deletedAt: null,
    purgesAt: null,
  };

  it('is written back with the value masked, annotations as a list, status from the stored secret', () => {
    const manifest = manifestOf(stored);
    expect(manifest).toEqual({
      apiVersion: 'smarter.sh/v1',
      kind: 'Secret',
      metadata: { name: 'open_ai_key', description: 'd', version: '1.2.0', tags: ['prod'], annotations: [{ owner: 'platform' }] },
      spec: { config: { value: MASKED_VALUE, expiration_date: '2027-01-15T00:00:00.000Z' } },
      status: { recordLocator: '01JDQ0Z6S1ZQ8Y3N5E6W7X8Y9Z', created: '2026-12-01T00:00:00.000Z', modified: '2026-12-02T00:00:00.000Z', last_accessed: null, expired: false, revision: 2 },
    });
    // Applied as it is, it would store the mask as the value: refused.
    expect(refusal(() => secretFromManifest(manifest)).errors).toEqual([{ path: 'spec.config.value', message: 'is the mask describe prints: give the value' }]);
  });
});

// Copied unchanged from smarter-sh/smarter v0.14.19 (each file's first line says where from).
const example = (file: string) => {
  const text = readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8');
  return { text, manifest: parseYaml(text, { schema: 'yaml-1.1' }) as { metadata: Record<string, unknown> } };
};
/** The secret as the store would answer for it once applied (no value). */
const storedOf = (secret: ReturnType<typeof secretFromManifest>['secret']) =>
  sampleSecret({ name: secret.name, description: secret.description, version: secret.version, tags: secret.tags, annotations: secret.annotations, expiresAt: secret.expiresAt });

describe("Smarter's own example Secret manifests", () => {
  it('docs/source/example-manifests/secret.yaml: its name kept (already a slug), tags, no annotations, the YAML date as midnight UTC, extra keys ignored', () => {
    const { text, manifest } = example('smarter-secret-example.yaml');
    expect(text.split('\n')[0]).toMatch(/^# .*smarter-sh\/smarter v0\.14\.19 .*docs\/source\/example-manifests\/secret\.yaml/);
    // What Smarter's loader sees: a date, and metadata and config keys this store has no field for.
    expect((manifest as unknown as { spec: { config: Record<string, unknown> } }).spec.config.expiration_date).toBeInstanceOf(Date);
    expect(manifest.metadata).toMatchObject({ accountNumber: '3141-5926-5359', username: 'admin' });
    expect(secretFromManifest(manifest).secret).toEqual({
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
    const { secret } = secretFromManifest(manifest);
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
      const { secret } = secretFromManifest(manifest);
      const described = manifestOf(storedOf(secret)) as { metadata: Record<string, unknown>; spec: { config: Record<string, unknown> } };
      expect(described.spec.config.value, file).toBe(MASKED_VALUE);
      expect(described.metadata, file).toEqual({
        name: manifest.metadata.name,
        description: String(manifest.metadata.description).trim(),
        version: manifest.metadata.version,
        tags: manifest.metadata.tags,
        annotations: manifest.metadata.annotations,
      });
      expect(described.spec.config.expiration_date ?? null, file).toBe(secret.expiresAt);
      expect(refusal(() => secretFromManifest(described)).errors, file).toEqual([{ path: 'spec.config.value', message: 'is the mask describe prints: give the value' }]);
      // With its value given again, the described manifest is the same secret.
      expect(secretFromManifest({ ...described, spec: { config: { ...described.spec.config, value: secret.value } } }).secret, file).toEqual(secret);
    }
    expect(JSON.stringify(manifestOf(storedOf(secretFromManifest(example('smarter-secret-example.yaml').manifest).secret)))).not.toContain('your unencrypted credential value');
  });
});
