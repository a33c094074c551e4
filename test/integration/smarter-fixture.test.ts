// The committed Smarter export (test/fixtures/smarter-dump.json, written by gen_smarter_dump.py
// with Python `cryptography`) read by readSmarterDump and written through the real import function:
// every secret row accounted for once, against what the generator says each row should become
// (smarter-dump.expected.json), every imported secret read back, and a second import changing nothing.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Fernet, InvalidToken } from '../../lib/crypto/fernet.js';
import { importPayload, readSmarterDump, type ImportedSecret } from '../../lib/migration/smarter-dump.js';
import { useHandlers } from '../support/harness.js';

const fixture = (name: string) => new URL(`../fixtures/${name}`, import.meta.url);
const dump = JSON.parse(readFileSync(fixture('smarter-dump.json'), 'utf8')) as { model: string; pk: number; fields: Record<string, unknown> }[];
const key = readFileSync(fixture('smarter-dump.key'), 'utf8').trim();

interface ExpectedRow {
  model: string;
  pk: number;
  smarterName: string;
  value: string;
  renamed?: string;
  skipped?: 'owner' | 'decrypt' | 'collision';
  notes?: ({ annotation: string } | { tag: string })[];
  imported?: {
    profileId: string;
    name: string;
    description: string;
    version: string;
    tags: string[];
    annotations: Record<string, string>;
    createdAt: string;
    updatedAt: string;
    lastAccessed: string | null;
    expiresAt: string | null;
    expired: boolean;
  };
}
const expected = JSON.parse(readFileSync(fixture('smarter-dump.expected.json'), 'utf8')) as { secretRows: number; secrets: ExpectedRow[] };
const imported = expected.secrets.filter((r) => r.imported !== undefined).map((r) => ({ ...r, ...r.imported! }));

// What the report must say for each kind of skip the generator made.
const REASONS = {
  owner: /^its owner \(user_profile \d+\) is not in the export or the profile map$/,
  decrypt: /^its value does not decrypt under the given key$/,
  collision: /^another row of the same owner has this name$/,
};
const NOTES = {
  annotation: (k: string) => `annotation ${JSON.stringify(k)} is given twice; the first value is kept`,
  tag: (t: string) => `tag ${JSON.stringify(t)} is not a valid tag here; left out`,
};

const rowKey = (r: { model: string; pk: number | string }) => `${r.model}#${r.pk}`;
const secretRows = dump.filter((r) => r.model === 'secret.secret' || r.model === 'account.secret');

const harness = useHandlers();
const { direct } = harness;

/** Through the import function as the CLI sends them: 25 a call, each answer's outcomes in order. */
async function importAll(secrets: ImportedSecret[]): Promise<string[]> {
  const outcomes: string[] = [];
  for (let i = 0; i < secrets.length; i += 25) {
    const answer = (await direct('import', { secrets: secrets.slice(i, i + 25).map(importPayload) })) as { results: { outcome: string }[] };
    outcomes.push(...answer.results.map((r) => r.outcome));
  }
  return outcomes;
}
const hasPython = spawnSync('python3', ['-c', 'import cryptography.fernet'], { stdio: 'ignore' }).status === 0;

