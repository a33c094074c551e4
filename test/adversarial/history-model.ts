// The value-history property's model: per profile and name, every value by version, the current
// version, deleted or not; the ops that change them, and what a read must answer.
import fc from 'fast-check';

/** VALUE_VERSIONS, which the harness leaves at its default: the versions of a value kept, the current one included. */
export const KEEP = 10;
/** RECOVERY_DAYS at its default, in milliseconds: how long after a delete `purgesAt` is. */
export const RECOVERY_MS = 7 * 86_400_000;
/** A versions list goes back over this many versions, held or destroyed. */
export const VERSIONS_LISTED = 100;

export const NAMES = ['apiKey', 'dbPassword'];
// Three profiles whose names collide: the first two are members of one account (so a secret one of
// them shares is the other's to read, and only to read), the third is alone in another account.
export const PROFILE_SUFFIXES = ['alice', 'bob', 'mallory'];
export const ACCOUNT_SUFFIXES = ['acme', 'acme', 'elsewhere'];

export interface ModelVersion {
  value: string;
  /** When it was set: the updatedAt of the answer that set it. */
  createdAt: string;
}

export interface ModelSecret {
  id: string;
  /** Every value the secret has had, version N at index N - 1 (held or not). */
  versions: ModelVersion[];
  revision: number;
  createdAt: string;
  updatedAt: string;
  visibility: 'private' | 'account';
  /** Set while the deletion is scheduled. */
  deleted: { deletedAt: string; purgesAt: string } | null;
}

export type Model = Map<string, ModelSecret>;

export interface World {
  profiles: string[];
  accounts: string[];
  models: Model[];
}

export const current = (s: ModelSecret): number => s.versions.length;
/** Whether version `v` of `s` still holds its value: the last KEEP, the current one included. */
export const isHeld = (s: ModelSecret, v: number): boolean => v >= 1 && v <= current(s) && v > current(s) - KEEP;

/** What a read of `name` by `p` reaches: its own live secret, else the one a member of its account shares (live: not deleted), else nothing. */
export function readable(world: World, p: number, name: string): { owner: number; secret: ModelSecret } | undefined {
  const own = world.models[p]!.get(name);
  if (own && !own.deleted) return { owner: p, secret: own };
  for (const [q, model] of world.models.entries()) {
    if (q === p || world.accounts[q] !== world.accounts[p]) continue;
    const shared = model.get(name);
    if (shared && !shared.deleted && shared.visibility === 'account') return { owner: q, secret: shared };
  }
  return undefined;
}

/** The versions list the model says `s` answers: newest first, the last VERSIONS_LISTED. */
export function expectedVersions(s: ModelSecret) {
  const listed = [];
  for (let v = current(s); v >= Math.max(1, current(s) - VERSIONS_LISTED + 1); v -= 1) {
    const held = isHeld(s, v);
    listed.push({ version: v, createdAt: held ? s.versions[v - 1]!.createdAt : null, current: v === current(s), destroyed: !held });
  }
  return listed;
}

export type Via = 'http' | 'direct';
export type Op =
  | { kind: 'create'; p: number; name: string; shared: boolean; via: Via }
  /** `times` PATCHes of a new value in a row (more than KEEP, some of them, so that versions are destroyed). */
  | { kind: 'setValue'; p: number; name: string; times: number; via: Via }
  /** PATCH restoreVersion N, N = max(1, current + offset): a held, a destroyed, the current or a future version. */
  | { kind: 'rollback'; p: number; name: string; offset: number; via: Via }
  | { kind: 'delete'; p: number; name: string; force: boolean; via: Via }
  | { kind: 'restore'; p: number; name: string; via: Via };

const p = fc.nat(PROFILE_SUFFIXES.length - 1);
const name = fc.constantFrom(...NAMES);
const via = fc.constantFrom<Via>('http', 'direct');
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('create' as const), p, name, shared: fc.boolean(), via }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('setValue' as const), p, name, times: fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, fc.integer({ min: 2, max: KEEP + 2 })), via }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('rollback' as const), p, name, offset: fc.integer({ min: -(KEEP + 2), max: 2 }), via }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), p, name, force: fc.boolean(), via }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('restore' as const), p, name, via }) },
);

