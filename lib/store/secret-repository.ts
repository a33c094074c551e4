// DynamoDB access for secrets. Every single-secret operation is one request whose
// condition expression carries the invariant; lists and sweeps are Query, never Scan (only
// rotation, a maintenance job, scans).
import { ConditionalCheckFailedException, TransactionCanceledException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactGetCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  PreconditionFailed,
  SecretAlreadyExists,
  SecretExpired,
  SecretNotFound,
  ServiceUnavailable,
  ValidationError,
  isSecretStoreError,
} from '../domain/errors.js';
import type { SealedValue } from '../crypto/sealer.js';
import type { RevisionMatch } from '../domain/rules.js';
import { PUBLIC_SOURCE_ATTRIBUTES, type SecretItem, type UpdateFields } from '../domain/secret.js';
import {
  ACCOUNT_INDEX,
  BY_ID_INDEX,
  EXPIRY_INDEX,
  accountPartition,
  fromSharedSortKey,
  sharedSortKey,
  sharedSortPrefix,
  expiryShard,
  idIndexKey,
  nameFromSortKey,
  profilePartition,
  refOfKey,
  requestKey,
  secretKey,
  secretSortPrefix,
  TTL_ATTRIBUTE,
  versionKey,
  versionSortPrefix,
  type PrimaryKey,
} from './table.js';

/** An earlier version of a secret's value: its own item, its token bound to (profile, name, version). */
export interface VersionItem {
  pk: string;
  sk: string;
  profileId: string;
  name: string;
  valueVersion: number;
  /** When this value was set. */
  createdAt: string;
  token: string;
  binding: string;
}

/** Which secret: names are unique per profile. */
export interface SecretRef {
  profileId: string;
  name: string;
}

export type ExpiredFilter = 'exclude' | 'include' | 'only';

export interface ListQuery {
  /** The secrets shared with this account (every owner's), instead of the profile's own. */
  account?: string;
  prefix?: string;
  tag?: string;
  expired: ExpiredFilter;
  /** Deleted secrets (waiting for their purge): left out by default. */
  deleted?: ExpiredFilter;
  limit: number;
  /** Where the previous page ended: the last secret's name (a profile's), or its shared sort key (an account's). */
  after?: string;
}

export interface ListPage {
  items: SecretItem[];
  /** Where the next page continues (as `ListQuery.after`); null when no secret is left to examine. */
  after: string | null;
}

/**
 * What a PATCH sets: its fields (`expiresAt: null` clears the expiry), a new value sealed, and with
 * `visibility: 'account'` the account it is shared with.
 */
export type SecretChanges = Omit<UpdateFields, 'value'> & Partial<SealedValue> & { accountId?: string };

/** Who reads: the owner, or a member of an account the secret may be shared with. */
export interface Reader {
  profileId: string;
  accountId?: string;
}

// A secret is live (may be read or changed) until it reaches its expiry.
const EXISTS = 'attribute_exists(pk)';
// A deleted secret waits for its purge: every read and change answers as if it were gone.
const NOT_DELETED = 'attribute_not_exists(deletedAt)';
const NOT_EXPIRED = '(attribute_not_exists(expiresAt) OR expiresAt > :now)';
// A short page's second Query reads up to ten pages' worth, at most this many items (~0.7 MB).
const LIST_WIDER_QUERY_MAX = 1_000;

// What a list reads: what a Secret is made of, and the sort key that names a damaged one (and
// where an account's page ends).
const LISTED_ATTRIBUTES = [...PUBLIC_SOURCE_ATTRIBUTES, 'sk'];
const SHARED_LISTED_ATTRIBUTES = [...LISTED_ATTRIBUTES, 'shareSort'];

/** What sharing adds to an item, and making it private removes. */
const SHARE_ATTRIBUTES = ['accountId', 'shareKey', 'shareSort'] as const;

/** What an idempotency key remembers: the request it was first used for, and that request's result. */
export interface RequestRecord {
  /** The key's digest, which names the record within the profile. */
  key: string;
  /** Digest of the operation, the secret's name and the request's fields other than its value. */
  fingerprint: string;
  /** MAC of the request's value (a create, a PATCH that sets one): never the value or its plain hash. */
  valueMac?: string;
  /** The first result as JSON: a Secret, or null (a delete). */
  result: string;
  createdAt: string;
  /** Epoch seconds from which the key is free again (DynamoDB's TTL removes the record some time later). */
  purgeAt: number;
}

/**
 * A keyed write: it took effect (`done`), or the key's record of an earlier request answers
 * instead (`earlier`), or (a change) the secret moved on after it was read and must be read again.
 */
export type Once<T> = { done: T } | { earlier: RequestRecord } | { moved: true };

/** A condition expression that did not hold, with the item as it was (when asked for). */
interface ConditionFailed {
  conditionFailed: true;
  existing?: Record<string, unknown>;
}

const conditionFailed = (result: CommandResult | ConditionFailed): result is ConditionFailed => 'conditionFailed' in result;

// Each write names itself (lastWrite) and refuses to run twice: the SDK retries a write whose
// response was lost, and the retry must answer as the first attempt did, not apply it again.
const NOT_WRITTEN = '(attribute_not_exists(lastWrite) OR lastWrite <> :write)';

