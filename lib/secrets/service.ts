// The secret lifecycle: what each operation does, independent of how it was invoked.
// Side effects (store, keys, clock, ids) come in as dependencies. Audit events come from the
// table's stream (lib/audit), so no operation publishes anything itself.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { KeysTooOld, UnsealError, type SealContext, type SealedValue, type Sealer } from '../crypto/sealer.js';
import {
  AmbiguousSecretName,
  VersionDestroyed,
  VersionNotFound,
  DecryptionFailed,
  PreconditionFailed,
  SecretAlreadyExists,
  SecretDamaged,
  SecretExpired,
  SecretNotFound,
  ServiceUnavailable,
  ValidationError,
} from '../domain/errors.js';
import type { RevisionMatch } from '../domain/rules.js';
import type { CurrentKeys } from '../keys/key-source.js';
import { LIST_LIMIT_DEFAULT, type CreateInput, type ImportedSecretInput, type ListInput, type UpdateInput } from '../domain/inputs.js';
import { createdAttributes, toSecret, UPDATABLE, type Secret, type SecretItem } from '../domain/secret.js';
import {
  applyChanges,
  expiryIndexEntry,
  shareIndexEntry,
  type Reader,
  type VersionItem,
  type Once,
  type RequestRecord,
  type SecretChanges,
  type SecretRef,
  type SecretRepository,
} from '../store/secret-repository.js';
import { allExpiryShards, idIndexKey, secretKey, versionKey, type PrimaryKey } from '../store/table.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { KeyedRequest, type KeyedOperation } from './requests.js';

const SWEEP_PAGE = 100;
// Sweep writes in flight at once: at 5 ms a request, 25 make about 5,000 a second.
export const SWEEP_CONCURRENCY = 25;
const ROTATE_PAGE = 100;
/** The versions a versions list goes back over, held or destroyed. */
export const VERSIONS_LISTED = 100;
// A keyed change reads the secret, then writes if it has not moved on since; this many tries.
const CHANGE_ATTEMPTS = 3;

/** The store the service needs: SecretRepository's operations (tests hand in an in-memory one). */
export type SecretStore = Pick<SecretRepository, keyof SecretRepository>;

/** The keys an operation works with; only operations that touch values or cursors ask. */
export interface ServiceKeys {
  /** The keys in hand for this request. */
  sealer(): Sealer;
  /** The list as its source holds it now, bypassing any cache: rotation acts on nothing older. */
  current(): Promise<CurrentKeys>;
}

export interface SecretServiceDeps {
  repository: SecretStore;
  keys: ServiceKeys;
  now: () => Date;
  newId: () => string;
  /** Told of a damaged item a list left out (its sort key names it). */
  onDamaged?: (profileId: string, reference: string) => void;
  /** Names one write, so that its SDK retries recognise it (random by default). */
  newWriteToken?: () => string;
  /** Versions of a value kept, the current one included (VALUE_VERSIONS; 10 by default). */
  valueVersions?: number;
  /** Days a deleted secret can be restored (RECOVERY_DAYS; 7 by default; 0 deletes at once). */
  recoveryDays?: number;
}

/** A version of a secret's value, as `versions` lists it: never the value. */
export interface SecretVersion {
  version: number;
  /** When it was set; null once it is destroyed and no longer held. */
  createdAt: string | null;
  current: boolean;
  destroyed: boolean;
}

export type SecretWithValue = Secret & { value: string };

/** How a write was asked for: with a client's idempotency key, told when it answers from an earlier request. */
export interface WriteOptions {
  idempotencyKey?: string;
  onReplay?: () => void;
  /** The caller's account: what `visibility: 'account'` shares the secret with. */
  accountId?: string;
}

/**
 * A secret is named by its name (the caller's own, else one shared with the caller's account;
 * `owner` names whose) or (direct invocation, own secrets only) by its id.
 */
export type SecretLookup = { name: string; owner?: string; version?: number } | { id: string };

/** What the import did with one secret: written, or left alone because its owner has the name. */
export interface ImportResult {
  profileId: string;
  name: string;
  outcome: 'imported' | 'exists';
}

/** What an apply did: made the secret, changed it, or found it as asked already (and wrote nothing). */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface SweepReport {
  examined: number;
  expired: number;
  more: boolean;
}

