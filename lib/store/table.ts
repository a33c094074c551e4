// The single table: its definition (table.json, which serverless.yml deploys) and the pure
// builders of its keys, so code, tests and infrastructure cannot drift apart.
import { createHash } from 'node:crypto';
import table from './table.json' with { type: 'json' };

/** The table's key schema and indexes, in the shape CreateTable and CloudFormation both take. */
export const TABLE_DEFINITION = table;
export const BY_ID_INDEX = 'byId';
export const EXPIRY_INDEX = 'byExpiry';
export const ACCOUNT_INDEX = 'byAccount';
export type IndexName = typeof BY_ID_INDEX | typeof EXPIRY_INDEX | typeof ACCOUNT_INDEX;
export const TTL_ATTRIBUTE = table.TimeToLiveAttribute;
export const EXPIRY_SHARD_COUNT = table.ExpiryShardCount;

const PROFILE_PREFIX = 'PROFILE#';
const SECRET_PREFIX = 'SECRET#';
const ID_PREFIX = 'ID#';
const SHARD_PREFIX = 'EXPIRY#';
const REQUEST_PREFIX = 'REQUEST#';
const VERSION_PREFIX = 'VERSION#';
const ACCOUNT_PREFIX = 'ACCOUNT#';
// Between a shared secret's name and its owner in the account index: names never hold it.
const OWNER_SEPARATOR = '#';

export interface PrimaryKey {
  pk: string;
  sk: string;
}

export const profilePartition = (profileId: string): string => `${PROFILE_PREFIX}${profileId}`;

/** Sort keys begin with this for every secret whose name starts with `namePrefix`. */
export const secretSortPrefix = (namePrefix = ''): string => `${SECRET_PREFIX}${namePrefix}`;

export const secretKey = (profileId: string, name: string): PrimaryKey => ({
  pk: profilePartition(profileId),
  sk: secretSortPrefix(name),
});

/**
 * An earlier version of a secret's value, beside the secret in its profile's partition (never
 * under `SECRET#`, so lists do not meet it); numbers padded so versions sort in order.
 */
export const versionSortPrefix = (name: string): string => `${VERSION_PREFIX}${name}#`;
export const versionKey = (profileId: string, name: string, version: number): PrimaryKey => ({
  pk: profilePartition(profileId),
  sk: `${versionSortPrefix(name)}${String(version).padStart(10, '0')}`,
});

/** What an idempotency key remembers lives beside the profile's secrets, under the key's digest. */
export const requestKey = (profileId: string, keyDigest: string): PrimaryKey => ({
  pk: profilePartition(profileId),
  sk: `${REQUEST_PREFIX}${keyDigest}`,
});

/** The account index's partition: every secret shared with the account. */
export const accountPartition = (accountId: string): string => `${ACCOUNT_PREFIX}${accountId}`;

/**
 * A shared secret's place in its account's partition: by name, then owner, so the owners of one
 * name are one range (`sharedSortPrefix(name, true)`) and a name prefix is another.
 */
export const sharedSortKey = (name: string, profileId: string): string => `${name}${OWNER_SEPARATOR}${profileId}`;
export const sharedSortPrefix = (name: string, exact: boolean): string => (exact ? `${name}${OWNER_SEPARATOR}` : name);

/** The secret a shared sort key names. */
export function fromSharedSortKey(shareSort: string): { name: string; profileId: string } {
  const at = shareSort.indexOf(OWNER_SEPARATOR);
  return { name: shareSort.slice(0, at), profileId: shareSort.slice(at + 1) };
}

export const nameFromSortKey = (sk: string): string => sk.slice(SECRET_PREFIX.length);

/** The secret a secret's primary key names (what the expiry index gives the sweep). */
export const refOfKey = (key: PrimaryKey): { profileId: string; name: string } => ({ profileId: key.pk.slice(PROFILE_PREFIX.length), name: nameFromSortKey(key.sk) });

export const idIndexKey = (id: string): string => `${ID_PREFIX}${id}`;

// Due secrets are spread over a fixed number of expiry partitions so that no single
// index partition becomes hot; the sweep reads every shard, each only up to "now".
export const expiryShard = (profileId: string, name: string): string => {
  const digest = createHash('sha256').update(profileId).update('\0').update(name).digest();
  return `${SHARD_PREFIX}${digest.readUInt32BE(0) % EXPIRY_SHARD_COUNT}`;
};

export const allExpiryShards = (): string[] =>
  Array.from({ length: EXPIRY_SHARD_COUNT }, (_, shard) => `${SHARD_PREFIX}${shard}`);
