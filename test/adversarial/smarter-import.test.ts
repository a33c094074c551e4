// An import from Smarter never loses or invents a secret, as a property: random dumpdata exports
// (owners across accounts, names that need slugging or collide, case-variant and foreign tags,
// annotation lists, rows under another key, expired rows, owners the export does not resolve)
// read by readSmarterDump and written through the real import function. Every secret row is
// accounted for exactly once, imported with its own value under its slugged name or skipped with
// the reason it was meant to be; the store holds exactly what was imported; a second import
// changes nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fernet } from '../../lib/crypto/fernet.js';
import { parse, secretName, TAG } from '../../lib/domain/rules.js';
import { importPayload, readSmarterDump, smarterSlug, type ImportReport, type ImportedSecret } from '../../lib/migration/smarter-dump.js';
import { useHandlers } from '../support/harness.js';
import { RUNS, expectNoPlaintext, fcParams, marker, timeoutFor } from './support.js';

const harness = useHandlers({ env: { POWERTOOLS_LOG_LEVEL: 'DEBUG' }, captureLogs: true, auditStream: true });
const { direct, summary } = harness;

const KEY = Fernet.generateKey();
const OTHER_KEY = Fernet.generateKey();
const CONTENT_TYPES: Record<string, number> = { 'account.account': 7, 'account.secret': 9, 'secret.secret': 10, 'plugin.pluginmeta': 11 };

// Names Smarter's ORM allows (any text up to 255): valid here, camelCase, needing a slug, slugging
// onto each other, slugging to nothing, too long once slugged.
const NAMES = ['apiKey', 'api_key', 'API Key', 'api-key', 'Api.Key', 'Secret 1', 'secret_1', 'openai_api_key', 'openai-api-key', 'OpenAI API Key', 'dbPassword', 'x', 'Straße Key', '!!!', 'k'.repeat(129)];
// Django allows any \w, @, ., +, - in a username; a decomposed accent is not an id this store takes.
const USERNAMES = ['admin', 'alice@example.com', 'bob', 'carol+ops@example.com', 'dävid', 'frank', 'grace', 'heidi', 'e\u0301ve'];
const TAGS = ['prod', 'Prod', 'PROD', 'db', 'has space', 'team:a', 'x/y', 'ünï'];
const ANNOTATION_KEYS = ['smarter.sh/owner', 'team', 'port', 'a'];

interface RowSpec {
  model: 'secret.secret' | 'account.secret';
  pk: number;
  profile: number;
  name: string;
  wrongKey: boolean;
  description: string | null;
  version: string | null;
  annotations: Record<string, unknown>[];
  tags: number[];
  created: Date;
  updated: Date;
  accessed: Date | null;
  expires: 'none' | 'past' | 'future';
  naive: boolean;
}
interface DumpSpec {
  accounts: number;
  users: string[];
  /** [user index or a user not in the export, account index] */
  profiles: [number, number][];
  rows: RowSpec[];
  foreignTags: { model: string; objectId: number; tag: number }[];
  naturalKeys: boolean;
}

const date = fc.date({ min: new Date('2015-01-01T00:00:00Z'), max: new Date('2026-01-01T00:00:00Z'), noInvalidDate: true });
const rowArb = (profiles: number) =>
  fc.record({
    model: fc.oneof({ weight: 4, arbitrary: fc.constant('secret.secret' as const) }, fc.constant('account.secret' as const)),
    pk: fc.integer({ min: 1, max: 12 }),
    // Profile pks are 100 + index; 999 is in no export.
    profile: fc.oneof({ weight: 12, arbitrary: fc.nat(profiles - 1).map((i) => 100 + i) }, fc.constant(999)),
    name: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...NAMES) }, fc.string({ maxLength: 12 })),
    wrongKey: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, fc.constant(true)),
    description: fc.oneof({ weight: 12, arbitrary: fc.constantFrom<string | null>('', 'from Smarter', null) }, fc.constant('d'.repeat(2049))),
    version: fc.oneof({ weight: 12, arbitrary: fc.constantFrom<string | null>('1.0.0', '2.1.0-beta.1', null) }, fc.constant('one')),
    annotations: fc.array(fc.dictionary(fc.constantFrom(...ANNOTATION_KEYS), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean()), { minKeys: 1, maxKeys: 1 }), { maxLength: 4 }),
    tags: fc.uniqueArray(fc.nat(TAGS.length - 1), { maxLength: 4 }),
    created: date,
    updated: date,
    accessed: fc.option(date, { nil: null }),
    expires: fc.constantFrom<RowSpec['expires']>('none', 'none', 'past', 'future'),
    naive: fc.boolean(),
  });
