// Reading Smarter's dumpdata export (lib/migration/smarter-dump.ts): both model labels, owners
// through Smarter's own rows or a profile map, tags from taggit's rows, annotation lists, names
// renamed as Smarter slugs them, timestamps in UTC, and every row that cannot come over reported
// with its reason. Values are decrypted with Smarter's key and never appear in the report's texts.
import { describe, expect, it } from 'vitest';
import { Fernet } from '../../lib/crypto/fernet.js';
import { importPayload, readSmarterDump, smarterSlug } from '../../lib/migration/smarter-dump.js';

const KEY = Fernet.generateKey();
const OTHER_KEY = Fernet.generateKey();
// A BinaryField as Django serializes it: standard base64 of the token's bytes ("Z0FBQUFB...").
const binary = (value: string, key = KEY) => Buffer.from(new Fernet(key).encrypt(value)).toString('base64');
const secretRow = (pk: number, fields: Record<string, unknown>, model = 'secret.secret') => ({
  model,
  pk,
  fields: {
    user_profile: 100,
    description: '',
    version: '1.0.0',
    annotations: [],
    created_at: '2024-05-01T12:00:00Z',
    updated_at: '2024-05-01T12:00:00Z',
    last_accessed: null,
    expires_at: null,
    ...fields,
  },
});

const DUMP = [
  { model: 'auth.user', pk: 1, fields: { username: 'alice@example.com' } },
  { model: 'auth.user', pk: 2, fields: { username: 'bob' } },
  { model: 'account.account', pk: 10, fields: { account_number: '3141-5926-5359' } },
  { model: 'account.userprofile', pk: 100, fields: { user: 1, account: 10 } },
  { model: 'account.userprofile', pk: 101, fields: { user: 2, account: 10 } },
  { model: 'contenttypes.contenttype', pk: 7, fields: { app_label: 'secret', model: 'secret' } },
  { model: 'contenttypes.contenttype', pk: 8, fields: { app_label: 'account', model: 'account' } },
  { model: 'taggit.tag', pk: 1, fields: { name: 'Prod', slug: 'prod' } },
  { model: 'taggit.tag', pk: 2, fields: { name: 'prod', slug: 'prod-1' } },
  { model: 'taggit.tag', pk: 3, fields: { name: 'has space', slug: 'has-space' } },
  { model: 'taggit.tag', pk: 4, fields: { name: 'db', slug: 'db' } },
  { model: 'taggit.taggeditem', pk: 1, fields: { tag: 1, content_type: 7, object_id: 1 } },
  { model: 'taggit.taggeditem', pk: 2, fields: { tag: 2, content_type: 7, object_id: 1 } },
  { model: 'taggit.taggeditem', pk: 3, fields: { tag: 3, content_type: 7, object_id: 1 } },
  { model: 'taggit.taggeditem', pk: 4, fields: { tag: 4, content_type: 8, object_id: 1 } },
  { model: 'taggit.taggeditem', pk: 5, fields: { tag: 4, content_type: 7, object_id: 2 } },
  secretRow(1, {
    name: 'openai_api_key',
    encrypted_value: binary('sk-openai-dump'),
    description: 'OpenAI',
    version: '2.1.0',
    annotations: [{ 'smarter.sh/owner': 'platform' }, { a: '1' }, { a: '2' }, { n: 5 }],
    created_at: '2024-05-01T12:00:00.123456Z',
    updated_at: '2024-05-02T08:30:00+02:00',
    last_accessed: '2024-06-01T00:00:00',
  }),
  secretRow(2, { user_profile: 101, name: 'Secret 1', encrypted_value: binary('bob-secret'), expires_at: '2020-01-01T00:00:00' }),
  secretRow(3, { name: 'legacyKey', encrypted_value: binary('legacy') }, 'account.secret'),
  secretRow(4, { user_profile: 999, name: 'orphan', encrypted_value: binary('orphan') }),
  secretRow(5, { name: 'otherKey', encrypted_value: binary('other-key-value', OTHER_KEY) }),
  secretRow(6, { name: 'openai-api-key', encrypted_value: binary('sk-openai-again') }),
  secretRow(7, { name: 'badVersion', encrypted_value: binary('v'), version: 'one' }),
];