describe('the committed Smarter export', () => {
  const report = readSmarterDump(dump, { key });

  it.skipIf(!hasPython)('is exactly what test/fixtures/gen_smarter_dump.py writes', () => {
    const run = spawnSync('python3', [new URL('../fixtures/gen_smarter_dump.py', import.meta.url).pathname, '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('holds Python-made Fernet tokens, as BinaryField base64, that our Fernet opens with Smarter\'s key', () => {
    expect(secretRows).toHaveLength(expected.secretRows);
    const byRow = new Map(expected.secrets.map((r) => [rowKey(r), r]));
    let opened = 0;
    for (const row of secretRows) {
      const want = byRow.get(rowKey(row))!;
      const encoded = String(row.fields.encrypted_value);
      expect(encoded).toMatch(/^Z0FBQUFB[A-Za-z0-9+/]+=*$/);
      const token = Buffer.from(encoded, 'base64').toString('latin1');
      expect(token).toMatch(/^gAAAAA[A-Za-z0-9_-]+=*$/);
      if (want.skipped === 'decrypt') {
        expect(() => new Fernet(key).decrypt(token)).toThrow(InvalidToken);
        continue;
      }
      expect(new Fernet(key).decrypt(token).toString('utf8')).toBe(want.value);
      opened += 1;
    }
    expect(opened).toBe(expected.secrets.filter((r) => r.skipped !== 'decrypt').length);
  });

  it('accounts for every secret row exactly once: imported as the generator meant, or skipped with its reason', () => {
    const outcomes = [...report.secrets.map((s) => rowKey(s)), ...report.skipped.map((s) => rowKey(s))];
    expect([...outcomes].sort()).toEqual(expected.secrets.map(rowKey).sort());

    const bySource = new Map(report.secrets.map((s) => [rowKey(s), s]));
    for (const want of imported) {
      const got = bySource.get(rowKey(want));
      expect(got, rowKey(want)).toBeDefined();
      expect(got, rowKey(want)).toMatchObject({
        profileId: want.profileId,
        name: want.name,
        value: want.value,
        description: want.description,
        version: want.version,
        tags: want.tags,
        annotations: want.annotations,
        createdAt: want.createdAt,
        updatedAt: want.updatedAt,
        lastAccessed: want.lastAccessed,
        expiresAt: want.expiresAt,
      });
    }
    for (const want of expected.secrets.filter((r) => r.skipped !== undefined)) {
      const got = report.skipped.find((s) => rowKey(s) === rowKey(want));
      expect(got?.reason, rowKey(want)).toMatch(REASONS[want.skipped!]);
    }
  });

  it('reports each rename and each change on the way in, and no value in any of it', () => {
    const renames = expected.secrets.filter((r) => r.renamed !== undefined).map((r) => ({ model: r.model, pk: r.pk, from: r.smarterName, to: r.renamed }));
    expect(report.renamed).toEqual(renames);
    const notes = expected.secrets.flatMap((r) =>
      (r.notes ?? []).map((n) => ({ model: r.model, pk: r.pk, name: r.smarterName, note: 'tag' in n ? NOTES.tag(n.tag) : NOTES.annotation(n.annotation) })),
    );
    expect(report.notes).toEqual(notes);
    const texts = JSON.stringify({ skipped: report.skipped, renamed: report.renamed, notes: report.notes });
    for (const row of expected.secrets) expect(texts).not.toContain(row.value);
  });

  it('writes every secret through the import function, each read back with its value, tags, annotations and times', async () => {
    expect(await importAll(report.secrets)).toEqual(imported.map(() => 'imported'));

    for (const want of imported) {
      const list = (await direct('list', { userProfileId: want.profileId, expired: 'include', limit: 100 })) as { items: Record<string, unknown>[] };
      const listed = list.items.find((s) => s.name === want.name);
      const metadata = {
        name: want.name,
        description: want.description,
        version: want.version,
        tags: want.tags,
        annotations: want.annotations,
        createdAt: want.createdAt,
        updatedAt: want.updatedAt,
        expiresAt: want.expiresAt,
        expired: want.expired,
        revision: 1,
      };
      // Listed before it is read: a get records a new lastAccessed.
      expect(listed, rowKey(want)).toMatchObject({ ...metadata, lastAccessed: want.lastAccessed });
      const read = direct('get', { userProfileId: want.profileId, name: want.name });
      if (want.expired) await expect(read).rejects.toMatchObject({ name: 'SecretExpired' });
      else expect(await read, rowKey(want)).toMatchObject({ ...metadata, value: want.value });
    }

    // Nothing else is in the store: exactly one secret per imported row, under its owner and name.
    const items = (await harness.store.scanAll()).filter((i) => String(i.sk).startsWith('SECRET#'));
    expect(items.map((i) => `${String(i.profileId)} ${String(i.sk)}`).sort()).toEqual(imported.map((r) => `${r.profileId} SECRET#${r.name}`).sort());
  });

  it('changes nothing when the same export is imported again', async () => {
    const before = await harness.store.scanAll();
    expect(await importAll(readSmarterDump(dump, { key }).secrets)).toEqual(imported.map(() => 'exists'));
    expect(await harness.store.scanAll()).toEqual(before);
  });
});