const dumpArb: fc.Arbitrary<DumpSpec> = fc
  .record({
    accounts: fc.integer({ min: 1, max: 3 }),
    users: fc.uniqueArray(fc.constantFrom(...USERNAMES), { minLength: 1, maxLength: 4 }),
    naturalKeys: fc.boolean(),
  })
  .chain(({ accounts, users, naturalKeys }) =>
    fc
      .uniqueArray(fc.tuple(fc.oneof({ weight: 10, arbitrary: fc.nat(users.length - 1) }, fc.constant(99)), fc.nat(accounts - 1)), {
        minLength: 1,
        maxLength: 5,
        selector: ([u, a]) => `${u}/${a}`,
      })
      .chain((profiles) =>
        fc.record({
          accounts: fc.constant(accounts),
          users: fc.constant(users),
          naturalKeys: fc.constant(naturalKeys),
          profiles: fc.constant(profiles as [number, number][]),
          // Unique pks within a label, as dumpdata writes them; the two labels' pks overlap.
          rows: fc.uniqueArray(rowArb(profiles.length), { maxLength: 12, selector: (r) => `${r.model}#${r.pk}` }),
          foreignTags: fc.array(
            fc.record({ model: fc.constantFrom('account.account', 'plugin.pluginmeta'), objectId: fc.integer({ min: 1, max: 12 }), tag: fc.nat(TAGS.length - 1) }),
            { maxLength: 3 },
          ),
        }),
      ),
  );

/** A datetime as DjangoJSONEncoder writes it (milliseconds only when there are any), or naive. */
const django = (d: Date, naive: boolean) => {
  const text = d.toISOString().replace('.000Z', 'Z');
  return naive ? text.replace(/Z$/, '') : text;
};
const PAST = new Date('2021-03-04T05:06:07Z');
const FUTURE = new Date('2099-12-31T23:59:59Z');

interface Built {
  dump: unknown[];
  values: Map<string, string>;
  owners: Map<number, string | undefined>;
}

/** The export a spec describes; values are fresh plaintext markers. */
function build(spec: DumpSpec, run: number): Built {
  const accountNumber = (a: number) => `${String(run).padStart(4, '0')}-${String(a + 1).padStart(4, '0')}-0000`;
  const dump: unknown[] = [];
  spec.users.forEach((username, u) => dump.push({ model: 'auth.user', pk: u + 1, fields: { username, is_staff: false } }));
  for (let a = 0; a < spec.accounts; a += 1) dump.push({ model: 'account.account', pk: a + 1, fields: { account_number: accountNumber(a), company_name: `c${a}` } });
  const owners = new Map<number, string | undefined>([[999, undefined]]);
  spec.profiles.forEach(([u, a], i) => {
    dump.push({ model: 'account.userprofile', pk: 100 + i, fields: { user: u + 1, account: a + 1 } });
    owners.set(100 + i, u === 99 ? undefined : `${accountNumber(a)}/${spec.users[u]}`);
  });
  if (!spec.naturalKeys) {
    for (const [label, pk] of Object.entries(CONTENT_TYPES)) {
      const [app_label, model] = label.split('.');
      dump.push({ model: 'contenttypes.contenttype', pk, fields: { app_label, model } });
    }
  }
  TAGS.forEach((name, t) => dump.push({ model: 'taggit.tag', pk: t + 1, fields: { name, slug: `s${t}` } }));
  const contentType = (label: string) => (spec.naturalKeys ? label.split('.') : CONTENT_TYPES[label]);
  const tagged = [...spec.rows.flatMap((r) => r.tags.map((tag) => ({ model: r.model, objectId: r.pk, tag }))), ...spec.foreignTags];
  tagged.forEach(({ model, objectId, tag }, i) => dump.push({ model: 'taggit.taggeditem', pk: i + 1, fields: { tag: tag + 1, content_type: contentType(model), object_id: objectId } }));
  const values = new Map<string, string>();
  for (const r of spec.rows) {
    const value = marker('smarter');
    values.set(`${r.model}#${r.pk}`, value);
    const token = new Fernet(r.wrongKey ? OTHER_KEY : KEY).encrypt(value);
    const expires = r.expires === 'past' ? PAST : r.expires === 'future' ? FUTURE : null;
    dump.push({
      model: r.model,
      pk: r.pk,
      fields: {
        created_at: django(r.created, r.naive),
        updated_at: django(r.updated, r.naive),
        name: r.name,
        description: r.description,
        version: r.version,
        annotations: r.annotations,
        last_accessed: r.accessed && django(r.accessed, r.naive),
        expires_at: expires && django(expires, r.naive),
        user_profile: r.profile,
        encrypted_value: Buffer.from(token, 'latin1').toString('base64'),
      },
    });
  }
  return { dump, values, owners };
}