/**
 * The item a change of a live secret left, or why it was refused: absent (404), expired (410), or
 * `refusal` (the change's own condition). A retry whose first attempt took effect gets that attempt's item.
 */
function changedItem(
  result: CommandResult | ConditionFailed,
  ref: SecretRef,
  now: string,
  writeToken: string,
  refusal: (existing: Record<string, unknown>) => Error,
): SecretItem {
  const written = writtenBy(result, writeToken);
  if (written) return written;
  if (!conditionFailed(result)) return result.Attributes!;
  throw whyRefused(result.existing, ref, now, refusal);
}

/** Why a change of a live secret did not hold: absent (404), expired (410), or its own condition. */
function whyRefused(existing: Record<string, unknown> | undefined, ref: SecretRef, now: string, refusal: (existing: Record<string, unknown>) => Error): Error {
  if (!existing || stringAttribute(existing, 'deletedAt') !== undefined) return new SecretNotFound(ref.name);
  const expiresAt = stringAttribute(existing, 'expiresAt');
  // Stryker disable next-line ConditionalExpression: equivalent when true; undefined <= a date string is false
  if (expiresAt !== undefined && expiresAt <= now) return new SecretExpired(ref.name);
  return refusal(existing);
}

/** A change of a live secret: its UpdateItem expressions, and why it may be refused. */
interface Change {
  update: {
    UpdateExpression: string;
    ConditionExpression: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues: Record<string, unknown>;
  };
  refusal: (existing: Record<string, unknown>) => Error;
}

/**
 * The expressions that set `changes` (`expiresAt: null` clears the expiry and leaves the expiry
 * index) on a live secret, as a new revision written by `writeToken`. applyChanges is the same in code.
 */
function changeExpressions(ref: SecretRef, changes: SecretChanges, now: string, writeToken: string) {
  const set = ['updatedAt = :now', 'revision = revision + :one', 'lastWrite = :write'];
  const remove: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':now': now, ':one': 1, ':write': writeToken };
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined || field === 'expiresAt' || field === 'accountId') continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    set.push(`#${field} = :${field}`);
  }
  if (changes.visibility === 'private') remove.push(...SHARE_ATTRIBUTES);
  else if (changes.visibility === 'account') {
    for (const [field, value] of Object.entries(shareIndexEntry(ref, changes.accountId!))) {
      values[`:${field}`] = value;
      set.push(`${field} = :${field}`);
    }
  }
  if (changes.expiresAt === null) {
    remove.push('expiresAt', 'expiryShard', 'expiryDue');
  } else if (changes.expiresAt !== undefined) {
    set.push('expiresAt = :expiresAt', 'expiryShard = :shard', 'expiryDue = :expiresAt');
    values[':expiresAt'] = changes.expiresAt;
    values[':shard'] = expiryShard(ref.profileId, ref.name);
  }
  return {
    expression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
    names,
    values,
  };
}

/** The item a change leaves: what changeExpressions writes, computed from the item it applies to. */
export function applyChanges(item: SecretItem, changes: SecretChanges, now: string, writeToken: string): SecretItem {
  const next: Record<string, unknown> = { ...item };
  for (const [field, value] of Object.entries(changes)) {
    if (value !== undefined && field !== 'expiresAt' && field !== 'accountId') next[field] = value;
  }
  if (changes.visibility === 'private') for (const field of SHARE_ATTRIBUTES) delete next[field];
  else if (changes.visibility === 'account') Object.assign(next, shareIndexEntry({ profileId: item.profileId, name: item.name }, changes.accountId!));
  if (changes.expiresAt === null) {
    delete next.expiresAt;
    delete next.expiryShard;
    delete next.expiryDue;
  } else if (changes.expiresAt !== undefined) {
    Object.assign(next, { expiresAt: changes.expiresAt }, expiryIndexEntry({ profileId: item.profileId, name: item.name }, changes.expiresAt));
  }
  return { ...next, updatedAt: now, revision: item.revision + 1, lastWrite: writeToken } as SecretItem;
}

/** An idempotency key's record as stored, or undefined when it is not one (damaged by hand). */
function requestRecordOf(item: Record<string, unknown> | undefined): RequestRecord | undefined {
  const { sk, fingerprint, valueMac, result, createdAt, purgeAt } = item ?? {};
  if (typeof sk !== 'string' || typeof fingerprint !== 'string' || typeof result !== 'string' || typeof purgeAt !== 'number') return undefined;
  return {
    key: sk.slice(sk.indexOf('#') + 1),
    fingerprint,
    ...(typeof valueMac === 'string' && { valueMac }),
    result,
    createdAt: String(createdAt),
    purgeAt,
  };
}

const epochSeconds = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/** The cancellation reasons of a transaction DynamoDB refused; undefined for any other failure. */
function cancellationReasons(error: unknown): { Code?: string; Item?: Record<string, AttributeValue> }[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error as { CancellationReasons?: { Code?: string; Item?: Record<string, AttributeValue> }[] }).CancellationReasons ?? [];
}

