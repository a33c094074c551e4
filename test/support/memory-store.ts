// An in-memory SecretStore (the port SecretService takes) for fast unit tests. It keeps items in a
// Map keyed by pk/sk and reproduces what SecretRepository's condition expressions decide:
// - create: SecretAlreadyExists for a taken name, unless the stored item has the same id (the SDK
//   retried a write that had taken effect: success, nothing written again); createOrRead answers
//   the stored item instead;
// - recordAccess, expire, update: SecretNotFound when absent, SecretExpired when expiresAt <= now;
//   expire refuses an `at` later than the current expiry (ValidationError); update sets only the fields given, `expiresAt: null` removes expiresAt/expiryShard/expiryDue,
//   and an If-Match naming no current revision on a live secret is PreconditionFailed;
// - delete removes the item; list is the partition in sk order with prefix, tag and expired
//   filters, `after` exclusive, at most `limit` items, `after` the last one when another match follows, and only
//   the attributes a list projects (never token or binding);
// - nameOfId answers SecretNotFound for an unknown id and for another profile's id alike;
// - dueInShard reads the sparse expiry index (expiryShard, expiryDue <= now) in (expiryDue, pk, sk)
//   order; like a DynamoDB Query with Limit, a full page returns a nextKey even if nothing follows;
// - sweep removes token, binding, expiryShard, expiryDue and sets sweptAt/purgeAt only while the
//   item is in the index and due (true), else false;
// - sealedSecretsPage is a Scan: Limit counts items read before the token filter, so a page may
//   hold fewer items than the limit and still have a nextKey;
// - replaceToken writes only if the stored token is still the one read;
// - the *Once methods (keyed writes) write the key's record with the operation, atomically: an
//   earlier record in its time answers instead; a change whose secret is no longer at the revision
//   read answers `moved`; readRequest returns the record in its time and the secret.
// Each request is atomic, as DynamoDB's are; write tokens (for SDK retries) are not modelled. Every answer is a copy (structuredClone), never a stored
// object. `calls` counts requests per method. Not modelled: database failures (503), the wire format
// of a failed condition's item, and the order of equal expiryDue values (DynamoDB leaves it open).
// memoryService() wires a SecretService to it with a real Sealer, a movable clock and deterministic
// ids: the seam test/unit/service*.test.ts drive.
import type { RevisionMatch } from '../../lib/domain/rules.js';
import { PreconditionFailed, SecretAlreadyExists, SecretExpired, SecretNotFound, ValidationError } from '../../lib/domain/errors.js';
import { isExpiredAt, PUBLIC_SOURCE_ATTRIBUTES, type SecretItem } from '../../lib/domain/secret.js';
import { Sealer, type SealedValue } from '../../lib/crypto/sealer.js';
import type { CurrentKeys } from '../../lib/keys/key-source.js';
import type { ListPage, ListQuery, Once, Reader, RequestRecord, SecretChanges, SecretRef, VersionItem } from '../../lib/store/secret-repository.js';
import { SecretService, type SecretServiceDeps, type SecretStore } from '../../lib/secrets/service.js';
import { accountPartition, expiryShard, idIndexKey, refOfKey, versionKey, versionSortPrefix, nameFromSortKey, profilePartition, secretKey, secretSortPrefix, type PrimaryKey } from '../../lib/store/table.js';

type Method = keyof SecretStore;
type StartKey = Record<string, unknown> | undefined;

const LISTED = [...PUBLIC_SOURCE_ATTRIBUTES, 'sk'];
const ROTATION_PROJECTION = ['pk', 'sk', 'id', 'profileId', 'name', 'revision', 'valueVersion', 'token', 'binding'];
const INDEX_ATTRIBUTES = ['expiryShard', 'expiryDue'] as const;

const keyOf = ({ pk, sk }: PrimaryKey): string => JSON.stringify([pk, sk]);
const pick = (item: SecretItem, names: string[]): SecretItem =>
  structuredClone(Object.fromEntries(names.filter((n) => n in item).map((n) => [n, item[n as keyof SecretItem]]))) as SecretItem;
const byKeys = (a: string[], b: string[]): number => {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
};

