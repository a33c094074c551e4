// Reads Smarter's own database export (`manage.py dumpdata`) into the secrets it holds, ready to
// be written here, and reports what cannot come over unchanged (#19: `secret-store import
// smarter`). The facts come from Smarter's source (v0.14.19): secret rows are `secret.secret`, or
// `account.secret` before v0.14.0; `encrypted_value` is a BinaryField, serialized as standard
// base64 of the Fernet token's bytes; the owner is an integer `user_profile`, resolved through
// `account.userprofile`, `account.account` and `auth.user`; tags live in taggit's rows, compared
// case-insensitively; annotations are a list of single-key objects. Nothing here prints a value.
import { accountId as accountIdRule, parse, secretName, TAG, userProfileId } from '../domain/rules.js';
import { createInput } from '../domain/inputs.js';
import { MultiFernet } from '../crypto/fernet.js';
import { ValidationError } from '../domain/errors.js';

interface DumpRow {
  model: string;
  pk: number | string;
  fields: Record<string, unknown>;
}

/** Which Smarter row: pks repeat across the two labels (`secret.secret`, `account.secret`). */
export interface RowRef {
  model: string;
  pk: number | string;
}

export interface ImportedSecret extends RowRef {
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
  skipped: (RowRef & { name: string; reason: string })[];
  renamed: (RowRef & { from: string; to: string })[];
  /** Whatever was changed on the way in: annotation conflicts, dropped tags. */
  notes: (RowRef & { name: string; note: string })[];
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

/**
 * The name Smarter gives a manifest's name (AbstractSAMMetadataBase.validate_name): Django's
 * `slugify` (ASCII only, lower case, punctuation dropped, spaces and dashes joined by one dash,
 * dashes and underscores trimmed), dashes as underscores, runs of underscores as one.
 * `Secret 1` -> `secret_1`, `stripe.live` -> `stripelive`.
 */
export function smarterSlug(name: string): string {
  // Python's \s, on ASCII, also matches \x1c-\x1f.
  /* eslint-disable no-control-regex */
  return name
    .normalize('NFKD')
    .replace(/[\u0080-\uffff]/g, '')
    .toLowerCase()
    .replace(/[^\w\s\x1c-\x1f-]/g, '')
    .replace(/[-\s\x1c-\x1f]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .replace(/-/g, '_')
    .replace(/_+/g, '_');
  /* eslint-enable no-control-regex */
}

/** The import function's fields for a secret read from the export (what the row was is not sent). */
export function importPayload({ model: _model, pk: _pk, ...secret }: ImportedSecret): Omit<ImportedSecret, keyof RowRef> {
  return secret;
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
  // Secret rows are kept as a list: a pk given twice is reported, not overwritten unseen.
  const secretRows = new Map<string, DumpRow[]>([...SECRET_MODELS].map((m) => [m, []]));
  for (const row of rows as DumpRow[]) {
    if (typeof row?.model !== 'string') continue;
    if (SECRET_MODELS.has(row.model)) secretRows.get(row.model)!.push(row);
    else if (typeof row.fields === 'object' && row.fields !== null) {
      if (!byModel.has(row.model)) byModel.set(row.model, new Map());
      byModel.get(row.model)!.set(String(row.pk), row);
    }
  }
  const table = (model: string) => byModel.get(model) ?? new Map<string, DumpRow>();
  const fernet = new MultiFernet([options.key]);
  const report: ImportReport = { secrets: [], skipped: [], renamed: [], notes: [] };

  // Tags by secret model and object id, since pks repeat across the two labels. A content type is
  // an id of a contenttypes row or a natural key; an id the export does not list may be either
  // label's ('*'), but only when the export has no content types at all.
  const contentTypes = new Map<string, string>();
  for (const [pk, row] of table('contenttypes.contenttype')) contentTypes.set(pk, `${row.fields.app_label}.${row.fields.model}`);
  const labelOf = (ct: unknown): string | undefined => {
    const label = Array.isArray(ct) ? `${ct[0]}.${ct[1]}` : contentTypes.size === 0 ? '*' : contentTypes.get(String(ct));
    return label === '*' || (label !== undefined && SECRET_MODELS.has(label)) ? label : undefined;
  };
  const tagsOf = new Map<string, string[]>();
  for (const row of table('taggit.taggeditem').values()) {
    const label = labelOf(row.fields.content_type);
    if (label === undefined) continue;
    const tag = table('taggit.tag').get(String(row.fields.tag));
    if (!tag) continue;
    const key = `${label}#${String(row.fields.object_id)}`;
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

  for (const [model, rowsOfModel] of secretRows) {
    const pks = new Set<string>();
    for (const row of rowsOfModel) {
      const pk = String(row.pk);
      const f = (typeof row.fields === 'object' && row.fields !== null ? row.fields : {}) as Record<string, unknown>;
      const original = String(f.name ?? '');
      const ref = { model, pk: row.pk };
      const skip = (reason: string) => void report.skipped.push({ ...ref, name: original, reason });
      const note = (text: string) => void report.notes.push({ ...ref, name: original, note: text });

      if (pks.has(pk)) {
        skip(`the export has another ${model} row with pk ${pk}; only the first is read`);
        continue;
      }
      pks.add(pk);
      if (f !== row.fields) {
        skip('the row has no fields');
        continue;
      }
      const ownedBy = owner(f.user_profile);
      if (ownedBy === undefined) {
        skip(`its owner (user_profile ${String(f.user_profile)}) is not in the export or the profile map`);
        continue;
      }
      const { profileId, accountId } = ownedBy;
      try {
        parse(userProfileId, profileId, 'profileId');
        if (accountId !== undefined) parse(accountIdRule, accountId, 'accountId');
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        skip(`its owner's ${error.errors[0]!.path === 'accountId' ? `account id here, ${JSON.stringify(accountId)}` : `profile id here, ${JSON.stringify(profileId)}`}, ${error.errors.map((e) => e.message).join('; ')}`);
        continue;
      }
      let name = original;
      try {
        parse(secretName, name, 'name');
      } catch {
        name = smarterSlug(original);
        report.renamed.push({ ...ref, from: original, to: name });
      }

      let value: string;
      try {
        const token = Buffer.from(String(f.encrypted_value ?? ''), 'base64').toString('latin1');
        value = fernet.decrypt(token).toString('utf8');
      } catch {
        skip('its value does not decrypt under the given key');
        continue;
      }

      // Annotations: a list of single-key objects becomes one map; a key given twice keeps its first
      // value. A map instead of a list is read as one; anything else is said and left out.
      const annotations: Record<string, string> = {};
      const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
      const entries = Array.isArray(f.annotations) ? (f.annotations as unknown[]) : isMap(f.annotations) ? [f.annotations] : [];
      if (f.annotations != null && !Array.isArray(f.annotations) && !isMap(f.annotations)) note('annotations are not a list of one-key objects; left out');
      for (const entry of entries) {
        if (!isMap(entry)) {
          if (entry != null) note(`annotation ${JSON.stringify(entry)} is not a key and value; left out`);
          continue;
        }
        for (const [key, raw] of Object.entries(entry)) {
          const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
          if (key in annotations && annotations[key] !== text) note(`annotation ${JSON.stringify(key)} is given twice; the first value is kept`);
          else if (!(key in annotations)) annotations[key] = text;
        }
      }

      // Tags, compared case-insensitively as taggit does; one our rule refuses is left out, and said so.
      const tags: string[] = [];
      for (const tag of [...(tagsOf.get(`${model}#${pk}`) ?? []), ...(tagsOf.get(`*#${pk}`) ?? [])]) {
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
      report.secrets.push({ ...ref, profileId, ...(accountId !== undefined && { accountId }), visibility, ...fields, ...times });
    }
  }

  // Two rows that end with one name in one profile: the first stays, the others are reported.
  const seen = new Set<string>();
  report.secrets = report.secrets.filter((s) => {
    const key = `${s.profileId}\n${s.name}`;
    if (!seen.has(key)) return seen.add(key);
    report.skipped.push({ model: s.model, pk: s.pk, name: s.name, reason: 'another row of the same owner has this name' });
    return false;
  });
  return report;
}