// Reasons that mean "try again later", not "your request is wrong".
const TRANSIENT_CANCELLATIONS = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);

/** The item as our own earlier attempt left it, when a retry's condition failed on our own write. */
function writtenBy(result: CommandResult | ConditionFailed, writeToken: string): SecretItem | undefined {
  if (!conditionFailed(result) || result.existing === undefined) return undefined;
  if (stringAttribute(result.existing, 'lastWrite') !== writeToken) return undefined;
  // A failed condition's item comes in DynamoDB's wire format: the DocumentClient leaves it so.
  return unmarshall(result.existing as Record<string, AttributeValue>) as SecretItem;
}

interface CommandResult {
  Attributes?: SecretItem;
  Item?: Record<string, unknown>;
  Items?: Record<string, unknown>[];
  LastEvaluatedKey?: Record<string, unknown>;
}

export class SecretRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Inserts a new secret; SecretAlreadyExists when the profile already has the name. */
  async create(item: SecretItem): Promise<void> {
    const existing = await this.createOrRead(item);
    if (existing) throw new SecretAlreadyExists(item.name, existing.purgesAt ?? undefined);
  }

  /**
   * Inserts a new secret, or (in the same request) returns the item that already has its name,
   * untouched; SecretAlreadyExists only where the store does not return that item.
   */
  async createOrRead(item: SecretItem): Promise<SecretItem | undefined> {
    const result = await this.send(
      new PutCommand({
        TableName: this.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    if (!conditionFailed(result)) return undefined;
    if (!result.existing) throw new SecretAlreadyExists(item.name);
    // The SDK retries a 5xx, and a 5xx can come after the write took effect: then the
    // retry meets this very item (same id), which is a success, not a name clash.
    if (stringAttribute(result.existing, 'id') === item.id) return undefined;
    return unmarshall(result.existing as Record<string, AttributeValue>) as SecretItem;
  }

  /**
   * Records an access and returns the item, in one request; 404 if absent, 410 if expired. A reader
   * other than the owner reads only while the secret is shared with the reader's account (the
   * condition says so, so a secret made private meanwhile is not read); otherwise 404, whatever
   * the reason, so that nothing is learnt about secrets not shared.
   */
  async recordAccess(ref: SecretRef, now: string, reader: Reader = { profileId: ref.profileId }): Promise<SecretItem> {
    const owner = reader.profileId === ref.profileId;
    if (!owner && reader.accountId === undefined) throw new SecretNotFound(ref.name);
    const shareKey = owner ? undefined : accountPartition(reader.accountId!);
    const result = await this.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: secretKey(ref.profileId, ref.name),
        // The count changes the item on every access, so each one is a stream record (an audit
        // event) even when two fall in the same millisecond: DynamoDB writes none for a no-op.
        UpdateExpression: 'SET lastAccessed = :now, lastReader = :reader ADD accessCount :one',
        ConditionExpression: `${EXISTS} AND ${NOT_DELETED} AND ${NOT_EXPIRED}${owner ? '' : ' AND shareKey = :shareKey'}`,
        ExpressionAttributeValues: { ':now': now, ':one': 1, ':reader': reader.profileId, ...(shareKey && { ':shareKey': shareKey }) },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    if (!conditionFailed(result)) return result.Attributes!;
    const visible =
      result.existing !== undefined && stringAttribute(result.existing, 'deletedAt') === undefined && (owner || stringAttribute(result.existing, 'shareKey') === shareKey);
    throw visible ? new SecretExpired(ref.name) : new SecretNotFound(ref.name);
  }

  /**
   * The owners of the secrets named `name` shared with the account, live ones first: one Query
   * on the account index. `live` is false for an expired one (still listed, as a tombstone is).
   */
  async sharedOwners(accountId: string, name: string, now: string): Promise<{ profileId: string; live: boolean }[]> {
    const owners: { profileId: string; live: boolean }[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = (await this.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: ACCOUNT_INDEX,
          KeyConditionExpression: 'shareKey = :shareKey AND begins_with(shareSort, :name)',
          ProjectionExpression: 'shareSort, expiresAt, sweptAt, deletedAt',
          ExpressionAttributeValues: { ':shareKey': accountPartition(accountId), ':name': sharedSortPrefix(name, true) },
          ExclusiveStartKey: startKey,
        }),
      )) as CommandResult;
      for (const item of result.Items ?? []) {
        // A deleted secret is nobody's to read.
        if (item.deletedAt !== undefined) continue;
        const expiresAt = item.expiresAt;
        const live = item.sweptAt === undefined && !(typeof expiresAt === 'string' && expiresAt <= now);
        owners.push({ profileId: fromSharedSortKey(String(item.shareSort)).profileId, live });
      }
      startKey = result.LastEvaluatedKey;
    } while (startKey !== undefined);
    return owners;
  }

  /** The name of a profile's secret with this id, through the id index. */
  async nameOfId(profileId: string, id: string): Promise<string> {
    const result = (await this.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: BY_ID_INDEX,
        KeyConditionExpression: 'idKey = :idKey',
        ExpressionAttributeValues: { ':idKey': idIndexKey(id) },
        Limit: 1,
      }),
    )) as CommandResult;
    const found = result.Items?.[0] as PrimaryKey | undefined;
    // Another profile's id answers exactly like an unknown id.
    if (!found || found.pk !== profilePartition(profileId)) throw new SecretNotFound(id);
    return nameFromSortKey(found.sk);
  }

  /** One page of a profile's secrets in name order, or (`query.account`) of the secrets shared with an account, by name then owner. */
  async list(profileId: string, query: ListQuery, now: string): Promise<ListPage> {
    const shared = query.account !== undefined;
    const filters: string[] = [];
    // A key condition cannot begin_with an empty string: an account's whole partition has none.
    const byPrefix = !shared || Boolean(query.prefix);
    const values: Record<string, unknown> = shared
      ? { ':pk': accountPartition(query.account!), ...(byPrefix && { ':prefix': sharedSortPrefix(query.prefix!, false) }) }
      : { ':pk': profilePartition(profileId), ':prefix': secretSortPrefix(query.prefix) };
    // Where a page ends (at an item, or at the key where DynamoDB stopped), and the key a page after it starts from.
    const positionOf = (at: Record<string, unknown>, isKey = false) => (shared ? String(at.shareSort) : isKey ? nameFromSortKey(String(at.sk)) : String(at.name));
    const startAfter = (after: string) => {
      if (!shared) return { ...secretKey(profileId, after) };
      const { name, profileId: owner } = fromSharedSortKey(after);
      return { ...secretKey(owner, name), shareKey: values[':pk'], shareSort: after };
    };
    if (query.expired !== 'include') {
      filters.push(query.expired === 'exclude' ? NOT_EXPIRED : 'expiresAt <= :now');
      values[':now'] = now;
    }
    if (query.tag !== undefined) {
      filters.push('contains(tags, :tag)');
      values[':tag'] = query.tag;
    }
    if ((query.deleted ?? 'exclude') !== 'include') filters.push(query.deleted === 'only' ? 'attribute_exists(deletedAt)' : NOT_DELETED);
    const names = Object.fromEntries((shared ? SHARED_LISTED_ATTRIBUTES : LISTED_ATTRIBUTES).map((a) => [`#${a}`, a]));

    const queryPage = async (startKey: Record<string, unknown> | undefined, limit: number) =>
      (await this.send(
        new QueryCommand({
          TableName: this.tableName,
          ...(shared
            ? { IndexName: ACCOUNT_INDEX, KeyConditionExpression: `shareKey = :pk${byPrefix ? ' AND begins_with(shareSort, :prefix)' : ''}` }
            : { KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)' }),
          ...(filters.length > 0 && { FilterExpression: filters.join(' AND ') }),
          ProjectionExpression: Object.keys(names).join(', '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ExclusiveStartKey: startKey,
          Limit: limit,
        }),
      )) as CommandResult;

    // One more than a page tells whether another page exists. DynamoDB applies Limit before the
    // filter, so when filters leave the page short, one wider Query follows, and no more: a page
    // costs at most two requests, and may come back short with a cursor to go on from.
    const pageSize = query.limit;
    let result = await queryPage(query.after === undefined ? undefined : startAfter(query.after), pageSize + 1);
    const items = (result.Items ?? []) as unknown as SecretItem[];
    if (items.length <= pageSize && result.LastEvaluatedKey !== undefined) {
      result = await queryPage(result.LastEvaluatedKey, Math.min(LIST_WIDER_QUERY_MAX, (pageSize + 1) * 10));
      items.push(...((result.Items ?? []) as unknown as SecretItem[]));
    }
    if (items.length > pageSize) return { items: items.slice(0, pageSize), after: positionOf(items[pageSize - 1]!) };
    return { items, after: result.LastEvaluatedKey === undefined ? null : positionOf(result.LastEvaluatedKey, true) };
  }

  /** Sets the expiry of a live secret and bumps its revision; only ever brings it forward. */
  async expire(ref: SecretRef, at: string, now: string, writeToken: string): Promise<SecretItem> {
    return this.change(ref, this.expiry(ref, at, now, writeToken), now, writeToken);
  }

  /**
   * Applies only the named changes, in one conditional request, so concurrent updates of
   * different fields all take effect. With `expected` (If-Match) it is a check-and-set.
   */
  async update(ref: SecretRef, changes: SecretChanges, now: string, writeToken: string, expected?: RevisionMatch): Promise<SecretItem> {
    return this.change(ref, this.edit(ref, changes, now, writeToken, expected), now, writeToken);
  }

  /** A keyed request's record, unless its time has passed, and the secret it names, read together. */
  async readRequest(ref: SecretRef, key: string, now: string): Promise<{ earlier?: RequestRecord; item?: SecretItem }> {
    try {
      const result = await this.db.send(
        new TransactGetCommand({
          TransactItems: [
            { Get: { TableName: this.tableName, Key: requestKey(ref.profileId, key) } },
            { Get: { TableName: this.tableName, Key: secretKey(ref.profileId, ref.name) } },
          ],
        }),
      );
      const [record, secret] = (result.Responses ?? []).map((response) => response?.Item);
      const earlier = requestRecordOf(record);
      // A record past its time may wait days for TTL: the key is free again.
      return { earlier: earlier && earlier.purgeAt > epochSeconds(now) ? earlier : undefined, item: secret as SecretItem | undefined };
    } catch (error) {
      throw translateDatabaseError(error);
    }
  }

  /** create, and the key's record of it, in one transaction. */
  async createOnce(item: SecretItem, record: RequestRecord, writeToken: string): Promise<Once<void>> {
    const outcome = await this.transact(writeToken, [
      this.recordPut(item.profileId, record),
      { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
    ]);
    // Stryker disable next-line ObjectLiteral: equivalent; callers tell the outcomes apart by 'earlier' alone, and done carries nothing
    if (outcome === 'done') return { done: undefined };
    if ('earlier' in outcome) return outcome;
    throw new SecretAlreadyExists(item.name);
  }

  /** update, and the key's record of it, in one transaction, if the secret is still at `revision`. */
  async updateOnce(
    ref: SecretRef,
    changes: SecretChanges,
    now: string,
    writeToken: string,
    expected: RevisionMatch | undefined,
    keyed: { record: RequestRecord; revision: number },
  ): Promise<Once<void>> {
    return this.changeOnce(ref, this.edit(ref, changes, now, writeToken, expected), now, writeToken, keyed);
  }

  /** expire, and the key's record of it, in one transaction, if the secret is still at `revision`. */
  async expireOnce(ref: SecretRef, at: string, now: string, writeToken: string, keyed: { record: RequestRecord; revision: number }): Promise<Once<void>> {
    return this.changeOnce(ref, this.expiry(ref, at, now, writeToken), now, writeToken, keyed);
  }

  private edit(ref: SecretRef, changes: SecretChanges, now: string, writeToken: string, expected?: RevisionMatch): Change {
    const { expression, names, values } = changeExpressions(ref, changes, now, writeToken);
    let condition = `${EXISTS} AND ${NOT_DELETED} AND ${NOT_EXPIRED} AND ${NOT_WRITTEN}`;
    if (Array.isArray(expected)) {
      // No revision listed (only weak tags): nothing matches, and an existing secret answers 412.
      if (expected.length === 0) condition += ' AND attribute_not_exists(revision)';
      else {
        condition += ` AND revision IN (${expected.map((_, i) => `:expected${i}`).join(', ')})`;
        expected.forEach((revision, i) => (values[`:expected${i}`] = revision));
      }
    }
    return {
      update: {
        UpdateExpression: expression,
        ConditionExpression: condition,
        ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
        ExpressionAttributeValues: values,
      },
      refusal: () => new PreconditionFailed(ref.name),
    };
  }

  private expiry(ref: SecretRef, at: string, now: string, writeToken: string): Change {
    const { expression, values } = changeExpressions(ref, { expiresAt: at }, now, writeToken);
    return {
      update: {
        UpdateExpression: expression,
        // Expire only brings an expiry forward; a later one is set with PATCH expiresAt.
        ConditionExpression: `${EXISTS} AND ${NOT_DELETED} AND ${NOT_EXPIRED} AND (attribute_not_exists(expiresAt) OR expiresAt >= :expiresAt) AND ${NOT_WRITTEN}`,
        ExpressionAttributeValues: values,
      },
      refusal: (existing) => {
        const expiresAt = stringAttribute(existing, 'expiresAt');
        return new ValidationError([{ path: 'at', message: `is later than the secret's expiry (${expiresAt}): extend it with PATCH expiresAt` }]);
      },
    };
  }

  private async change(ref: SecretRef, change: Change, now: string, writeToken: string): Promise<SecretItem> {
    const result = await this.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: secretKey(ref.profileId, ref.name),
        ...change.update,
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return changedItem(result, ref, now, writeToken, change.refusal);
  }

  private async changeOnce(
    ref: SecretRef,
    change: Change,
    now: string,
    writeToken: string,
    keyed: { record: RequestRecord; revision: number },
  ): Promise<Once<void>> {
    const outcome = await this.transact(writeToken, [
      this.recordPut(ref.profileId, keyed.record),
      {
        Update: {
          TableName: this.tableName,
          Key: secretKey(ref.profileId, ref.name),
          ...change.update,
          ConditionExpression: `${change.update.ConditionExpression} AND revision = :read`,
          ExpressionAttributeValues: { ...change.update.ExpressionAttributeValues, ':read': keyed.revision },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ]);
    // Stryker disable next-line ObjectLiteral: equivalent; callers tell the outcomes apart by 'earlier' alone, and done carries nothing
    if (outcome === 'done') return { done: undefined };
    if ('earlier' in outcome) return outcome;
    const existing = outcome.refused && (unmarshall(outcome.refused) as Record<string, unknown>);
    if (existing && existing.revision !== keyed.revision) return { moved: true };
    throw whyRefused(existing, ref, now, change.refusal);
  }

  private deletion(ref: SecretRef) {
    return { Delete: { TableName: this.tableName, Key: secretKey(ref.profileId, ref.name), ConditionExpression: EXISTS } };
  }

  /** The Put of a key's record, refused while an earlier record of the key is still in its time. */
  private recordPut(profileId: string, record: RequestRecord) {
    const { key, ...attributes } = record;
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...requestKey(profileId, key), ...attributes },
        ConditionExpression: 'attribute_not_exists(pk) OR purgeAt <= :now',
        ExpressionAttributeValues: { ':now': epochSeconds(record.createdAt) },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      },
    };
  }

  /**
   * Runs a transaction whose first item is a key's record when `items` has two: 'done', the earlier
   * record when the key's record was refused, or the operation's item as it was when its own
   * condition was refused (undefined when absent). ClientRequestToken makes the SDK's retries safe.
   */
  private async transact(
    clientRequestToken: string,
    items: object[],
    keyed = items.length === 2,
  ): Promise<'done' | { earlier: RequestRecord } | { refused?: Record<string, AttributeValue> }> {
    try {
      await this.db.send(new TransactWriteCommand({ ClientRequestToken: clientRequestToken, TransactItems: items as never }));
      return 'done';
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (!reasons) throw translateDatabaseError(error);
      // Another transaction or throttling got in the way: busy, and the same request may be retried.
      if (reasons.some((reason) => TRANSIENT_CANCELLATIONS.has(reason.Code ?? ''))) throw new ServiceUnavailable('database', { cause: error });
      if (keyed && reasons[0]?.Code === 'ConditionalCheckFailed') {
        // Its condition let a record past its time be replaced: this one is in its time.
        const earlier = requestRecordOf(reasons[0].Item && unmarshall(reasons[0].Item));
        if (!earlier) throw new Error('the idempotency key has a damaged record', { cause: error });
        return { earlier };
      }
      const own = reasons[keyed ? 1 : 0];
      if (own?.Code === 'ConditionalCheckFailed') return { refused: own.Item };
      throw translateDatabaseError(error);
    }
  }

  /** The secret as it is now (a strongly consistent read): what a change of value starts from. */
  async readSecret(ref: SecretRef): Promise<SecretItem | undefined> {
    return (await this.send(new GetCommand({ TableName: this.tableName, Key: secretKey(ref.profileId, ref.name), ConsistentRead: true }))).Item as
      | SecretItem
      | undefined;
  }

  /** An earlier version of the secret's value, if it is still held. */
  async readVersion(ref: SecretRef, version: number): Promise<VersionItem | undefined> {
    return (await this.send(new GetCommand({ TableName: this.tableName, Key: versionKey(ref.profileId, ref.name, version) }))).Item as VersionItem | undefined;
  }

  /** The earlier versions held, oldest first, without their tokens. */
  async versionsOf(ref: SecretRef): Promise<Pick<VersionItem, 'pk' | 'sk' | 'valueVersion' | 'createdAt'>[]> {
    const versions: Pick<VersionItem, 'pk' | 'sk' | 'valueVersion' | 'createdAt'>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const result = (await this.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ProjectionExpression: 'pk, sk, valueVersion, createdAt',
          ExpressionAttributeValues: { ':pk': profilePartition(ref.profileId), ':prefix': versionSortPrefix(ref.name) },
          ExclusiveStartKey: startKey,
        }),
      )) as CommandResult;
      versions.push(...((result.Items ?? []) as Pick<VersionItem, 'pk' | 'sk' | 'valueVersion' | 'createdAt'>[]));
      startKey = result.LastEvaluatedKey;
    } while (startKey !== undefined);
    return versions;
  }

  /**
   * A change of value: the secret changed (if it is still at the revision read, and `expected`
   * holds), its previous value kept as a version item, and the version that falls out of the
   * history removed, in one transaction (with a keyed request's record first).
   */
  async changeValue(
    ref: SecretRef,
    changes: SecretChanges,
    now: string,
    writeToken: string,
    expected: RevisionMatch | undefined,
    history: { revision: number; previous?: VersionItem; prune?: number },
    record?: RequestRecord,
  ): Promise<Once<void>> {
    const change = this.edit(ref, changes, now, writeToken, expected);
    const items = [
      ...(record ? [this.recordPut(ref.profileId, record)] : []),
      {
        Update: {
          TableName: this.tableName,
          Key: secretKey(ref.profileId, ref.name),
          ...change.update,
          ConditionExpression: `${change.update.ConditionExpression} AND revision = :read`,
          ExpressionAttributeValues: { ...change.update.ExpressionAttributeValues, ':read': history.revision },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      ...(history.previous ? [{ Put: { TableName: this.tableName, Item: history.previous } }] : []),
      ...(history.prune !== undefined && history.prune >= 1 ? [{ Delete: { TableName: this.tableName, Key: versionKey(ref.profileId, ref.name, history.prune) } }] : []),
    ];
    const outcome = await this.transact(writeToken, items, record !== undefined);
    // Stryker disable next-line ObjectLiteral: equivalent; callers tell the outcomes apart by 'earlier' alone, and done carries nothing
    if (outcome === 'done') return { done: undefined };
    if ('earlier' in outcome) return outcome;
    const existing = outcome.refused && (unmarshall(outcome.refused) as Record<string, unknown>);
    if (existing && existing.revision !== history.revision) return { moved: true };
    throw whyRefused(existing, ref, now, change.refusal);
  }

  /**
   * Schedules the deletion of a live or expired secret: it answers 404 from now on, and the sweep
   * destroys it at `purgesAt` (the expiry index holds it until then). SecretNotFound when absent or
   * already deleted. With a keyed request's record, one transaction.
   */
  async scheduleDeletion(ref: SecretRef, now: string, purgesAt: string, writeToken: string, record?: RequestRecord): Promise<Once<void>> {
    const update = {
      TableName: this.tableName,
      Key: secretKey(ref.profileId, ref.name),
      UpdateExpression: 'SET deletedAt = :now, purgesAt = :purgesAt, expiryShard = :shard, expiryDue = :purgesAt, lastWrite = :write',
      ConditionExpression: `${EXISTS} AND ${NOT_DELETED} AND ${NOT_WRITTEN}`,
      ExpressionAttributeValues: { ':now': now, ':purgesAt': purgesAt, ':shard': expiryShard(ref.profileId, ref.name), ':write': writeToken },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    if (record) {
      const outcome = await this.transact(writeToken, [this.recordPut(ref.profileId, record), { Update: update }]);
      // Stryker disable next-line ObjectLiteral: equivalent; callers tell the outcomes apart by 'earlier' alone, and done carries nothing
      if (outcome === 'done') return { done: undefined };
      if ('earlier' in outcome) return outcome;
      throw new SecretNotFound(ref.name);
    }
    const result = await this.send(new UpdateCommand(update));
    if (conditionFailed(result) && !writtenBy(result, writeToken)) throw new SecretNotFound(ref.name);
    return { done: undefined };
  }

  /**
   * Brings back a deleted secret read as `item`, while its window lasts: its expiry pending again
   * if it had one the sweep has not met. False when it changed since, or its window has passed.
   */
  async restoreDeleted(ref: SecretRef, item: SecretItem, now: string, writeToken: string): Promise<SecretItem | undefined> {
    const pending = item.expiresAt !== undefined && item.expiresAt !== null && item.sweptAt === undefined;
    const result = await this.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: secretKey(ref.profileId, ref.name),
        UpdateExpression: `REMOVE deletedAt, purgesAt${pending ? '' : ', expiryShard, expiryDue'} SET lastWrite = :write${pending ? ', expiryDue = :expiresAt' : ''}`,
        ConditionExpression: 'deletedAt = :deletedAt AND purgesAt > :now',
        ExpressionAttributeValues: { ':deletedAt': item.deletedAt, ':now': now, ':write': writeToken, ...(pending && { ':expiresAt': item.expiresAt }) },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    if (!conditionFailed(result)) return result.Attributes!;
    return writtenBy(result, writeToken);
  }

  /**
   * Deletes a secret at once, with every version it holds, whether or not its deletion was
   * scheduled; SecretNotFound when absent. One transaction (with a keyed request's record first),
   * whose ClientRequestToken makes a retry answer as the first attempt.
   */
  async deleteNow(ref: SecretRef, writeToken: string, record?: RequestRecord): Promise<Once<void>> {
    const versions = await this.versionsOf(ref);
    const items = [
      ...(record ? [this.recordPut(ref.profileId, record)] : []),
      this.deletion(ref),
      ...versions.map(({ pk, sk }) => ({ Delete: { TableName: this.tableName, Key: { pk, sk } } })),
    ];
    const outcome = await this.transact(writeToken, items, record !== undefined);
    // Stryker disable next-line ObjectLiteral: equivalent; callers tell the outcomes apart by 'earlier' alone, and done carries nothing
    if (outcome === 'done') return { done: undefined };
    if ('earlier' in outcome) return outcome;
    throw new SecretNotFound(ref.name);
  }

  /** Removes every version item of the secret, its ciphertext with it. */
  private async destroyVersions(ref: SecretRef): Promise<void> {
    const versions = await this.versionsOf(ref);
    await Promise.all(versions.map(({ pk, sk }) => this.send(new DeleteCommand({ TableName: this.tableName, Key: { pk, sk } }))));
  }

  /** One page of the expiry index in a shard: keys of secrets due at or before `now`. */
  async dueInShard(shard: string, now: string, limit: number, startKey?: Record<string, unknown>) {
    const result = (await this.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: EXPIRY_INDEX,
        KeyConditionExpression: 'expiryShard = :shard AND expiryDue <= :now',
        ExpressionAttributeValues: { ':shard': shard, ':now': now },
        ExclusiveStartKey: startKey,
        Limit: limit,
      }),
    )) as CommandResult;
    return {
      keys: (result.Items ?? []).map((item) => ({ pk: item.pk as string, sk: item.sk as string })),
      nextKey: result.LastEvaluatedKey,
    };
  }

  /**
   * A due secret of the expiry index: an expired one has the ciphertext of every version destroyed
   * and leaves a tombstone that DynamoDB's TTL removes at `purgeAt`; a deleted one whose window has
   * passed is removed with its versions. The versions go first, so a run cut short leaves the secret
   * due for the next. False when there was nothing to do (already swept by a concurrent run,
   * restored, or not due after all): nothing is done twice.
   */
  async sweep(key: PrimaryKey, now: string, purgeAt: number): Promise<boolean> {
    const ref = refOfKey(key);
    // The index may lag the table (an expiry extended just before it came due): only the secret
    // itself, read consistently, says it is due. Once due it stays so (an expired secret cannot be
    // changed, a deletion past its window cannot be restored), so its versions may go first.
    const item = await this.readSecret(ref);
    if (item === undefined) return false;
    const deleted = item.deletedAt !== undefined;
    const due = deleted ? item.purgesAt != null && item.purgesAt <= now : item.expiryShard !== undefined && item.expiresAt != null && item.expiresAt <= now;
    if (!due) return false;
    await this.destroyVersions(ref);
    // The conditions still hold the invariants: nothing is done twice by concurrent runs.
    const result = await this.send(
      deleted
        ? new DeleteCommand({ TableName: this.tableName, Key: key, ConditionExpression: 'purgesAt = :purgesAt', ExpressionAttributeValues: { ':purgesAt': item.purgesAt } })
        : new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET sweptAt = :now, #ttl = :purgeAt REMOVE #token, binding, expiryShard, expiryDue',
            ConditionExpression: `attribute_exists(expiryShard) AND expiresAt <= :now AND ${NOT_DELETED}`,
            ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE, '#token': 'token' },
            ExpressionAttributeValues: { ':now': now, ':purgeAt': purgeAt },
          }),
    );
    return !conditionFailed(result);
  }

  /** One page of every secret that still holds a token, whatever its profile: rotation's worklist. */
  async sealedSecretsPage(limit: number, startKey?: Record<string, unknown>) {
    const result = (await this.send(
      new ScanCommand({
        TableName: this.tableName,
        FilterExpression: 'attribute_exists(#token)',
        ProjectionExpression: 'pk, sk, id, profileId, #name, revision, valueVersion, #token, binding',
        ExpressionAttributeNames: { '#token': 'token', '#name': 'name' },
        ExclusiveStartKey: startKey,
        Limit: limit,
      }),
    )) as CommandResult;
    return { items: (result.Items ?? []) as unknown as SecretItem[], nextKey: result.LastEvaluatedKey };
  }

  /** Replaces a token, only if it is still the one that was read (rotation never races an update). */
  async replaceToken(item: SecretItem, sealed: SealedValue): Promise<boolean> {
    const result = await this.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression: 'SET #token = :token, binding = :binding',
        ConditionExpression: '#token = :old',
        ExpressionAttributeNames: { '#token': 'token' },
        ExpressionAttributeValues: { ':token': sealed.token, ':binding': sealed.binding, ':old': item.token },
      }),
    );
    return !conditionFailed(result);
  }

  /** Sends a command; a condition that did not hold is a result, any other failure an error. */
  private async send(
    command: PutCommand | UpdateCommand | QueryCommand | ScanCommand | DeleteCommand,
  ): Promise<CommandResult | ConditionFailed>;
  private async send(command: GetCommand): Promise<CommandResult>;
  private async send(
    command: PutCommand | UpdateCommand | QueryCommand | ScanCommand | DeleteCommand | GetCommand,
  ): Promise<CommandResult | ConditionFailed> {
    try {
      return (await this.db.send(command as never)) as CommandResult;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { conditionFailed: true, existing: error.Item };
      throw translateDatabaseError(error);
    }
  }
}