export class MemorySecretStore implements SecretStore {
  private readonly items = new Map<string, SecretItem>();
  readonly calls: Record<Method, number> = {
    create: 0, createOrRead: 0, recordAccess: 0, nameOfId: 0, list: 0, expire: 0, update: 0,
    dueInShard: 0, sweep: 0, sealedSecretsPage: 0, replaceToken: 0,
    readRequest: 0, createOnce: 0, updateOnce: 0, expireOnce: 0, sharedOwners: 0,
    readSecret: 0, readVersion: 0, versionsOf: 0, changeValue: 0, scheduleDeletion: 0, restoreDeleted: 0, deleteNow: 0,
  };
  private readonly records = new Map<string, RequestRecord>();
  /** Earlier versions of values, by key. */
  private readonly versions = new Map<string, VersionItem>();

  /** A copy of the stored item, as a raw read of the table would show it. */
  peek(ref: SecretRef): SecretItem | undefined {
    const item = this.items.get(keyOf(secretKey(ref.profileId, ref.name)));
    return item && structuredClone(item);
  }

  /** Writes attributes behind the store's back (undefined removes one), like a raw UpdateItem. */
  /** Names of the stored items that satisfy `test`, sorted. */
  namesWhere(test: (item: SecretItem) => boolean): string[] {
    return [...this.items.values()].filter(test).map((item) => item.name).sort();
  }

