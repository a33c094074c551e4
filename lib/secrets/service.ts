// The secret lifecycle: what each operation does, independent of how it was invoked.
// Side effects (store, keys, clock, ids, events) come in as dependencies.
import { UnsealError, type Sealer } from '../crypto/sealer.js';
import { DecryptionFailed, ValidationError } from '../domain/errors.js';
import { LIST_LIMIT_DEFAULT, type CreateInput, type ListInput, type UpdateInput } from '../domain/inputs.js';
import { createdAttributes, toSecret, type Secret, type SecretItem } from '../domain/secret.js';
import { expiryIndexEntry, type SecretRef, type SecretRepository } from '../store/secret-repository.js';
import { allExpiryShards, idIndexKey, secretKey } from '../store/table.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { AuditEvents } from './events.js';

const SWEEP_PAGE = 100;
const ROTATE_PAGE = 100;

/** The store the service needs: SecretRepository's operations (tests hand in an in-memory one). */
export type SecretStore = Pick<SecretRepository, keyof SecretRepository>;

export interface SecretServiceDeps {
  repository: SecretStore;
  /** Only operations that touch values or cursors ask for it (sweep, expire, delete never do). */
  sealer: () => Sealer;
  events: AuditEvents;
  now: () => Date;
  newId: () => string;
}

export type SecretWithValue = Secret & { value: string };

/** A secret is named either by its name or (direct invocation) by its id. */
export type SecretLookup = { name: string } | { id: string };

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
}

/** How long a batch job may still run; Lambda's context.getRemainingTimeInMillis. */
export type TimeLeft = () => number;

export interface SecretList {
  items: Secret[];
  nextCursor: string | null;
}

export class SecretService {
  constructor(private readonly deps: SecretServiceDeps) {}

  async create(profileId: string, input: CreateInput): Promise<Secret> {
    const now = this.deps.now().toISOString();
    if (input.expiresAt != null && input.expiresAt <= now) {
      throw new ValidationError([{ path: 'expiresAt', message: 'must be in the future' }]);
    }
    const ref = { profileId, name: input.name };
    const id = this.deps.newId();
    const item = {
      ...secretKey(profileId, input.name),
      idKey: idIndexKey(id),
      profileId,
      id,
      ...createdAttributes(input),
      createdAt: now,
      updatedAt: now,
      lastAccessed: null,
      revision: 1,
      ...this.deps.sealer().seal(ref, input.value),
      ...(input.expiresAt != null && expiryIndexEntry(ref, input.expiresAt)),
    } as SecretItem;
    await this.deps.repository.create(item);
    await this.deps.events.publish('secret.created', item);
    return toSecret(item, now);
  }

  async get(profileId: string, lookup: SecretLookup): Promise<SecretWithValue> {
    const name = 'name' in lookup ? lookup.name : await this.deps.repository.nameOfId(profileId, lookup.id);
    const ref = { profileId, name };
    const now = this.deps.now().toISOString();
    const item = await this.deps.repository.recordAccess(ref, now);
    const value = this.open(ref, item);
    await this.deps.events.publish('secret.accessed', item);
    return { ...toSecret(item, now), value };
  }

  async list(profileId: string, input: ListInput): Promise<SecretList> {
    const now = this.deps.now().toISOString();
    const expired = input.expired ?? 'exclude';
    const limit = input.limit ?? LIST_LIMIT_DEFAULT;
    const scope = { profileId, query: JSON.stringify([input.prefix ?? '', input.tag ?? null, expired]) };
    const after = input.cursor === undefined ? undefined : decodeCursor(this.deps.sealer().cursorKey, scope, input.cursor);
    const page = await this.deps.repository.list(
      profileId,
      { prefix: input.prefix, tag: input.tag, expired, limit, after },
      now,
    );
    const items = page.items.map((item) => toSecret(item, now));
    const last = items.at(-1);
    return {
      items,
      nextCursor: page.more && last ? encodeCursor(this.deps.sealer().cursorKey, scope, last.name) : null,
    };
  }

  async expire(profileId: string, name: string, at?: string): Promise<Secret> {
    const now = this.deps.now().toISOString();
    const item = await this.deps.repository.expire({ profileId, name }, at ?? now, now);
    if (item.expiresAt != null && item.expiresAt <= now) await this.deps.events.publish('secret.expired', item);
    return toSecret(item, now);
  }

  async update(profileId: string, name: string, input: UpdateInput, expectedRevision?: number): Promise<Secret> {
    const ref = { profileId, name };
    const { value, ...metadata } = input;
    const sealed = value === undefined ? {} : this.deps.sealer().seal(ref, value);
    const now = this.deps.now().toISOString();
    const item = await this.deps.repository.update(ref, { ...metadata, ...sealed }, now, expectedRevision);
    await this.deps.events.publish('secret.edited', item);
    return toSecret(item, now);
  }

  async delete(profileId: string, name: string): Promise<void> {
    const item = await this.deps.repository.delete({ profileId, name });
    await this.deps.events.publish('secret.deleted', item);
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
      for (const key of pages.flatMap((page) => page.keys)) {
        if (options.timeLeft() < options.reserveMs) return { ...report, more: true };
        report.examined += 1;
        if (options.dryRun) {
          report.expired += 1;
          continue;
        }
        const swept = await this.deps.repository.sweep(key, now, purgeAt);
        if (swept) {
          report.expired += 1;
          await this.deps.events.publish('secret.expired', swept);
        }
      }
      pending = pages.filter((page) => page.nextKey !== undefined).map(({ shard, nextKey }) => ({ shard, startKey: nextKey }));
    }
    return report;
  }

  /**
   * Re-encrypts under the primary key every token made under an older one. A token that
   * cannot be decrypted is counted and logged by the caller, never deleted.
   */
  async rotate(options: { timeLeft: TimeLeft; reserveMs: number; onFailure: (item: SecretItem) => void }): Promise<RotationReport> {
    const sealer = this.deps.sealer();
    const report: RotationReport = { examined: 0, rotated: 0, failed: 0, more: false };
    let startKey: Record<string, unknown> | undefined;
    do {
      if (options.timeLeft() < options.reserveMs) return { ...report, more: true };
      const page = await this.deps.repository.sealedSecretsPage(ROTATE_PAGE, startKey);
      for (const item of page.items) {
        report.examined += 1;
        if (item.token === undefined) continue;
        const ref = { profileId: item.profileId, name: item.name };
        let resealed;
        try {
          // A damaged item may hold a token or binding that is not even a string.
          if (typeof item.token !== 'string' || typeof (item.binding ?? '') !== 'string') throw new UnsealError('not a token');
          if (sealer.isUnderPrimary(item.token)) continue;
          resealed = sealer.rotate(ref, { token: item.token, binding: item.binding ?? '' });
        } catch {
          report.failed += 1;
          options.onFailure(item);
          continue;
        }
        if (await this.deps.repository.replaceToken(item, resealed)) {
          report.rotated += 1;
          await this.deps.events.publish('secret.rotated', item);
        }
      }
      startKey = page.nextKey;
    } while (startKey !== undefined);
    return report;
  }

  private open(ref: SecretRef, item: SecretItem): string {
    // Absent, or damaged into another type in the table: either way nothing to decrypt.
    if (typeof item.token !== 'string' || typeof item.binding !== 'string') throw new DecryptionFailed(ref.name);
    try {
      return this.deps.sealer().open(ref, { token: item.token, binding: item.binding });
    } catch (error) {
      if (error instanceof UnsealError) throw new DecryptionFailed(ref.name);
      throw error;
    }
  }
}