/**
 * A string attribute of the item returned with a failed condition. The DocumentClient does not
 * unmarshall `ConditionalCheckFailedException.Item`: it arrives in DynamoDB's wire format
 * (`{ expiresAt: { S: '...' } }`), so a plain `item.expiresAt` is an object, never a string.
 */
function stringAttribute(item: Record<string, unknown>, name: string): string | undefined {
  const value = item[name];
  if (typeof value === 'string') return value;
  const wire = (value as { S?: unknown } | undefined)?.S;
  return typeof wire === 'string' ? wire : undefined;
}

/** The sparse expiry-index entry of a secret that expires: its shard and due time. */
export function expiryIndexEntry(ref: SecretRef, expiresAt: string): Pick<SecretItem, 'expiryShard' | 'expiryDue'> {
  return { expiryShard: expiryShard(ref.profileId, ref.name), expiryDue: expiresAt };
}

/** The sparse account-index entry of a secret shared with `accountId`. */
export function shareIndexEntry(ref: SecretRef, accountId: string): Pick<SecretItem, 'accountId' | 'shareKey' | 'shareSort'> {
  return { accountId, shareKey: accountPartition(accountId), shareSort: sharedSortKey(ref.name, ref.profileId) };
}

const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
]);

/** Throttling, 5xx and network failures (after the SDK's own retries) become 503. */
export function translateDatabaseError(error: unknown): Error {
  if (isSecretStoreError(error)) return error;
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  const status = e?.$metadata?.httpStatusCode;
  if (
    RETRYABLE_NAMES.has(e?.name ?? '') ||
    (status !== undefined && status >= 500) ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(e?.code ?? '') ||
    e?.name === 'TimeoutError'
  ) {
    return new ServiceUnavailable('database', { cause: error });
  }
  return error as Error;
}
