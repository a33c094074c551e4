// Reads Smarter's own database export (`manage.py dumpdata`) into the secrets it holds, ready to
// be written here, and reports what cannot come over unchanged (#19: `secret-store import
// smarter`). The facts come from Smarter's source (v0.14.19): secret rows are `secret.secret`, or
// `account.secret` before v0.14.0; `encrypted_value` is a BinaryField, serialized as standard
// base64 of the Fernet token's bytes; the owner is an integer `user_profile`, resolved through
// `account.userprofile`, `account.account` and `auth.user`; tags live in taggit's rows, compared
// case-insensitively; annotations are a list of single-key objects. Nothing here prints a value.
import { parse, secretName, TAG } from '../domain/rules.js';
import { createInput } from '../domain/inputs.js';
import { MultiFernet } from '../crypto/fernet.js';
import { ValidationError } from '../domain/errors.js';

interface DumpRow {
  model: string;
  pk: number | string;
  fields: Record<string, unknown>;
}

export interface ImportedSecret {
  /** The Smarter row it came from. */
  pk: number | string;
  profileId: string;
  /** The owner's account number, when the export (or the profile map) names it. */
  accountId?: string;
  /** `account` (Smarter's behaviour: every member of the account reads it) when the account is known. */
  visibility: 'private' | 'account';
  name: string;
  /** The plaintext, decrypted with Smarter's key: to be sealed under this store's keys. Never print it. */
  value: string;
  description: string;
  version: string;
  tags: string[];
  annotations: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  lastAccessed: string | null;
  expiresAt: string | null;
}

export interface ImportReport {
  secrets: ImportedSecret[];
  skipped: { pk: number | string; name: string; reason: string }[];
  renamed: { pk: number | string; from: string; to: string }[];
  /** Whatever was changed on the way in: annotation conflicts, dropped tags. */
  notes: { pk: number | string; name: string; note: string }[];
}

export interface ImportOptions {
  /** Smarter's FERNET_ENCRYPTION_KEY (or SMARTER_FERNET_ENCRYPTION_KEY). */
  key: string;
  /**
   * Smarter's user_profile id -> this store's profile id (by default `<account number>/<username>`),
   * or -> `{profileId, accountId}`; the account is otherwise the account number in the export.
   */
  profileMap?: Record<string, string | { profileId: string; accountId?: string }>;
  /** What the secrets' visibility is: `account` by default, as Smarter reads secrets account-wide. */
  visibility?: 'private' | 'account';
}

const SECRET_MODELS = new Set(['secret.secret', 'account.secret']);