describe('readSmarterDump', () => {
  const report = readSmarterDump(DUMP, { key: KEY });

  it('brings over every readable secret of both labels, owned by "<account number>/<username>", values decrypted', () => {
    expect(report.secrets.map((s) => [s.pk, s.profileId, s.name, s.value])).toEqual([
      [1, '3141-5926-5359/alice@example.com', 'openai_api_key', 'sk-openai-dump'],
      [2, '3141-5926-5359/bob', 'secret_1', 'bob-secret'],
      [3, '3141-5926-5359/alice@example.com', 'legacyKey', 'legacy'],
    ]);
  });

  it('keeps the fields and times, in UTC with milliseconds, naive times taken as UTC', () => {
    expect(report.secrets[0]).toMatchObject({
      description: 'OpenAI',
      version: '2.1.0',
      createdAt: '2024-05-01T12:00:00.123Z',
      updatedAt: '2024-05-02T06:30:00.000Z',
      lastAccessed: '2024-06-01T00:00:00.000Z',
      expiresAt: null,
    });
    expect(report.secrets[1]!.expiresAt).toBe('2020-01-01T00:00:00.000Z');
  });

  it('reads tags from taggit\'s rows for secrets only, once each whatever the case, leaving out what this store refuses', () => {
    expect(report.secrets[0]!.tags).toEqual(['Prod']);
    expect(report.secrets[1]!.tags).toEqual(['db']);
    expect(report.notes).toContainEqual({ model: 'secret.secret', pk: 1, name: 'openai_api_key', note: 'tag "has space" is not a valid tag here; left out' });
  });

  it('turns the annotation list into one map, reporting a key given twice', () => {
    expect(report.secrets[0]!.annotations).toEqual({ 'smarter.sh/owner': 'platform', a: '1', n: '5' });
    expect(report.notes).toContainEqual({ model: 'secret.secret', pk: 1, name: 'openai_api_key', note: 'annotation "a" is given twice; the first value is kept' });
  });

  it('renames what this store refuses as Smarter slugs manifest names, and reports each rename', () => {
    expect(report.renamed).toEqual([
      { model: 'secret.secret', pk: 2, from: 'Secret 1', to: 'secret_1' },
      { model: 'secret.secret', pk: 6, from: 'openai-api-key', to: 'openai_api_key' },
    ]);
  });

  it('slugs as Smarter does: Django\'s slugify, dashes as underscores, one underscore at a time', () => {
    // Answers from Django 3.2's slugify with AbstractSAMMetadataBase.validate_name's steps (v0.14.19).
    const DJANGO: [string, string][] = [
      ['myApiKey', 'myapikey'], ['API Key', 'api_key'], ['openai-api-key', 'openai_api_key'], ['Café  crème!', 'cafe_creme'],
      ['--x--', 'x'], ['Secret 1', 'secret_1'], ['stripe.live', 'stripelive'], ['a!b', 'ab'], ['my_key_', 'my_key'],
      ['__a__b__', 'a_b'], ['a_-_b', 'a_b'], ['Ωmega key', 'mega_key'], ['ﬁle Key', 'file_key'], ['tab\tsep', 'tab_sep'],
      ['x\x1cy', 'x_y'], ['key #2 (old)', 'key_2_old'], ['ß', ''], ['ÆON', 'on'], ['', ''], ['  spaced  ', 'spaced'],
    ];
    expect(DJANGO.map(([name]) => [name, smarterSlug(name)])).toEqual(DJANGO);
  });

  it('skips, with the reason, rows without a known owner, values that do not decrypt, names that collide and fields this store refuses', () => {
    const secret = { model: 'secret.secret' };
    expect(report.skipped).toEqual([
      { ...secret, pk: 4, name: 'orphan', reason: 'its owner (user_profile 999) is not in the export or the profile map' },
      { ...secret, pk: 5, name: 'otherKey', reason: 'its value does not decrypt under the given key' },
      { ...secret, pk: 7, name: 'badVersion', reason: "refused by this store's rules: version must be a semantic version MAJOR.MINOR.PATCH" },
      { ...secret, pk: 6, name: 'openai_api_key', reason: 'another row of the same owner has this name' },
    ]);
    const texts = JSON.stringify({ skipped: report.skipped, renamed: report.renamed, notes: report.notes });
    for (const value of ['sk-openai-dump', 'bob-secret', 'legacy', 'other-key-value', 'sk-openai-again']) expect(texts).not.toContain(value);
  });

  it('takes owners from a profile map first, and taggit\'s natural keys for content types', () => {
    const natural = DUMP.filter((r) => r.model !== 'contenttypes.contenttype').map((r) =>
      r.model === 'taggit.taggeditem' ? { ...r, fields: { ...r.fields, content_type: (r.fields as Record<string, unknown>).content_type === 7 ? ['secret', 'secret'] : ['account', 'account'] } } : r,
    );
    const mapped = readSmarterDump(natural, { key: KEY, profileMap: { 100: 'alice', 999: 'orphan-owner' } });
    expect(mapped.secrets.map((s) => [s.name, s.profileId])).toEqual([
      ['openai_api_key', 'alice'],
      ['secret_1', '3141-5926-5359/bob'],
      ['orphan', 'orphan-owner'],
      ['legacyKey', 'alice'],
    ]);
    expect(mapped.secrets[0]!.tags).toEqual(['Prod']);
    expect(mapped.secrets[1]!.tags).toEqual(['db']);
  });

  it('tells the two labels\' rows apart where their pks repeat: tags by content type, each row named by its model', () => {
    const both = [
      ...DUMP.filter((r) => !r.model.startsWith('taggit.') && !r.model.endsWith('.secret')),
      { model: 'contenttypes.contenttype', pk: 9, fields: { app_label: 'account', model: 'secret' } },
      { model: 'taggit.tag', pk: 1, fields: { name: 'new', slug: 'new' } },
      { model: 'taggit.tag', pk: 2, fields: { name: 'old', slug: 'old' } },
      { model: 'taggit.taggeditem', pk: 1, fields: { tag: 1, content_type: 7, object_id: 1 } },
      { model: 'taggit.taggeditem', pk: 2, fields: { tag: 2, content_type: 9, object_id: 1 } },
      secretRow(1, { name: 'aliceKey', encrypted_value: binary('a') }),
      secretRow(1, { user_profile: 101, name: 'Bob Key', encrypted_value: binary('b') }, 'account.secret'),
    ];
    const read = readSmarterDump(both, { key: KEY });
    expect(read.secrets.map((s) => [s.model, s.pk, s.name, s.tags])).toEqual([
      ['secret.secret', 1, 'aliceKey', ['new']],
      ['account.secret', 1, 'bob_key', ['old']],
    ]);
    expect(read.renamed).toEqual([{ model: 'account.secret', pk: 1, from: 'Bob Key', to: 'bob_key' }]);
    // Without content types in the export, a tag's model cannot be told: it goes to the object id of either label.
    const untyped = readSmarterDump(both.filter((r) => r.model !== 'contenttypes.contenttype'), { key: KEY });
    expect(untyped.secrets.map((s) => s.tags)).toEqual([['new', 'old'], ['new', 'old']]);
  });

  it('sends the import function the secret without the row it came from', () => {
    const [first] = report.secrets;
    const payload = importPayload(first!);
    expect(payload).not.toHaveProperty('model');
    expect(payload).not.toHaveProperty('pk');
    expect(payload).toMatchObject({ profileId: first!.profileId, name: first!.name, value: first!.value });
  });

  it('reports, rather than drops, a pk given twice, a row without fields, and an owner id this store would refuse', () => {
    const odd = [
      ...DUMP.filter((r) => !r.model.endsWith('.secret')),
      secretRow(1, { name: 'first', encrypted_value: binary('1') }),
      secretRow(1, { name: 'again', encrypted_value: binary('2') }),
      { model: 'secret.secret', pk: 2 },
      secretRow(3, { user_profile: 200, name: 'mapped', encrypted_value: binary('3') }),
    ];
    const read = readSmarterDump(odd, { key: KEY, profileMap: { 200: 'has space' } });
    expect(read.secrets.map((s) => s.name)).toEqual(['first']);
    expect(read.skipped).toEqual([
      { model: 'secret.secret', pk: 1, name: 'again', reason: 'the export has another secret.secret row with pk 1; only the first is read' },
      { model: 'secret.secret', pk: 2, name: '', reason: 'the row has no fields' },
      { model: 'secret.secret', pk: 3, name: 'mapped', reason: 'its owner\'s profile id here, "has space", must be printable, without whitespace or invisible characters' },
    ]);
  });

  it('reads annotations given as one map, and says what it leaves out of a list', () => {
    const odd = [
      ...DUMP.filter((r) => !r.model.endsWith('.secret') && !r.model.startsWith('taggit.')),
      secretRow(1, { name: 'asMap', encrypted_value: binary('1'), annotations: { a: '1', b: 2 } }),
      secretRow(2, { name: 'oddList', encrypted_value: binary('2'), annotations: ['loose', { c: '3' }, null] }),
      secretRow(3, { name: 'notAList', encrypted_value: binary('3'), annotations: 'text' }),
    ];
    const read = readSmarterDump(odd, { key: KEY });
    expect(read.secrets.map((s) => s.annotations)).toEqual([{ a: '1', b: '2' }, { c: '3' }, {}]);
    expect(read.notes.map((n) => [n.pk, n.note])).toEqual([
      [2, 'annotation "loose" is not a key and value; left out'],
      [3, 'annotations are not a list of one-key objects; left out'],
    ]);
  });

  it('refuses what is not an export', () => {
    expect(() => readSmarterDump({ rows: [] }, { key: KEY })).toThrow(TypeError);
  });
});