  tamper(ref: SecretRef, attributes: Partial<Record<keyof SecretItem, unknown>>): void {
    const item = this.items.get(keyOf(secretKey(ref.profileId, ref.name)));
    if (!item) throw new Error(`no item ${ref.profileId}/${ref.name}`);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === undefined) delete (item as Record<string, unknown>)[name];
      else (item as Record<string, unknown>)[name] = structuredClone(value);
    }
  }

  async create(item: SecretItem): Promise<void> {
    this.calls.create += 1;
    const existing = this.items.get(keyOf(item));
    if (existing) {
      if (existing.id !== item.id) throw new SecretAlreadyExists(item.name, existing.purgesAt ?? undefined);
      return;
    }
    this.items.set(keyOf(item), structuredClone(item));
  }

  async createOrRead(item: SecretItem): Promise<SecretItem | undefined> {
    this.calls.createOrRead += 1;
    const existing = this.items.get(keyOf(item));
    if (!existing) this.items.set(keyOf(item), structuredClone(item));
    return existing && existing.id !== item.id ? structuredClone(existing) : undefined;
  }

  async recordAccess(ref: SecretRef, now: string, reader: Reader = { profileId: ref.profileId }): Promise<SecretItem> {
    this.calls.recordAccess += 1;
    if (reader.profileId !== ref.profileId) {
      // Another member reads only what is shared with its account; anything else is not there.
      const stored = this.items.get(keyOf(secretKey(ref.profileId, ref.name)));
      if (!stored || stored.deletedAt !== undefined || reader.accountId === undefined || stored.shareKey !== accountPartition(reader.accountId)) throw new SecretNotFound(ref.name);
    }
    const item = this.live(ref, now);
    item.lastAccessed = now;
    item.lastReader = reader.profileId;
    item.accessCount = (item.accessCount ?? 0) + 1;
    return structuredClone(item);
  }

  async nameOfId(profileId: string, id: string): Promise<string> {
    this.calls.nameOfId += 1;
    const found = [...this.items.values()].find((item) => item.idKey === idIndexKey(id));
    if (!found || found.pk !== profilePartition(profileId)) throw new SecretNotFound(id);
    return nameFromSortKey(found.sk);
  }

  async sharedOwners(accountId: string, name: string, now: string): Promise<{ profileId: string; live: boolean }[]> {
    this.calls.sharedOwners += 1;
    return [...this.items.values()]
      .filter((item) => item.shareKey === accountPartition(accountId) && item.name === name && item.deletedAt === undefined)
      .sort((a, b) => byKeys([a.shareSort!], [b.shareSort!]))
      .map((item) => ({ profileId: item.profileId, live: item.sweptAt === undefined && !isExpiredAt(item.expiresAt, now) }));
  }

  async list(profileId: string, query: ListQuery, now: string): Promise<ListPage> {
    if (query.account !== undefined) return this.listShared(query.account, query, now);
    this.calls.list += 1;
    const pk = profilePartition(profileId);
    const prefix = secretSortPrefix(query.prefix);
    const after = query.after === undefined ? undefined : secretKey(profileId, query.after).sk;
    const matches = [...this.items.values()]
      .filter((item) => item.pk === pk && item.sk.startsWith(prefix) && (after === undefined || item.sk > after))
      .filter((item) => (query.deleted ?? 'exclude') === 'include' || (item.deletedAt !== undefined) === (query.deleted === 'only'))
      .filter((item) => query.expired === 'include' || isExpiredAt(item.expiresAt, now) === (query.expired === 'only'))
      .filter((item) => query.tag === undefined || (Array.isArray(item.tags) && item.tags.includes(query.tag)))
      .sort((a, b) => byKeys([a.sk], [b.sk]));
    const items = matches.slice(0, query.limit).map((item) => pick(item, LISTED));
    return { items, after: matches.length > query.limit ? items.at(-1)!.name : null };
  }

  /** The account index: shared secrets by (name, owner). */
  private listShared(accountId: string, query: ListQuery, now: string): ListPage {
    this.calls.list += 1;
    const prefix = query.prefix ?? '';
    const matches = [...this.items.values()]
      .filter((item) => item.shareKey === accountPartition(accountId) && item.shareSort!.startsWith(prefix) && (query.after === undefined || item.shareSort! > query.after))
      .filter((item) => (query.deleted ?? 'exclude') === 'include' || (item.deletedAt !== undefined) === (query.deleted === 'only'))
      .filter((item) => query.expired === 'include' || isExpiredAt(item.expiresAt, now) === (query.expired === 'only'))
      .filter((item) => query.tag === undefined || (Array.isArray(item.tags) && item.tags.includes(query.tag)))
      .sort((a, b) => byKeys([a.shareSort!], [b.shareSort!]));
    const page = matches.slice(0, query.limit);
    return { items: page.map((item) => pick(item, LISTED)), after: matches.length > query.limit ? page.at(-1)!.shareSort! : null };
  }

  async expire(ref: SecretRef, at: string, now: string, _writeToken: string): Promise<SecretItem> {
    this.calls.expire += 1;
    return this.expireItem(this.live(ref, now), ref, at, now);
  }

  async update(ref: SecretRef, changes: SecretChanges, now: string, _writeToken: string, expected?: RevisionMatch): Promise<SecretItem> {
    this.calls.update += 1;
    return this.updateItem(this.live(ref, now), ref, changes, now, expected);
  }

  async readSecret(ref: SecretRef): Promise<SecretItem | undefined> {
    this.calls.readSecret += 1;
    const item = this.items.get(keyOf(secretKey(ref.profileId, ref.name)));
    return item && structuredClone(item);
  }

  async readVersion(ref: SecretRef, version: number): Promise<VersionItem | undefined> {
    this.calls.readVersion += 1;
    const item = this.versions.get(keyOf(versionKey(ref.profileId, ref.name, version)));
    return item && structuredClone(item);
  }

  async versionsOf(ref: SecretRef): Promise<Pick<VersionItem, 'pk' | 'sk' | 'valueVersion' | 'createdAt'>[]> {
    this.calls.versionsOf += 1;
    return this.versionsOfRef(ref).map(({ pk, sk, valueVersion, createdAt }) => ({ pk, sk, valueVersion, createdAt }));
  }

  private versionsOfRef(ref: SecretRef): VersionItem[] {
    const prefix = versionSortPrefix(ref.name);
    return [...this.versions.values()].filter((v) => v.pk === profilePartition(ref.profileId) && v.sk.startsWith(prefix)).sort((a, b) => byKeys([a.sk], [b.sk]));
  }

  async changeValue(
    ref: SecretRef,
    changes: SecretChanges,
    now: string,
    _writeToken: string,
    expected: RevisionMatch | undefined,
    history: { revision: number; previous?: VersionItem; prune?: number },
    record?: RequestRecord,
  ): Promise<Once<void>> {
    this.calls.changeValue += 1;
    if (record) {
      const earlier = this.recordInTime(ref.profileId, record.key, record.createdAt);
      if (earlier) return { earlier };
    }
    const stored = this.items.get(keyOf(secretKey(ref.profileId, ref.name)));
    if (stored && stored.deletedAt === undefined && stored.revision !== history.revision) return { moved: true };
    const item = structuredClone(this.live(ref, now));
    this.updateItem(item, ref, changes, now, expected);
    this.items.set(keyOf(item), item);
    if (history.previous) this.versions.set(keyOf(history.previous), structuredClone(history.previous));
    if (history.prune !== undefined && history.prune >= 1) this.versions.delete(keyOf(versionKey(ref.profileId, ref.name, history.prune)));
    if (record) this.keep(ref.profileId, record);
    return { done: undefined };
  }

  async scheduleDeletion(ref: SecretRef, now: string, purgesAt: string, _writeToken: string, record?: RequestRecord): Promise<Once<void>> {
    this.calls.scheduleDeletion += 1;
    if (record) {
      const earlier = this.recordInTime(ref.profileId, record.key, record.createdAt);
      if (earlier) return { earlier };
    }
    const item = this.items.get(keyOf(secretKey(ref.profileId, ref.name)));
    if (!item || item.deletedAt !== undefined) throw new SecretNotFound(ref.name);
    Object.assign(item, { deletedAt: now, purgesAt, expiryShard: expiryShard(ref.profileId, ref.name), expiryDue: purgesAt });
    if (record) this.keep(ref.profileId, record);
    return { done: undefined };
  }

  async restoreDeleted(ref: SecretRef, read: SecretItem, now: string, _writeToken: string): Promise<SecretItem | undefined> {
    this.calls.restoreDeleted += 1;
    const item = this.items.get(keyOf(secretKey(ref.profileId, ref.name)));
    if (!item || item.deletedAt !== read.deletedAt || item.purgesAt === undefined || item.purgesAt === null || item.purgesAt <= now) return undefined;
    delete item.deletedAt;
    delete item.purgesAt;
    if (item.expiresAt != null && item.sweptAt === undefined) item.expiryDue = item.expiresAt;
    else for (const name of INDEX_ATTRIBUTES) delete item[name];
    return structuredClone(item);
  }

  async deleteNow(ref: SecretRef, _writeToken: string, record?: RequestRecord): Promise<Once<void>> {
    this.calls.deleteNow += 1;
    if (record) {
      const earlier = this.recordInTime(ref.profileId, record.key, record.createdAt);
      if (earlier) return { earlier };
    }
    const key = keyOf(secretKey(ref.profileId, ref.name));
    if (!this.items.has(key)) throw new SecretNotFound(ref.name);
    this.items.delete(key);
    for (const version of this.versionsOfRef(ref)) this.versions.delete(keyOf(version));
    if (record) this.keep(ref.profileId, record);
    return { done: undefined };
  }

  async readRequest(ref: SecretRef, key: string, now: string): Promise<{ earlier?: RequestRecord; item?: SecretItem }> {
    this.calls.readRequest += 1;
    const item = this.items.get(keyOf(secretKey(ref.profileId, ref.name)));
    return { earlier: this.recordInTime(ref.profileId, key, now), item: item && structuredClone(item) };
  }

  async createOnce(item: SecretItem, record: RequestRecord, _writeToken: string): Promise<Once<void>> {
    this.calls.createOnce += 1;
    const earlier = this.recordInTime(item.profileId, record.key, record.createdAt);
    if (earlier) return { earlier };
    if (this.items.has(keyOf(item))) throw new SecretAlreadyExists(item.name);
    this.items.set(keyOf(item), structuredClone(item));
    this.keep(item.profileId, record);
    return { done: undefined };
  }

  async updateOnce(
    ref: SecretRef,
    changes: SecretChanges,
    now: string,
    _writeToken: string,
    expected: RevisionMatch | undefined,
    keyed: { record: RequestRecord; revision: number },
  ): Promise<Once<void>> {
    this.calls.updateOnce += 1;
    return this.changeOnce(ref, now, keyed, (item) => this.updateItem(item, ref, changes, now, expected));
  }

  async expireOnce(ref: SecretRef, at: string, now: string, _writeToken: string, keyed: { record: RequestRecord; revision: number }): Promise<Once<void>> {
    this.calls.expireOnce += 1;
    return this.changeOnce(ref, now, keyed, (item) => this.expireItem(item, ref, at, now));
  }

  private changeOnce(ref: SecretRef, now: string, keyed: { record: RequestRecord; revision: number }, change: (item: SecretItem) => SecretItem): Once<void> {
    const earlier = this.recordInTime(ref.profileId, keyed.record.key, keyed.record.createdAt);
    if (earlier) return { earlier };
    const stored = this.items.get(keyOf(secretKey(ref.profileId, ref.name)));
    if (stored && stored.revision !== keyed.revision) return { moved: true };
    // Changed on a copy: a refused change leaves nothing behind, as a transaction does.
    const item = structuredClone(this.live(ref, now));
    change(item);
    this.items.set(keyOf(item), item);
    this.keep(ref.profileId, keyed.record);
    return { done: undefined };
  }

  private recordInTime(profileId: string, key: string, now: string): RequestRecord | undefined {
    const record = this.records.get(JSON.stringify([profileId, key]));
    return record && record.purgeAt > Math.floor(Date.parse(now) / 1000) ? structuredClone(record) : undefined;
  }

  private keep(profileId: string, record: RequestRecord): void {
    this.records.set(JSON.stringify([profileId, record.key]), structuredClone(record));
  }

  private expireItem(item: SecretItem, ref: SecretRef, at: string, now: string): SecretItem {
    if (typeof item.expiresAt === 'string' && item.expiresAt < at) throw new ValidationError([{ path: 'at', message: 'is later than the secret\'s expiry' }]);
    Object.assign(item, { expiresAt: at, updatedAt: now, revision: item.revision + 1, expiryShard: expiryShard(ref.profileId, ref.name), expiryDue: at });
    return structuredClone(item);
  }

  private updateItem(item: SecretItem, ref: SecretRef, changes: SecretChanges, now: string, expected?: RevisionMatch): SecretItem {
    if (Array.isArray(expected) && !expected.includes(item.revision)) throw new PreconditionFailed(ref.name);
    for (const [field, value] of Object.entries(changes)) {
      if (value !== undefined && field !== 'expiresAt' && field !== 'accountId') (item as Record<string, unknown>)[field] = structuredClone(value);
    }
    if (changes.visibility === 'private') for (const name of ['accountId', 'shareKey', 'shareSort'] as const) delete item[name];
    if (changes.visibility === 'account') {
      Object.assign(item, { accountId: changes.accountId, shareKey: accountPartition(changes.accountId!), shareSort: `${ref.name}#${ref.profileId}` });
    }
    if (changes.expiresAt === null) {
      for (const name of ['expiresAt', ...INDEX_ATTRIBUTES] as const) delete item[name];
    } else if (changes.expiresAt !== undefined) {
      Object.assign(item, { expiresAt: changes.expiresAt, expiryShard: expiryShard(ref.profileId, ref.name), expiryDue: changes.expiresAt });
    }
    Object.assign(item, { updatedAt: now, revision: item.revision + 1 });
    return structuredClone(item);
  }

  async dueInShard(shard: string, now: string, limit: number, startKey?: StartKey) {
    this.calls.dueInShard += 1;
    const position = (item: Record<string, unknown>) => [item.expiryDue, item.pk, item.sk] as string[];
    const due = [...this.items.values()]
      .filter((item) => item.expiryShard === shard && item.expiryDue !== undefined && item.expiryDue <= now)
      .filter((item) => startKey === undefined || byKeys(position(item), position(startKey)) > 0)
      .sort((a, b) => byKeys(position(a), position(b)))
      .slice(0, limit);
    const last = due.length === limit ? due.at(-1) : undefined;
    return {
      keys: due.map(({ pk, sk }) => ({ pk, sk })),
      nextKey: last && ({ pk: last.pk, sk: last.sk, expiryShard: last.expiryShard, expiryDue: last.expiryDue } as StartKey),
    };
  }

  async sweep(key: PrimaryKey, now: string, purgeAt: number): Promise<boolean> {
    this.calls.sweep += 1;
    const item = this.items.get(keyOf(key));
    const ref = refOfKey(key);
    if (!item || item.expiryShard === undefined) return false;
    const destroyVersions = () => this.versionsOfRef(ref).forEach((version) => this.versions.delete(keyOf(version)));
    if (item.deletedAt !== undefined) {
      if (item.purgesAt == null || item.purgesAt > now) return false;
      destroyVersions();
      this.items.delete(keyOf(key));
      return true;
    }
    if (!isExpiredAt(item.expiresAt, now)) return false;
    destroyVersions();
    for (const name of ['token', 'binding', ...INDEX_ATTRIBUTES] as const) delete item[name];
    Object.assign(item, { sweptAt: now, purgeAt });
    return true;
  }

  async sealedSecretsPage(limit: number, startKey?: StartKey) {
    this.calls.sealedSecretsPage += 1;
    const read = [...this.items.values(), ...(this.versions.values() as Iterable<SecretItem>)]
      .filter((item) => startKey === undefined || byKeys([item.pk, item.sk], [startKey.pk, startKey.sk] as string[]) > 0)
      .sort((a, b) => byKeys([a.pk, a.sk], [b.pk, b.sk]))
      .slice(0, limit);
    const last = read.length === limit ? read.at(-1) : undefined;
    return {
      items: read.filter((item) => item.token !== undefined).map((item) => pick(item, ROTATION_PROJECTION)),
      nextKey: last && ({ pk: last.pk, sk: last.sk } as StartKey),
    };
  }

  async replaceToken(item: SecretItem, sealed: SealedValue): Promise<boolean> {
    this.calls.replaceToken += 1;
    const stored = this.items.get(keyOf(item)) ?? (this.versions.get(keyOf(item)) as SecretItem | undefined);
    if (!stored || stored.token === undefined || stored.token !== item.token) return false;
    Object.assign(stored, { token: sealed.token, binding: sealed.binding });
    return true;
  }

  /** The stored item if it may be read or changed: SecretNotFound when absent, SecretExpired once due. */
  private live(ref: SecretRef, now: string): SecretItem {
    const item = this.items.get(keyOf(secretKey(ref.profileId, ref.name)));
    if (!item || item.deletedAt !== undefined) throw new SecretNotFound(ref.name);
    if (isExpiredAt(item.expiresAt, now)) throw new SecretExpired(ref.name);
    return item;
  }
}

