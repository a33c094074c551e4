// A stored item read back as the contract's Secret (lib/domain/secret.ts): exactly the public
// fields in the contract's order, absent optional attributes as null, `expired` derived from the
// clock or the sweep, and a damaged item refused as SecretDamaged naming the secret.
import { describe, expect, it } from 'vitest';
import { SecretDamaged } from '../../lib/domain/errors.js';
import { PUBLIC_SOURCE_ATTRIBUTES, toSecret, type SecretItem } from '../../lib/domain/secret.js';

const now = '2026-12-02T10:00:00.000Z';
const item = (fields: Record<string, unknown> = {}) =>
  ({
    pk: 'PROFILE#alice',
    sk: 'SECRET#apiKey',
    idKey: 'ID#01JDQ0Z6S1ZQ8Y3N5E6W7X8Y9Z',
    profileId: 'alice',
    id: '01JDQ0Z6S1ZQ8Y3N5E6W7X8Y9Z',
    name: 'apiKey',
    description: 'd',
    version: '1.0.0',
    annotations: { owner: 'ops' },
    tags: ['prod'],
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
    lastAccessed: null,
    revision: 3,
    token: 'gAAAAA-token',
    binding: 'binding-mac',
    lastWrite: 'w',
    ...fields,
  }) as unknown as SecretItem;

describe('toSecret', () => {
  it('shows exactly the contract\'s fields, in its order, and nothing stored for the store\'s own use', () => {
    const secret = toSecret(item(), now, 'apiKey');
    expect(Object.keys(secret)).toEqual(['id', 'name', 'description', 'version', 'annotations', 'tags', 'createdAt', 'updatedAt', 'lastAccessed', 'expiresAt', 'expired', 'revision', 'visibility', 'owner', 'valueVersion', 'deletedAt', 'purgesAt']);
    expect(secret).toMatchObject({ expiresAt: null, expired: false, revision: 3, annotations: { owner: 'ops' } });
  });

  it('reads an item from before sharing, versions and deletes as private, version 1, not deleted; and what an item holds as it is', () => {
    expect(toSecret(item(), now, 'apiKey')).toMatchObject({ visibility: 'private', owner: 'alice', valueVersion: 1, deletedAt: null, purgesAt: null });
    const later = { visibility: 'account', valueVersion: 4, deletedAt: now, purgesAt: '2026-12-09T10:00:00.000Z' };
    expect(toSecret(item(later), now, 'apiKey')).toMatchObject(later);
  });

  it('derives expired from expiresAt at the read\'s clock, the boundary included', () => {
    expect(toSecret(item({ expiresAt: '2026-12-02T10:00:00.001Z' }), now, 'apiKey').expired).toBe(false);
    expect(toSecret(item({ expiresAt: now }), now, 'apiKey').expired).toBe(true);
  });

  it('reads a swept secret as expired even where the reader\'s clock is behind its expiry', () => {
    // The sweep ran on a clock ahead of this one: the value is gone, whatever this clock says.
    const swept = item({ expiresAt: '2026-12-02T10:00:05.000Z', sweptAt: '2026-12-02T10:00:06.000Z', token: undefined, binding: undefined });
    expect(toSecret(swept, now, 'apiKey').expired).toBe(true);
    expect(PUBLIC_SOURCE_ATTRIBUTES).toEqual(expect.arrayContaining(['sweptAt', 'expiresAt']));
  });

  it('refuses an item whose stored attributes are not what the store writes, naming the secret and the attributes', () => {
    for (const [damage, attributes] of [
      [{ tags: 'prod' }, 'tags'],
      [{ revision: '3', annotations: ['x'] }, 'annotations, revision'],
      [{ revision: undefined }, 'revision'],
      [{ name: undefined }, 'name'],
      [{ expiresAt: 5 }, 'expiresAt'],
      [{ sweptAt: 1 }, 'sweptAt'],
    ] as const) {
      let error: unknown;
      try {
        toSecret(item(damage), now, 'apiKey');
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(damage)).toBeInstanceOf(SecretDamaged);
      expect((error as SecretDamaged).message).toContain('apiKey');
      expect(((error as SecretDamaged).cause as Error).message).toBe(`stored attributes of the wrong type: ${attributes}`);
    }
  });
});