export interface RotationReport {
  examined: number;
  rotated: number;
  failed: number;
  more: boolean;
  /** While a rotation cannot complete yet: when it can (ISO 8601). */
  settlesAt?: string;
  /** Every listed key, primary first: its fingerprint, and how many examined tokens are under it now (null: none examined). */
  keys: { fingerprint: string; tokens: number | null }[];
}

/** How long a batch job may still run; Lambda's context.getRemainingTimeInMillis. */
export type TimeLeft = () => number;

export interface SecretList {
  items: Secret[];
  nextCursor: string | null;
}

export class SecretService {
  constructor(private readonly deps: SecretServiceDeps) {}

  async create(profileId: string, input: CreateInput, options: WriteOptions = {}): Promise<Secret> {
    const now = this.deps.now().toISOString();
    refusePastExpiry(input, now);
    const item = this.newItem(profileId, input, { createdAt: now, updatedAt: now, lastAccessed: null }, options.accountId);
    const secret = toSecret(item, now, input.name);
    if (options.idempotencyKey === undefined) {
      await this.deps.repository.create(item);
      return secret;
    }
    const { value, ...fields } = input;
    const request = this.keyed(options, 'create', input.name, fields, value);
    const outcome = await this.deps.repository.createOnce(item, request.record(secret, new Date(now)), this.writeToken());
    return this.answer(request, outcome, options, () => secret);
  }

  /**
   * The admin import: each secret written as it was elsewhere (its timestamps kept, revision 1),
   * sealed and bound to its owner and name here, one conditional PutItem each. A name its owner
   * already has is left as it is ("exists"), so importing the same rows again changes nothing. An
   * expiry already past arrives expired; the sweep destroys its ciphertext.
   */
  async importSecrets(secrets: ImportedSecretInput[]): Promise<ImportResult[]> {
    const results: ImportResult[] = [];
    for (const { profileId, accountId, createdAt, updatedAt, lastAccessed, ...input } of secrets) {
      const item = this.newItem(profileId, input, { createdAt, updatedAt, lastAccessed }, accountId);
      try {
        await this.deps.repository.create(item);
        results.push({ profileId, name: input.name, outcome: 'imported' });
      } catch (error) {
        if (!(error instanceof SecretAlreadyExists)) throw error;
        results.push({ profileId, name: input.name, outcome: 'exists' });
      }
    }
    return results;
  }

  /**
   * Apply (a manifest): creates the secret, or makes the one of that name exactly what `input`
   * says. A conditional create first; a taken name answers with its item in the same request. An
   * item that already is what `input` says (its value opened in memory and compared, as a get opens
   * it, never logged or answered) is left alone: no write, no revision, no event. Otherwise one
   * change conditioned on the revision seen; a secret changed (412) or deleted (404) in between is
   * met as it is on the next try, so a concurrent create or delete is never lost.
   */
  async apply(profileId: string, input: CreateInput): Promise<{ secret: Secret; outcome: ApplyOutcome }> {
    const ref = { profileId, name: input.name };
    for (let attempt = 1; attempt <= CHANGE_ATTEMPTS; attempt += 1) {
      const now = this.deps.now().toISOString();
      refusePastExpiry(input, now);
      const item = this.newItem(profileId, input, { createdAt: now, updatedAt: now, lastAccessed: null }, undefined);
      const existing = await this.deps.repository.createOrRead(item);
      if (!existing) return { secret: toSecret(item, now, input.name), outcome: 'created' };
      if (existing.deletedAt !== undefined) throw new SecretAlreadyExists(input.name, existing.purgesAt ?? undefined);
      const current = toSecret(existing, now, input.name);
      if (current.expired) throw new SecretExpired(input.name);
      const asked = this.isAsAsked(ref, existing, current, item, input.value);
      if (asked.fields && asked.value) return { secret: current, outcome: 'unchanged' };
      // Every field a manifest says, as create would set it: what the manifest leaves out goes back to its default, an expiry to none.
      // Visibility is no manifest field: applying leaves a secret shared or private as it is.
      const created: Record<string, unknown> = createdAttributes(input);
      const fields = Object.fromEntries(UPDATABLE.filter((field) => field !== 'value' && field !== 'visibility').map((field) => [field, created[field] ?? null]));
      // A new value is a new version, kept in the history as any change of value is.
      const changes = { ...fields, ...(asked.value ? {} : { value: input.value }) } as UpdateInput;
      try {
        return { secret: await this.update(profileId, input.name, changes, [existing.revision]), outcome: 'configured' };
      } catch (error) {
        if (!(error instanceof PreconditionFailed || error instanceof SecretNotFound)) throw error;
      }
    }
    // Written to by others on every try: busy, and applying again is safe.
    throw new ServiceUnavailable('database');
  }