/** The name Smarter gives a manifest's name: lower case, words joined by single underscores. */
export function smarterSlug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** A Django datetime (UTC, maybe naive, maybe with microseconds) as this store writes one. */
function utc(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  const text = String(value);
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text}Z`;
  const date = new Date(zoned);
  if (Number.isNaN(date.getTime())) throw new Error(`not a datetime: ${text}`);
  return date.toISOString();
}

export function readSmarterDump(rows: unknown, options: ImportOptions): ImportReport {
  if (!Array.isArray(rows)) throw new TypeError('a dumpdata export is a JSON array of rows');
  const byModel = new Map<string, Map<string, DumpRow>>();
  for (const row of rows as DumpRow[]) {
    if (typeof row?.model !== 'string' || typeof row.fields !== 'object' || row.fields === null) continue;
    if (!byModel.has(row.model)) byModel.set(row.model, new Map());
    byModel.get(row.model)!.set(String(row.pk), row);
  }
  const table = (model: string) => byModel.get(model) ?? new Map<string, DumpRow>();
  const fernet = new MultiFernet([options.key]);
  const report: ImportReport = { secrets: [], skipped: [], renamed: [], notes: [] };

  // Which content type is a secret's, for taggit's generic relation (an id, or a natural key).
  const secretContentTypes = new Set<string>();
  for (const [pk, row] of table('contenttypes.contenttype')) {
    if (SECRET_MODELS.has(`${row.fields.app_label}.${row.fields.model}`)) secretContentTypes.add(pk);
  }
  const isSecretContentType = (ct: unknown) =>
    Array.isArray(ct) ? SECRET_MODELS.has(`${ct[0]}.${ct[1]}`) : secretContentTypes.size === 0 || secretContentTypes.has(String(ct));
  const tagsOf = new Map<string, string[]>();
  for (const row of table('taggit.taggeditem').values()) {
    if (!isSecretContentType(row.fields.content_type)) continue;
    const tag = table('taggit.tag').get(String(row.fields.tag));
    if (!tag) continue;
    const key = String(row.fields.object_id);
    tagsOf.set(key, [...(tagsOf.get(key) ?? []), String(tag.fields.name)]);
  }

  const owner = (profile: unknown): { profileId: string; accountId?: string } | undefined => {
    const userProfile = table('account.userprofile').get(String(profile));
    const account = userProfile && table('account.account').get(String(userProfile.fields.account));
    const user = userProfile && table('auth.user').get(String(userProfile.fields.user));
    const accountId = account ? { accountId: String(account.fields.account_number) } : {};
    const mapped = options.profileMap?.[String(profile)];
    if (typeof mapped === 'string') return { profileId: mapped, ...accountId };
    if (mapped !== undefined) return { ...accountId, ...mapped };
    if (!account || !user) return undefined;
    return { profileId: `${account.fields.account_number}/${user.fields.username}`, ...accountId };
  };

  for (const model of SECRET_MODELS) {
    for (const [pk, row] of table(model)) {
      const f = row.fields;
      const original = String(f.name ?? '');
      const skip = (reason: string) => void report.skipped.push({ pk: row.pk, name: original, reason });
      const note = (text: string) => void report.notes.push({ pk: row.pk, name: original, note: text });

      const ownedBy = owner(f.user_profile);
      if (ownedBy === undefined) {
        skip(`its owner (user_profile ${String(f.user_profile)}) is not in the export or the profile map`);
        continue;
      }
      const { profileId, accountId } = ownedBy;
      let name = original;
      try {
        parse(secretName, name, 'name');
      } catch {
        name = smarterSlug(original);
        report.renamed.push({ pk: row.pk, from: original, to: name });
      }

      let value: string;
      try {
        const token = Buffer.from(String(f.encrypted_value ?? ''), 'base64').toString('latin1');
        value = fernet.decrypt(token).toString('utf8');
      } catch {
        skip('its value does not decrypt under the given key');
        continue;
      }

      // Annotations: a list of single-key objects becomes one map; a key given twice keeps its first value.
      const annotations: Record<string, string> = {};
      for (const entry of Array.isArray(f.annotations) ? f.annotations : []) {
        for (const [key, raw] of Object.entries((entry ?? {}) as Record<string, unknown>)) {
          const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
          if (key in annotations && annotations[key] !== text) note(`annotation ${JSON.stringify(key)} is given twice; the first value is kept`);
          else if (!(key in annotations)) annotations[key] = text;
        }
      }

      // Tags, compared case-insensitively as taggit does; one our rule refuses is left out, and said so.
      const tags: string[] = [];
      for (const tag of tagsOf.get(pk) ?? []) {
        if (tags.some((t) => t.toLowerCase() === tag.toLowerCase())) continue;
        if (TAG.test(tag)) tags.push(tag);
        else note(`tag ${JSON.stringify(tag)} is not a valid tag here; left out`);
      }

      const fields = {
        name,
        value,
        description: String(f.description ?? ''),
        version: String(f.version ?? '1.0.0') || '1.0.0',
        tags,
        annotations,
      };
      try {
        parse(createInput, fields);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        skip(`refused by this store's rules: ${error.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
        continue;
      }
      let times: Pick<ImportedSecret, 'createdAt' | 'updatedAt' | 'lastAccessed' | 'expiresAt'>;
      try {
        const createdAt = utc(f.created_at) ?? new Date(0).toISOString();
        times = { createdAt, updatedAt: utc(f.updated_at) ?? createdAt, lastAccessed: utc(f.last_accessed), expiresAt: utc(f.expires_at) };
      } catch (error) {
        skip((error as Error).message);
        continue;
      }
      let visibility = options.visibility ?? 'account';
      if (visibility === 'account' && accountId === undefined) {
        visibility = 'private';
        note('its owner has no account in the export or the profile map; imported private');
      }
      report.secrets.push({ pk: row.pk, profileId, ...(accountId !== undefined && { accountId }), visibility, ...fields, ...times });
    }
  }

  // Two rows that end with one name in one profile: the first stays, the others are reported.
  const seen = new Set<string>();
  report.secrets = report.secrets.filter((s) => {
    const key = `${s.profileId}\n${s.name}`;
    if (!seen.has(key)) return seen.add(key);
    report.skipped.push({ pk: s.pk, name: s.name, reason: 'another row of the same owner has this name' });
    return false;
  });
  return report;
}
