// The table's key layout, pinned: items already stored are found by these keys, so a change to a
// prefix or to how a secret's expiry shard is chosen would lose existing data. The shards were
// computed independently (Python: sha256(profile + "\0" + name), first 4 bytes big-endian, mod 16).
import { describe, expect, it } from 'vitest';
import {
  allExpiryShards,
  EXPIRY_SHARD_COUNT,
  expiryShard,
  idIndexKey,
  nameFromSortKey,
  refOfKey,
  profilePartition,
  requestKey,
  secretKey,
  secretSortPrefix,
} from '../../lib/store/table.js';

describe('key layout', () => {
  it('keeps every prefix', () => {
    expect(secretKey('alice', 'apiKey')).toEqual({ pk: 'PROFILE#alice', sk: 'SECRET#apiKey' });
    expect(profilePartition('bob')).toBe('PROFILE#bob');
    expect(secretSortPrefix()).toBe('SECRET#');
    expect(secretSortPrefix('api')).toBe('SECRET#api');
    expect(requestKey('alice', 'digest')).toEqual({ pk: 'PROFILE#alice', sk: 'REQUEST#digest' });
    expect(idIndexKey('01JD8Z7Q2M5K3V9X4T6B8N0C1R')).toBe('ID#01JD8Z7Q2M5K3V9X4T6B8N0C1R');
    expect(nameFromSortKey('SECRET#apiKey')).toBe('apiKey');
    // A profile id may hold '#': only the prefix is taken off.
    expect(refOfKey(secretKey('auth0|a#b', 'apiKey'))).toEqual({ profileId: 'auth0|a#b', name: 'apiKey' });
  });

  it('puts a secret in the same expiry shard as before, the profile and name kept apart', () => {
    expect(EXPIRY_SHARD_COUNT).toBe(16);
    expect(expiryShard('alice', 'apiKey')).toBe('EXPIRY#5');
    expect(expiryShard('al', 'ice')).toBe('EXPIRY#4');
    expect(expiryShard('ali', 'ceKey')).toBe('EXPIRY#0');
    expect(expiryShard('bob', 'x')).toBe('EXPIRY#7');
    expect(allExpiryShards()).toEqual(Array.from({ length: 16 }, (_, i) => `EXPIRY#${i}`));
  });
});