  /** Whether the stored secret already has `wanted`'s fields (a new item of the same name), and `value`. */
  private isAsAsked(ref: SecretRef, existing: SecretItem, current: Secret, wanted: SecretItem, value: string): { fields: boolean; value: boolean } {
    const sameAnnotations = (a: Record<string, string>, b: Record<string, string>) =>
      Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => Object.hasOwn(b, k) && b[k] === v);
    const same =
      current.description === wanted.description &&
      current.version === wanted.version &&
      current.expiresAt === (wanted.expiresAt ?? null) &&
      current.tags.length === wanted.tags.length &&
      current.tags.every((tag, i) => tag === wanted.tags[i]) &&
      sameAnnotations(current.annotations, wanted.annotations);
    let stored: string;
    try {
      stored = this.open(ref, existing);
    } catch (error) {
      // A value that cannot be opened is replaced, not compared.
      if (error instanceof DecryptionFailed) return { fields: same, value: false };
      throw error;
    }
    const a = Buffer.from(stored);
    const b = Buffer.from(value);
    return { fields: same, value: a.length === b.length && timingSafeEqual(a, b) };
  }

  /** A new secret's item, revision 1, its value sealed and bound to the profile and name; shared with `accountId` if its visibility says so. */
  private newItem(profileId: string, input: CreateInput, times: Pick<SecretItem, 'createdAt' | 'updatedAt' | 'lastAccessed'>, accountId: string | undefined): SecretItem {
    const ref = { profileId, name: input.name };
    const share = input.visibility === 'account' ? shareIndexEntry(ref, sharingAccount(accountId)) : {};
    const id = this.deps.newId();
    return {
      ...secretKey(profileId, input.name),
      idKey: idIndexKey(id),
      profileId,
      id,
      ...createdAttributes(input),
      ...times,
      revision: 1,
      valueVersion: 1,
      valueUpdatedAt: times.updatedAt,
      ...this.seal({ ...ref, version: 1 }, input.value),
      ...(input.expiresAt != null && expiryIndexEntry(ref, input.expiresAt)),
      ...share,
    } as SecretItem;
  }

  /**
   * Reads a secret and records the access. By name: the caller's own, else the one a member of the
   * caller's account shares under that name (AmbiguousSecretName when several do; `owner` picks).
   * A caller's own secret costs one request; a shared one, a Query of the account index too.
   */
  async get(profileId: string, lookup: SecretLookup, accountId?: string): Promise<SecretWithValue> {
    const reader = { profileId, ...(accountId !== undefined && { accountId }) };
    const now = this.deps.now().toISOString();
    if ('id' in lookup) return this.read({ profileId, name: await this.deps.repository.nameOfId(profileId, lookup.id) }, reader, now);
    const owner = lookup.owner ?? profileId;
    const version = lookup.version;
    try {
      return await this.read({ profileId: owner, name: lookup.name }, reader, now, version);
    } catch (error) {
      if (!(error instanceof SecretNotFound) || lookup.owner !== undefined || accountId === undefined) throw error;
    }
    const shared = (await this.deps.repository.sharedOwners(accountId, lookup.name, now)).filter((o) => o.profileId !== profileId);
    const live = shared.filter((o) => o.live);
    const candidates = live.length > 0 ? live : shared;
    if (candidates.length === 0) throw new SecretNotFound(lookup.name);
    if (candidates.length > 1) throw new AmbiguousSecretName(lookup.name, candidates.map((o) => o.profileId));
    return this.read({ profileId: candidates[0]!.profileId, name: lookup.name }, reader, now, version);
  }

  /** Reads the secret (recording the access), and the value of `version` (the current one by default). */
  private async read(ref: SecretRef, reader: Reader, now: string, version?: number): Promise<SecretWithValue> {
    const item = await this.deps.repository.recordAccess(ref, now, reader);
    const secret = toSecret(item, now, ref.name);
    if (version === undefined) return { ...secret, value: this.open(ref, item) };
    return { ...secret, valueVersion: version, value: await this.valueAt(ref, item, secret.valueVersion, version) };
  }

  /**
   * The value of `version` of the secret read as `item` (whose current version is `current`): its
   * own, or an earlier version's item; VersionNotFound past the current one, VersionDestroyed once gone.
   */
  private async valueAt(ref: SecretRef, item: SecretItem, current: number, version: number): Promise<string> {
    if (version === current) return this.open(ref, item);
    if (version > current) throw new VersionNotFound(ref.name, version);
    const held = await this.deps.repository.readVersion(ref, version);
    if (!held) throw new VersionDestroyed(ref.name, version);
    return this.open(ref, held);
  }

  /**
   * The versions of a secret's value, newest first (the last VERSIONS_LISTED): the current one,
   * the earlier ones held, and those destroyed (pruned, or swept with an expired secret). Never
   * values; no access recorded.
   */
  async versions(profileId: string, name: string): Promise<SecretVersion[]> {
    const ref = { profileId, name };
    const [item, earlier] = await Promise.all([this.deps.repository.readSecret(ref), this.deps.repository.versionsOf(ref)]);
    if (!item || item.deletedAt !== undefined) throw new SecretNotFound(name);
    const current = toSecret(item, this.deps.now().toISOString(), name).valueVersion;
    const held = new Map(earlier.map((v) => [v.valueVersion, v.createdAt]));
    // The current value is gone once the sweep destroyed an expired secret's ciphertext: listed as any destroyed version is.
    const destroyed = typeof item.token !== 'string';
    const listed: SecretVersion[] = [{ version: current, createdAt: destroyed ? null : (item.valueUpdatedAt ?? item.createdAt), current: true, destroyed }];
    for (let version = current - 1; version >= Math.max(1, current - VERSIONS_LISTED + 1); version -= 1) {
      const createdAt = held.get(version);
      listed.push({ version, createdAt: createdAt ?? null, current: false, destroyed: createdAt === undefined });
    }
    return listed;
  }

  /**
   * Brings back a deleted secret within its window, as it was; a secret that is not deleted is
   * answered as it is. SecretNotFound when absent or past its window.
   */
  async restore(profileId: string, name: string): Promise<Secret> {
    const ref = { profileId, name };
    for (let attempt = 1; attempt <= CHANGE_ATTEMPTS; attempt += 1) {
      const now = this.deps.now().toISOString();
      const item = await this.deps.repository.readSecret(ref);
      if (!item || (item.purgesAt != null && item.purgesAt <= now)) throw new SecretNotFound(name);
      if (item.deletedAt === undefined) return toSecret(item, now, name);
      const restored = await this.deps.repository.restoreDeleted(ref, item, now, this.writeToken());
      if (restored) return toSecret(restored, now, name);
    }
    throw new ServiceUnavailable('database');
  }

  /** The caller's own secrets, or (`scope: 'account'`) every secret shared with the caller's account. */
  async list(profileId: string, input: ListInput, accountId?: string): Promise<SecretList> {
    const now = this.deps.now().toISOString();
    const expired = input.expired ?? 'exclude';
    const limit = input.limit ?? LIST_LIMIT_DEFAULT;
    const account = input.scope === 'account' ? sharingAccount(accountId, 'scope') : undefined;
    // A cursor holds only for the query (and the account) it was made for.
    const deleted = input.deleted ?? 'exclude';
    const scope = { profileId, query: JSON.stringify([input.prefix ?? '', input.tag ?? null, expired, ...(deleted === 'exclude' ? [] : [deleted]), ...(account === undefined ? [] : [account])]) };
    const sealer = this.deps.keys.sealer();
    const after = input.cursor === undefined ? undefined : this.withKeysInHand(sealer, (keys) => decodeCursor(keys.cursorKeys, scope, input.cursor!));
    const page = await this.deps.repository.list(
      profileId,
      { prefix: input.prefix, tag: input.tag, expired, deleted, limit, after, ...(account !== undefined && { account }) },
      now,
    );
    return {
      items: page.items.flatMap((item) => {
        try {
          return [toSecret(item, now, String(item.sk))];
        } catch (error) {
          if (!(error instanceof SecretDamaged)) throw error;
          // One damaged row fails only itself: left out, and named for whoever repairs it.
          this.deps.onDamaged?.(profileId, String(item.sk));
          return [];
        }
      }),
      nextCursor: page.after === null ? null : this.withKeysInHand(sealer, (keys) => encodeCursor(keys.cursorKey, scope, page.after!), true),
    };
  }

  async expire(profileId: string, name: string, at?: string, options: WriteOptions = {}): Promise<Secret> {
    const ref = { profileId, name };
    if (options.idempotencyKey !== undefined) {
      // The request as sent: "now" is when it was first made, and a repeat means that moment.
      const request = this.keyed(options, 'expire', name, { at: at ?? null });
      return this.changeOnce(ref, request, options, (now) => ({ expiresAt: at ?? now }), (record, revision, now, write) =>
        this.deps.repository.expireOnce(ref, at ?? now, now, write, { record, revision }),
      );
    }
    const now = this.deps.now().toISOString();
    const item = await this.deps.repository.expire(ref, at ?? now, now, this.writeToken());
    return toSecret(item, now, name);
  }

  /**
   * Changes the fields given. A change of value (`value`, or `restoreVersion`: an earlier version's
   * value) is a new version: the secret is read, then changed with its previous value kept as a
   * version and the oldest beyond the history removed, in one transaction.
   */
  async update(profileId: string, name: string, input: UpdateInput, expected?: RevisionMatch, options: WriteOptions = {}): Promise<Secret> {
    const ref = { profileId, name };
    const { value, restoreVersion, ...fields } = input;
    const metadata = fields.visibility === 'account' ? { ...fields, accountId: sharingAccount(options.accountId) } : fields;
    const request =
      options.idempotencyKey === undefined ? undefined : this.keyed(options, 'update', name, { ...fields, ...(restoreVersion !== undefined && { restoreVersion }), ifMatch: expected ?? null }, value);
    if (value !== undefined || restoreVersion !== undefined) return this.changeValue(ref, metadata, value ?? { restoreVersion: restoreVersion! }, expected, options, request);
    if (request) {
      return this.changeOnce(ref, request, options, () => metadata, (record, revision, now, write) =>
        this.deps.repository.updateOnce(ref, metadata, now, write, expected, { record, revision }),
      );
    }
    const now = this.deps.now().toISOString();
    const item = await this.deps.repository.update(ref, metadata, now, this.writeToken(), expected);
    return toSecret(item, now, name);
  }

  /** A change of value, as a new version (see update); read again when the secret moved on meanwhile. */
  private async changeValue(
    ref: SecretRef,
    metadata: SecretChanges,
    value: string | { restoreVersion: number },
    expected: RevisionMatch | undefined,
    options: WriteOptions,
    request: KeyedRequest | undefined,
  ): Promise<Secret> {
    const keep = this.deps.valueVersions ?? 10;
    for (let attempt = 1; attempt <= CHANGE_ATTEMPTS; attempt += 1) {
      const nowDate = this.deps.now();
      const now = nowDate.toISOString();
      const { earlier, item } = request ? await this.deps.repository.readRequest(ref, request.key, now) : { item: await this.deps.repository.readSecret(ref) };
      if (earlier) return this.replay(request!, earlier, options);
      if (!item || item.deletedAt !== undefined) throw new SecretNotFound(ref.name);
      const before = toSecret(item, now, ref.name);
      if (before.expired) throw new SecretExpired(ref.name);
      if (Array.isArray(expected) && !expected.includes(item.revision)) throw new PreconditionFailed(ref.name);
      const current = before.valueVersion;
      const plaintext = typeof value === 'string' ? value : await this.valueAt(ref, item, current, value.restoreVersion);
      const next = current + 1;
      const previous = this.asVersion(ref, item, current);
      const changes: SecretChanges = { ...metadata, ...this.seal({ ...ref, version: next }, plaintext), valueVersion: next, valueUpdatedAt: now } as SecretChanges;
      const writeToken = this.writeToken();
      const secret = toSecret(applyChanges(item, changes, now, writeToken), now, ref.name);
      const outcome = await this.deps.repository.changeValue(
        ref,
        changes,
        now,
        writeToken,
        expected,
        { revision: item.revision, ...(previous && { previous }), prune: next - keep },
        request?.record(secret, nowDate),
      );
      if ('earlier' in outcome) return this.replay(request!, outcome.earlier, options);
      if (!('moved' in outcome)) return secret;
    }
    throw new ServiceUnavailable('database');
  }

  /** The current value of `item` as the version item it becomes; bound anew to its version (items from before versions were bound to the row alone). */
  private asVersion(ref: SecretRef, item: SecretItem, version: number): VersionItem | undefined {
    if (typeof item.token !== 'string' || typeof item.binding !== 'string') return undefined;
    const sealed = { token: item.token, binding: item.binding };
    const rebound = this.withKeysInHand(this.deps.keys.sealer(), (sealer) => {
      try {
        return sealer.rebind(sealContextOf(ref, item), { ...ref, version }, sealed);
      } catch (error) {
        // A token that is not this row's is not kept: a new value is how a damaged secret is repaired.
        if (error instanceof UnsealError) return undefined;
        throw error;
      }
    });
    if (!rebound) return undefined;
    return { ...versionKey(ref.profileId, ref.name, version), profileId: ref.profileId, name: ref.name, valueVersion: version, createdAt: item.valueUpdatedAt ?? item.createdAt, ...rebound };
  }

  /**
   * Schedules the deletion (the secret answers 404 at once and can be restored for
   * `recoveryDays`), or with `force` (or no recovery days) deletes it now with its versions.
   */
  async delete(profileId: string, name: string, options: WriteOptions & { force?: boolean } = {}): Promise<void> {
    const ref = { profileId, name };
    const now = this.deps.now();
    const days = this.deps.recoveryDays ?? 7;
    const request = options.idempotencyKey === undefined ? undefined : this.keyed(options, 'delete', name, options.force === true ? { force: true } : {});
    const record = request?.record(null, now);
    // Asked to, or no recovery window configured: at once.
    const outcome =
      options.force === true || days === 0
        ? await this.deps.repository.deleteNow(ref, this.writeToken(), record)
        : await this.deps.repository.scheduleDeletion(ref, now.toISOString(), new Date(now.getTime() + days * 86_400_000).toISOString(), this.writeToken(), record);
    if (request) this.answer(request, outcome, options, () => null);
  }

  private keyed(options: WriteOptions, operation: KeyedOperation, name: string, fields: Record<string, unknown>, value?: string): KeyedRequest {
    const sealer = value === undefined ? undefined : this.deps.keys.sealer();
    return new KeyedRequest(options.idempotencyKey!, operation, name, fields, sealer && { plaintext: value!, sealer });
  }

  /** What a keyed write answers: its own result, or the earlier request's. */
  private answer<T>(request: KeyedRequest, outcome: Once<void>, options: WriteOptions, result: () => T): T {
    return 'earlier' in outcome ? this.replay(request, outcome.earlier, options) : result();
  }

  /** The earlier request's result (told through onReplay), or IdempotencyKeyReused. */
  private replay<T>(request: KeyedRequest, earlier: RequestRecord, options: WriteOptions): T {
    const result = request.replay<T>(earlier);
    options.onReplay?.();
    return result;
  }

  /**
   * A keyed update or expire: reads the secret and the key's record together, then writes the
   * change and its record (with the result, computed from the item read) in one transaction that
   * holds only if the secret is still at the revision read. A secret that moved on is read again.
   */
  private async changeOnce(
    ref: SecretRef,
    request: KeyedRequest,
    options: WriteOptions,
    changesAt: (now: string) => SecretChanges,
    write: (record: RequestRecord, revision: number, now: string, writeToken: string) => Promise<Once<void>>,
  ): Promise<Secret> {
    for (let attempt = 1; attempt <= CHANGE_ATTEMPTS; attempt += 1) {
      const nowDate = this.deps.now();
      const now = nowDate.toISOString();
      const { earlier, item } = await this.deps.repository.readRequest(ref, request.key, now);
      if (earlier) return this.replay(request, earlier, options);
      if (!item) throw new SecretNotFound(ref.name);
      const writeToken = this.writeToken();
      const secret = toSecret(applyChanges(item, changesAt(now), now, writeToken), now, ref.name);
      const outcome = await write(request.record(secret, nowDate), item.revision, now, writeToken);
      if (!('moved' in outcome)) return this.answer(request, outcome, options, () => secret);
    }
    // Written to by others on every try: busy, and a retry with the same key is safe.
    throw new ServiceUnavailable('database');
  }

  /**
   * Destroys the ciphertext of every due secret until done or until the time budget runs
   * low. Each round reads one page of every expiry shard at once, so a short run still makes
   * progress on every shard; conditional writes make concurrent and repeated runs safe.
   */
  async sweep(options: { dryRun: boolean; timeLeft: TimeLeft; reserveMs: number; retentionDays: number }): Promise<SweepReport> {
    const nowDate = this.deps.now();
    const now = nowDate.toISOString();
    const purgeAt = Math.floor(nowDate.getTime() / 1000) + options.retentionDays * 86_400;
    const report: SweepReport = { examined: 0, expired: 0, more: false };
    let pending: Array<{ shard: string; startKey?: Record<string, unknown> }> = allExpiryShards().map((shard) => ({ shard }));
    while (pending.length > 0) {
      if (options.timeLeft() < options.reserveMs) return { ...report, more: true };
      const pages = await Promise.all(
        pending.map(async ({ shard, startKey }) => ({ shard, ...(await this.deps.repository.dueInShard(shard, now, SWEEP_PAGE, startKey)) })),
      );
      if (!(await this.sweepKeys(pages.flatMap((page) => page.keys), { ...options, now, purgeAt }, report))) return { ...report, more: true };
      pending = pages.filter((page) => page.nextKey !== undefined).map(({ shard, nextKey }) => ({ shard, startKey: nextKey }));
    }
    return report;
  }

  /** Sweeps `keys`, a bounded number at a time; false when the time budget ran out first. */
  private async sweepKeys(
    keys: PrimaryKey[],
    options: { dryRun: boolean; timeLeft: TimeLeft; reserveMs: number; now: string; purgeAt: number },
    report: SweepReport,
  ): Promise<boolean> {
    let next = 0;
    let inTime = true;
    let failed = false;
    const worker = async () => {
      while (next < keys.length && !failed) {
        if (options.timeLeft() < options.reserveMs) {
          inTime = false;
          return;
        }
        const key = keys[next++]!;
        report.examined += 1;
        try {
          if (options.dryRun || (await this.deps.repository.sweep(key, options.now, options.purgeAt))) report.expired += 1;
        } catch (error) {
          // The others stop too: no write outlives the invocation that fails.
          failed = true;
          throw error;
        }
      }
    };
    // Stryker disable next-line MethodExpression: equivalent; a worker with no key left returns at once
    await Promise.all(Array.from({ length: Math.min(SWEEP_CONCURRENCY, keys.length) }, worker));
    return inTime;
  }

  /**
   * Re-encrypts under the primary key every token made under another, once every instance seals
   * under it (`settlesAt`); until then it changes nothing and answers `more: true`. Tokens already
   * under the primary are checked too. A token that cannot be opened is counted and reported,
   * never deleted.
   */
  async rotate(options: { timeLeft: TimeLeft; reserveMs: number; onFailure: (item: SecretItem) => void }): Promise<RotationReport> {
    const keys = await this.deps.keys.current();
    const { sealer } = keys;
    const { fingerprints } = sealer;
    if (keys.settlesAt !== null && keys.settlesAt > this.deps.now().getTime()) {
      return {
        examined: 0,
        rotated: 0,
        failed: 0,
        more: true,
        settlesAt: new Date(keys.settlesAt).toISOString(),
        keys: fingerprints.map((fingerprint) => ({ fingerprint, tokens: null })),
      };
    }
    const tokens = fingerprints.map(() => 0);
    const count = (key: number) => (tokens[key] = tokens[key]! + 1);
    const report = { examined: 0, rotated: 0, failed: 0, more: false };
    const done = () => ({ ...report, keys: fingerprints.map((fingerprint, i) => ({ fingerprint, tokens: tokens[i]! })) });
    let startKey: Record<string, unknown> | undefined;
    do {
      if (options.timeLeft() < options.reserveMs) return { ...done(), more: true };
      const page = await this.deps.repository.sealedSecretsPage(ROTATE_PAGE, startKey);
      for (const item of page.items) {
        report.examined += 1;
        // A damaged item may hold a token or binding that is not even a string.
        const sealed = typeof item.token === 'string' && typeof item.binding === 'string' ? { token: item.token, binding: item.binding } : undefined;
        const under = sealed ? sealer.keyOf(sealed.token) : -1;
        // A version item's token, or a secret's (bound to its version since versions exist).
        const ref = sealContextOf({ profileId: item.profileId, name: item.name }, item);
        let resealed: SealedValue;
        try {
          // A damaged item may name its row with something that is not a string either.
          if (!sealed || typeof ref.profileId !== 'string' || typeof ref.name !== 'string') throw new UnsealError('not a row');
          if (under === sealer.sealingKey) {
            if (!sealer.isBound(ref, sealed)) throw new UnsealError('not a token of this row');
            count(under);
            continue;
          }
          resealed = sealer.rotate(ref, sealed);
        } catch {
          report.failed += 1;
          // Stryker disable next-line ConditionalExpression: equivalent; count(-1) sets a property the report never reads
          if (under !== -1) count(under);
          options.onFailure(item);
          continue;
        }
        if (await this.deps.repository.replaceToken(item, resealed)) {
          report.rotated += 1;
          count(sealer.sealingKey);
        }
      }
      startKey = page.nextKey;
    } while (startKey !== undefined);
    return done();
  }

  private writeToken(): string {
    return this.deps.newWriteToken?.() ?? randomUUID();
  }

  private seal(context: SealContext, value: string): SealedValue {
    return this.withKeysInHand(this.deps.keys.sealer(), (sealer) => sealer.seal(context, value));
  }

  /** The value an item holds: a secret's current one, bound to its version (or, before versions, to its row), or a version item's. */
  private open(ref: SecretRef, item: Pick<SecretItem, 'token' | 'binding' | 'valueVersion'>): string {
    // Absent, or damaged into another type in the table: either way nothing to decrypt.
    if (typeof item.token !== 'string' || typeof item.binding !== 'string') throw new DecryptionFailed(ref.name);
    const sealed = { token: item.token, binding: item.binding };
    return this.withKeysInHand(this.deps.keys.sealer(), (sealer) => {
      try {
        return sealer.open(sealContextOf(ref, item), sealed);
      } catch (error) {
        throw error instanceof UnsealError ? new DecryptionFailed(ref.name, { cause: error }) : error;
      }
    });
  }

  /**
   * Keys too old to be sure they hold every key make any failure with them, and any new token or
   * cursor, the keys' problem (503, retried), not the value's or the caller's.
   */
  private withKeysInHand<T>(sealer: Sealer, use: (sealer: Sealer) => T, producesNew = false): T {
    if (producesNew && sealer.isStale()) throw new ServiceUnavailable('keys');
    try {
      return use(sealer);
    } catch (error) {
      if (error instanceof KeysTooOld || sealer.isStale()) throw new ServiceUnavailable('keys', { cause: error });
      throw error;
    }
  }
}

/** The account a secret is shared with: the caller's, who must have one. */
function sharingAccount(accountId: string | undefined, path = 'visibility'): string {
  if (accountId === undefined) {
    throw new ValidationError([{ path, message: "needs the caller's account (the token's account claim, or accountId), and the caller has none" }]);
  }
  return accountId;
}

/** A new secret's expiry must be ahead of it (an import's may not: it arrives expired). */
function refusePastExpiry(input: CreateInput, now: string): void {
  if (input.expiresAt != null && input.expiresAt <= now) throw new ValidationError([{ path: 'expiresAt', message: 'must be in the future' }]);
}

/** What a token in `item` is bound to: its row and its version (or, from before versions, its row alone). */
const sealContextOf = (ref: SecretRef, item: Pick<SecretItem, 'valueVersion'>): SealContext => ({
  profileId: ref.profileId,
  name: ref.name,
  ...(item.valueVersion !== undefined && { version: item.valueVersion }),
});