describe('readSmarterDump and accounts', () => {
  it('shares each secret with its owner\'s account, as Smarter does, unless told private', () => {
    const shared = readSmarterDump(DUMP, { key: KEY });
    expect(shared.secrets.map((s) => [s.name, s.accountId, s.visibility])).toEqual([
      ['openai_api_key', '3141-5926-5359', 'account'],
      ['secret_1', '3141-5926-5359', 'account'],
      ['legacyKey', '3141-5926-5359', 'account'],
    ]);
    const kept = readSmarterDump(DUMP, { key: KEY, visibility: 'private' });
    expect(kept.secrets.map((s) => s.visibility)).toEqual(['private', 'private', 'private']);
  });

  it('takes the account from the profile map when it names one, and imports private, said so, when no account is known', () => {
    const report = readSmarterDump(DUMP, { key: KEY, profileMap: { 100: { profileId: 'alice', accountId: 'acme' }, 999: 'orphan-owner' } });
    expect(report.secrets.map((s) => [s.name, s.profileId, s.accountId, s.visibility])).toEqual([
      ['openai_api_key', 'alice', 'acme', 'account'],
      ['secret_1', '3141-5926-5359/bob', '3141-5926-5359', 'account'],
      ['orphan', 'orphan-owner', undefined, 'private'],
      ['legacyKey', 'alice', 'acme', 'account'],
    ]);
    expect(report.notes).toContainEqual({ model: 'secret.secret', pk: 4, name: 'orphan', note: 'its owner has no account in the export or the profile map; imported private' });
  });
});