/** Fixed Fernet keys (test/support/store.ts's would load dynalite): oldest first, `stranger` configured nowhere. */
export const UNIT_KEYS = {
  old: 'gnYVUYE72wRvRDvrgSVCSBMABFNVSG_6-EDLoTjUNMY=',
  new: 'KVfwQ8pbrYKuw1BBYQLQry7FtrOPv7K-jqoiCWN1qoE=',
  stranger: 'xKuT4Q6v_7m4HBFChXaa2IUNMwzKxGqZ_Uuo_PILEeI=',
};
export const CLOCK_START = Date.parse('2026-11-27T10:00:00.000Z');
/** The ISO time `ms` after CLOCK_START, as the service writes it. */
export const iso = (ms: number): string => new Date(CLOCK_START + ms).toISOString();

/** A SecretService on a fresh memory store, sealing with `keys`; `serviceWith` shares store, clock and ids. */
export function memoryService(keys: string[] = [UNIT_KEYS.old]) {
  const store = new MemorySecretStore();
  const clock = { ms: CLOCK_START };
  let ids = 0;
  /** `current` overrides what rotation reads from the key source (a fixed list by default). */
  const serviceWith = (sealer: Sealer, current: Partial<CurrentKeys> = {}, deps: Pick<SecretServiceDeps, 'onDamaged'> = {}) =>
    new SecretService({
      ...deps,
      repository: store,
      keys: {
        sealer: () => sealer,
        current: async () => ({ sealer, settlesAt: null, ...current }),
      },
      now: () => new Date(clock.ms),
      newId: () => `01JD8Z7Q2M5K3V9X4T6B8N${String(++ids).padStart(4, '0')}`,
    });
  return { store, clock, service: serviceWith(new Sealer(keys)), serviceWith };
}