/**
 * A hand-written sequence run before the random ones, so that every situation is met in every
 * run whatever the seed: versions destroyed, rollbacks to each kind of version, a scheduled delete
 * met by every op, a restore with its whole history, a forced delete of a live and of a deleted
 * secret and a new secret of the name after it, a shared secret deleted and restored, and the
 * other profiles' attempts on names only another profile has.
 */
export const EVERY_SITUATION: Op[] = [
  { kind: 'create', p: 0, name: 'apiKey', shared: true, via: 'http' },
  { kind: 'setValue', p: 0, name: 'apiKey', times: KEEP + 2, via: 'http' },
  { kind: 'rollback', p: 0, name: 'apiKey', offset: -(KEEP + 2), via: 'http' },
  { kind: 'rollback', p: 0, name: 'apiKey', offset: -(KEEP - 1), via: 'direct' },
  { kind: 'rollback', p: 0, name: 'apiKey', offset: -KEEP, via: 'http' },
  { kind: 'rollback', p: 0, name: 'apiKey', offset: 1, via: 'http' },
  { kind: 'rollback', p: 0, name: 'apiKey', offset: 0, via: 'direct' },
  { kind: 'create', p: 1, name: 'dbPassword', shared: true, via: 'direct' },
  { kind: 'setValue', p: 1, name: 'dbPassword', times: 2, via: 'direct' },
  // Nobody else can change, roll back, delete or restore alice's apiKey, and mallory cannot read it.
  { kind: 'setValue', p: 1, name: 'apiKey', times: 1, via: 'http' },
  { kind: 'rollback', p: 2, name: 'apiKey', offset: -1, via: 'http' },
  { kind: 'delete', p: 1, name: 'apiKey', force: false, via: 'http' },
  { kind: 'delete', p: 2, name: 'apiKey', force: true, via: 'direct' },
  { kind: 'restore', p: 1, name: 'apiKey', via: 'http' },
  // A scheduled delete: gone for every op but restore and force, its name held.
  { kind: 'delete', p: 0, name: 'apiKey', force: false, via: 'http' },
  { kind: 'setValue', p: 0, name: 'apiKey', times: 1, via: 'http' },
  { kind: 'rollback', p: 0, name: 'apiKey', offset: -1, via: 'direct' },
  { kind: 'create', p: 0, name: 'apiKey', shared: false, via: 'http' },
  { kind: 'delete', p: 0, name: 'apiKey', force: false, via: 'direct' },
  // Another profile's restore of it, in the owner's account and outside it.
  { kind: 'restore', p: 1, name: 'apiKey', via: 'direct' },
  { kind: 'restore', p: 2, name: 'apiKey', via: 'http' },
  // A name the owner deleted is another member's to use for its own secret.
  { kind: 'create', p: 1, name: 'apiKey', shared: true, via: 'http' },
  { kind: 'restore', p: 0, name: 'apiKey', via: 'http' },
  { kind: 'restore', p: 0, name: 'apiKey', via: 'direct' },
  { kind: 'rollback', p: 0, name: 'apiKey', offset: -3, via: 'http' },
  // Forced: a live secret, then a deleted one; nothing to restore, the name free, a fresh history.
  { kind: 'delete', p: 0, name: 'apiKey', force: true, via: 'http' },
  { kind: 'restore', p: 0, name: 'apiKey', via: 'http' },
  { kind: 'create', p: 0, name: 'apiKey', shared: false, via: 'direct' },
  { kind: 'rollback', p: 0, name: 'apiKey', offset: 1, via: 'direct' },
  // A shared secret deleted is no member's to read; restored, it is shared again.
  { kind: 'delete', p: 1, name: 'dbPassword', force: false, via: 'http' },
  { kind: 'restore', p: 1, name: 'dbPassword', via: 'http' },
  { kind: 'delete', p: 1, name: 'dbPassword', force: false, via: 'direct' },
  { kind: 'delete', p: 1, name: 'dbPassword', force: true, via: 'direct' },
  { kind: 'restore', p: 1, name: 'dbPassword', via: 'direct' },
  { kind: 'create', p: 1, name: 'dbPassword', shared: false, via: 'http' },
  { kind: 'delete', p: 0, name: 'dbPassword', force: true, via: 'http' },
];