const isValidName = (name: string) => {
  try {
    parse(secretName, name, 'name');
    return true;
  } catch {
    return false;
  }
};
const SEMVER_OK = new Set(['1.0.0', '2.1.0-beta.1', null]);

type Expectation =
  | { outcome: 'skipped'; reason: RegExp }
  | { outcome: 'candidate'; profileId: string; name: string; tags: string[]; annotations: Record<string, string>; createdAt: string; expired: boolean };

/** What the contract says each row becomes, before collisions between rows are settled. */
function expectationOf(r: RowSpec, built: Built): Expectation {
  const profileId = built.owners.get(r.profile);
  if (profileId === undefined) return { outcome: 'skipped', reason: /^its owner \(user_profile \d+\) is not in the export or the profile map$/ };
  if (profileId.normalize('NFC') !== profileId) return { outcome: 'skipped', reason: /^its owner's profile id here, .* must be in Unicode normalization form C$/ };
  if (r.wrongKey) return { outcome: 'skipped', reason: /^its value does not decrypt under the given key$/ };
  const name = isValidName(r.name) ? r.name : smarterSlug(r.name);
  if (!isValidName(name) || (r.description ?? '').length > 2048 || !SEMVER_OK.has(r.version)) {
    return { outcome: 'skipped', reason: /^refused by this store's rules: / };
  }
  const annotations: Record<string, string> = {};
  for (const entry of r.annotations) {
    for (const [k, v] of Object.entries(entry)) if (!(k in annotations)) annotations[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  // Its own tags only (the other label's row of the same pk, or another model's, has its own),
  // once whatever the case, the first spelling kept, those this store refuses left out.
  const tags: string[] = [];
  for (const tag of r.tags.map((t) => TAGS[t]!)) {
    if (!tags.some((x) => x.toLowerCase() === tag.toLowerCase()) && TAG.test(tag)) tags.push(tag);
  }
  return { outcome: 'candidate', profileId, name, tags, annotations, createdAt: r.created.toISOString(), expired: r.expires === 'past' };
}

const rowKey = (r: { model: string; pk: number | string }) => `${r.model}#${r.pk}`;

/** Checks the report against the spec; returns the rows that must be in the store, by owner and name. */
function checkReport(spec: DumpSpec, built: Built, report: ImportReport): Map<string, { key: string; expired: boolean; tags: string[]; annotations: Record<string, string> }> {
  // Every secret row exactly once: imported or skipped.
  const outcomes = [...report.secrets.map(rowKey), ...report.skipped.map(rowKey)];
  expect([...outcomes].sort()).toEqual(spec.rows.map(rowKey).sort());
  const imported = new Map(report.secrets.map((s) => [rowKey(s), s]));
  const skipped = new Map(report.skipped.map((s) => [rowKey(s), s]));
  const winners = new Map<string, { key: string; expired: boolean; tags: string[]; annotations: Record<string, string> }>();
  const groups = new Map<string, string[]>();
  for (const r of spec.rows) {
    const key = rowKey(r);
    const want = expectationOf(r, built);
    if (want.outcome === 'skipped') {
      expect(skipped.get(key)?.reason, key).toMatch(want.reason);
      continue;
    }
    const slot = `${want.profileId} ${want.name}`;
    groups.set(slot, [...(groups.get(slot) ?? []), key]);
    const got = imported.get(key);
    if (got === undefined) {
      expect(skipped.get(key)?.reason, key).toBe('another row of the same owner has this name');
      continue;
    }
    // Spelled out, so that a field added to the report (e.g. by another change) does not matter here.
    expect({ profileId: got.profileId, name: got.name, value: got.value, tags: got.tags, annotations: got.annotations, createdAt: got.createdAt }, key).toEqual({
      profileId: want.profileId,
      name: want.name,
      value: built.values.get(key),
      tags: want.tags,
      annotations: want.annotations,
      createdAt: want.createdAt,
    });
    winners.set(slot, { key, expired: want.expired, tags: want.tags, annotations: want.annotations });
  }
  // Of the rows that end with one owner and name, exactly one is imported.
  for (const [slot, keys] of groups) expect(keys.filter((k) => imported.has(k)), slot).toHaveLength(1);
  // Each rename is Smarter's slug of a name this store refuses; every imported name is the row's or its slug.
  for (const r of report.renamed) {
    expect(isValidName(r.from)).toBe(false);
    expect(r.to).toBe(smarterSlug(r.from));
  }
  for (const s of report.secrets) {
    const row = spec.rows.find((r) => rowKey(r) === rowKey(s))!;
    if (s.name !== row.name) expect(report.renamed).toContainEqual(expect.objectContaining({ model: s.model, pk: s.pk, from: row.name, to: s.name }));
  }
  // No value in what the report says about rows.
  const texts = JSON.stringify({ skipped: report.skipped, renamed: report.renamed, notes: report.notes });
  for (const value of built.values.values()) expect(texts).not.toContain(value);
  return winners;
}

async function importAll(secrets: ImportedSecret[]): Promise<string[]> {
  const outcomes: string[] = [];
  for (let i = 0; i < secrets.length; i += 25) {
    const answer = (await direct('import', { secrets: secrets.slice(i, i + 25).map(importPayload) })) as { results: { outcome: string }[] };
    outcomes.push(...answer.results.map((r) => r.outcome));
  }
  return outcomes;
}

// One export with every situation the property is about, run first whatever the seed.
const row = (model: RowSpec['model'], pk: number, profile: number, name: string, more: Partial<RowSpec> = {}): RowSpec => ({
  model, pk, profile, name, wrongKey: false, description: '', version: '1.0.0', annotations: [], tags: [],
  created: new Date('2024-05-01T12:00:00.123Z'), updated: new Date('2024-06-01T00:00:00Z'), accessed: null, expires: 'none', naive: false, ...more,
});
const EVERY_SITUATION: DumpSpec = {
  accounts: 2,
  users: ['alice@example.com', 'bob', 'e\u0301ve'],
  profiles: [[0, 0], [1, 0], [0, 1], [99, 1], [2, 1]],
  naturalKeys: false,
  rows: [
    row('secret.secret', 1, 100, 'openai_api_key', { tags: [0, 1], annotations: [{ team: 'red' }, { team: 'blue' }] }),
    row('secret.secret', 2, 100, 'openai-api-key'),
    row('account.secret', 1, 101, 'API Key', { tags: [3] }),
    row('secret.secret', 3, 101, 'dbPassword', { wrongKey: true }),
    row('secret.secret', 4, 102, 'Secret 1', { expires: 'past', naive: true }),
    row('secret.secret', 5, 999, 'orphan'),
    row('secret.secret', 6, 103, 'ghost'),
    row('secret.secret', 7, 104, 'eveKey'),
    row('secret.secret', 8, 102, '!!!'),
    row('secret.secret', 9, 102, 'github_pat', { expires: 'future', tags: [4, 5] }),
  ],
  foreignTags: [{ model: 'account.account', objectId: 1, tag: 2 }],
};

const IMPORT_RUNS = Math.max(5, Math.round(RUNS * 0.15));
const counts = { rows: 0, imported: 0, skipped: 0, renamed: 0, collisions: 0, expired: 0 };

describe('an import from Smarter', () => {
  it(`reads every secret row of a random export exactly once, as the contract says (${RUNS} exports)`, () => {
    let run = 0;
    fc.assert(
      fc.property(dumpArb, (spec) => {
        run += 1;
        const built = build(spec, 9000 + (run % 1000));
        checkReport(spec, built, readSmarterDump(built.dump, { key: KEY }));
      }),
      { ...fcParams(RUNS), examples: [[EVERY_SITUATION]] },
    );
  });

  it(`never loses or invents a secret through the import function, and a second import changes nothing (${IMPORT_RUNS} exports)`, async () => {
    let run = 0;
    // Every secret any run imported: the table must hold exactly these.
    const everything = new Set<string>();
    await fc.assert(
      fc.asyncProperty(dumpArb, async (spec) => {
        run += 1;
        expect(run).toBeLessThan(9000);
        const built = build(spec, run);
        const report = readSmarterDump(built.dump, { key: KEY });
        const winners = checkReport(spec, built, report);
        counts.rows += spec.rows.length;
        counts.imported += report.secrets.length;
        counts.skipped += report.skipped.length;
        counts.renamed += report.renamed.length;
        counts.collisions += report.skipped.filter((s) => s.reason.startsWith('another row')).length;

        // Owners are new in each run, so everything read arrives.
        expect(await importAll(report.secrets)).toEqual(report.secrets.map(() => 'imported'));
        for (const s of report.secrets) everything.add(`${s.profileId} SECRET#${s.name}`);
        for (const [slot, want] of winners) {
          const s = report.secrets.find((x) => rowKey(x) === want.key)!;
          const read = direct('get', { userProfileId: s.profileId, name: s.name });
          if (want.expired) {
            counts.expired += 1;
            await expect(read, slot).rejects.toMatchObject({ name: 'SecretExpired' });
            const listed = (await direct('list', { userProfileId: s.profileId, expired: 'only', limit: 100 })) as { items: { name: string }[] };
            expect(listed.items.map((i) => i.name), slot).toContain(s.name);
          } else {
            expect(await read, slot).toMatchObject({ name: s.name, value: built.values.get(want.key), tags: want.tags, annotations: want.annotations, createdAt: s.createdAt });
          }
        }
        // Nothing in the table that no row produced, in this run or an earlier one.
        const before = await harness.store.scanAll();
        const secrets = before.filter((i) => String(i.sk).startsWith('SECRET#')).map((i) => `${String(i.profileId)} ${String(i.sk)}`);
        expect(secrets.sort()).toEqual([...everything].sort());

        // The same export again: every secret is already there, and the table is as it was.
        const again = readSmarterDump(built.dump, { key: KEY });
        expect(again.secrets.map(rowKey)).toEqual(report.secrets.map(rowKey));
        expect(await importAll(again.secrets)).toEqual(again.secrets.map(() => 'exists'));
        expect(await harness.store.scanAll()).toEqual(before);
      }),
      { ...fcParams(IMPORT_RUNS), examples: [[EVERY_SITUATION]] },
    );
    summary.push(`smarter-import: ${run} exports, ${Object.entries(counts).map(([k, n]) => `${k}:${n}`).join(' ')}; none lost, none invented`);
    // The cases the property is about were met.
    for (const [what, n] of Object.entries(counts)) expect(n, what).toBeGreaterThan(0);
  }, timeoutFor(IMPORT_RUNS, 3_000));

  it('leaves no plaintext in the table or the logs', async () => {
    const seen = await expectNoPlaintext(harness);
    summary.push(`smarter-import: no plaintext in ${seen.items} raw items or ${seen.logLines} log lines`);
  });
});
