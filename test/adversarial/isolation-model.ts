// The isolation property's model: one profile's own secrets, the ops profiles interleave, and what each answer must be.
import fc from 'fast-check';
import { expect } from 'vitest';

export interface ModelSecret {
  id: string;
  value: string;
  description: string;
  tags: string[];
  revision: number;
  expired: boolean;
  expiresAt: 'none' | 'future' | 'past';
  accessed: boolean;
  visibility: 'private' | 'account';
  valueVersion: number;
}
export type Model = Map<string, ModelSecret>;

export const NAMES = ['apiKey', 'apiKeyOld', 'dbPassword'];
const TAGS = ['prod', 'dev'];
// Four profiles: the third is built to look like another profile's key if keys were concatenated;
// the fourth looks like the first with an accent, and is another id (a Cyrillic "а", U+0430, and a
// composed "é"): ids that differ as strings are different profiles, however alike they look.
// A fifth, carol, is a third member of the first two's account, so that two of them can share one name.
export const PROFILE_SUFFIXES = ['alice', 'bob', 'alice#SECRET#apiKey', '\u0430lic\u00e9', 'carol'];
// Each profile's account: alice, bob and carol share one; the third's is built to look like an
// account key joined to a name, the fourth's like the first's (a Cyrillic "а"): three accounts.
export const ACCOUNT_SUFFIXES = ['acme', 'acme', 'acme#dbPassword', '\u0430cme', 'acme'];

/**
 * Disguises of a profile id that look the same on screen but are not the id: invisible format
 * characters, bidi controls, default-ignorable code points, whitespace, decomposed accents. Each is
 * refused (401 over HTTP, 400 in a direct payload) and reaches no profile's secrets.
 */
export const LOOK_ALIKES: Array<[string, (id: string) => string]> = [
  ['zeroWidthSpace', (id) => `${id}\u200b`],
  ['zeroWidthJoinerInside', (id) => `${id.slice(0, 3)}\u200d${id.slice(3)}`],
  ['rightToLeftOverride', (id) => `\u202e${id}`],
  ['byteOrderMark', (id) => `\ufeff${id}`],
  ['softHyphen', (id) => `${id}\u00ad`],
  ['combiningGraphemeJoiner', (id) => `${id}\u034f`],
  ['variationSelector', (id) => `${id}\ufe0f`],
  ['hangulFiller', (id) => `${id}\u3164`],
  ['noBreakSpace', (id) => `${id}\u00a0`],
  // The decomposed spelling of an id with an accent; of one without, a decomposed accent added.
  ['decomposed', (id) => (id.normalize('NFD') !== id ? id.normalize('NFD') : `${id}e\u0301`)],
];

export type Op =
  | { kind: 'create'; p: number; name: string; tag: string | null; expiring: boolean; shared?: boolean }
  | { kind: 'get'; p: number; name: string; owner?: number }
  | { kind: 'share'; p: number; name: string; visibility: 'private' | 'account' }
  | { kind: 'getById'; p: number; owner: number; name: string }
  | { kind: 'list'; p: number; limit: number; tag: string | null; expired: 'exclude' | 'include' | 'only'; prefix: string | null; scope?: 'own' | 'account' }
  | { kind: 'update'; p: number; name: string; change: 'description' | 'value' | 'tags' | 'clearExpiry' }
  | { kind: 'expire'; p: number; name: string }
  | { kind: 'delete'; p: number; name: string }
  | { kind: 'stealCursor'; p: number; thief: number }
  | { kind: 'impostor'; p: number; variant: number; via: 'http' | 'direct'; action: 'create' | 'get' | 'list' | 'delete'; disguised?: 'profile' | 'account' };

const p = fc.nat(PROFILE_SUFFIXES.length - 1);
const name = fc.constantFrom(...NAMES);
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('create' as const), p, name, tag: fc.option(fc.constantFrom(...TAGS)), expiring: fc.boolean(), shared: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('get' as const), p, name }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('get' as const), p, name, owner: p }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('share' as const), p, name, visibility: fc.constantFrom('private' as const, 'account' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('getById' as const), p, owner: p, name }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('list' as const),
      p,
      limit: fc.integer({ min: 1, max: 3 }),
      tag: fc.option(fc.constantFrom(...TAGS)),
      expired: fc.constantFrom('exclude' as const, 'include' as const, 'only' as const),
      prefix: fc.option(fc.constantFrom('api', 'db', 'apiKeyO')),
      scope: fc.constantFrom('own' as const, 'account' as const),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('update' as const), p, name, change: fc.constantFrom('description' as const, 'value' as const, 'tags' as const, 'clearExpiry' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('expire' as const), p, name }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), p, name }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stealCursor' as const), p, thief: p }).filter((o) => o.p !== o.thief) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('impostor' as const),
      p,
      variant: fc.nat(LOOK_ALIKES.length - 1),
      via: fc.constantFrom('http' as const, 'direct' as const),
      action: fc.constantFrom('create' as const, 'get' as const, 'list' as const, 'delete' as const),
      disguised: fc.constantFrom('profile' as const, 'account' as const),
    }),
  },
);

/**
 * A hand-written interleaving run before the random ones, so that every way another profile's
 * secret could show through is met in every run, whatever the seed.
 */
const list = (pi: number, expired: 'exclude' | 'include' | 'only', limit = 3): Op => ({ kind: 'list', p: pi, limit, tag: null, expired, prefix: null });
export const EVERY_SITUATION: Op[] = [
  { kind: 'create', p: 0, name: 'apiKey', tag: 'prod', expiring: true },
  { kind: 'create', p: 1, name: 'apiKey', tag: 'prod', expiring: false },
  { kind: 'create', p: 1, name: 'dbPassword', tag: null, expiring: false },
  { kind: 'get', p: 2, name: 'apiKey' },
  { kind: 'getById', p: 2, owner: 0, name: 'apiKey' },
  { kind: 'getById', p: 0, owner: 0, name: 'apiKey' },
  { kind: 'update', p: 2, name: 'dbPassword', change: 'value' },
  { kind: 'expire', p: 2, name: 'apiKey' },
  { kind: 'delete', p: 2, name: 'dbPassword' },
  list(2, 'include'),
  { kind: 'expire', p: 0, name: 'apiKey' },
  { kind: 'get', p: 0, name: 'apiKey' },
  { kind: 'update', p: 0, name: 'apiKey', change: 'description' },
  { kind: 'getById', p: 0, owner: 0, name: 'apiKey' },
  { kind: 'getById', p: 1, owner: 0, name: 'apiKey' },
  { kind: 'expire', p: 0, name: 'apiKey' },
  list(0, 'only'),
  list(1, 'exclude', 1),
  { kind: 'stealCursor', p: 1, thief: 0 },
  { kind: 'create', p: 0, name: 'apiKey', tag: null, expiring: false },
  { kind: 'delete', p: 0, name: 'apiKey' },
  { kind: 'get', p: 1, name: 'apiKey' },
  { kind: 'update', p: 1, name: 'apiKey', change: 'clearExpiry' },
  { kind: 'list', p: 1, limit: 1, tag: 'prod', expired: 'include', prefix: 'api' },
  { kind: 'create', p: 3, name: 'apiKey', tag: null, expiring: false },
  { kind: 'get', p: 0, name: 'apiKey' },
  ...LOOK_ALIKES.flatMap((_, variant): Op[] => [
    { kind: 'impostor', p: variant % 2 === 0 ? 3 : 1, variant, via: 'http', action: variant % 3 === 0 ? 'get' : 'create' },
    { kind: 'impostor', p: variant % 2 === 0 ? 1 : 3, variant, via: 'direct', action: variant % 3 === 0 ? 'delete' : 'list' },
  ]),
  { kind: 'get', p: 3, name: 'apiKey' },
  // Sharing: within one account, across accounts, two owners of one name, and a change of mind.
  { kind: 'create', p: 0, name: 'dbPassword', tag: null, expiring: false, shared: true },
  { kind: 'get', p: 1, name: 'dbPassword' },
  { kind: 'get', p: 2, name: 'dbPassword' },
  { kind: 'get', p: 3, name: 'dbPassword', owner: 0 },
  { kind: 'create', p: 2, name: 'apiKeyOld', tag: null, expiring: false, shared: true },
  { kind: 'get', p: 0, name: 'apiKeyOld' },
  { kind: 'create', p: 1, name: 'apiKeyOld', tag: null, expiring: false, shared: true },
  { kind: 'create', p: 0, name: 'apiKeyOld', tag: null, expiring: false, shared: true },
  { kind: 'get', p: 4, name: 'apiKeyOld' },
  { kind: 'get', p: 4, name: 'apiKeyOld', owner: 1 },
  { kind: 'delete', p: 1, name: 'apiKey' },
  { kind: 'create', p: 0, name: 'apiKey', tag: 'prod', expiring: false, shared: true },
  { kind: 'share', p: 1, name: 'apiKeyOld', visibility: 'account' },
  { kind: 'create', p: 3, name: 'apiKeyOld', tag: null, expiring: false, shared: true },
  { kind: 'create', p: 3, name: 'dbPassword', tag: null, expiring: false, shared: true },
  { kind: 'get', p: 1, name: 'dbPassword', owner: 3 },
  { kind: 'update', p: 1, name: 'dbPassword', change: 'value' },
  { kind: 'delete', p: 1, name: 'dbPassword' },
  { kind: 'list', p: 1, limit: 1, tag: null, expired: 'include', prefix: null, scope: 'account' },
  { kind: 'list', p: 3, limit: 2, tag: null, expired: 'exclude', prefix: 'api', scope: 'account' },
  { kind: 'share', p: 0, name: 'dbPassword', visibility: 'private' },
  { kind: 'get', p: 1, name: 'dbPassword' },
  { kind: 'get', p: 1, name: 'dbPassword', owner: 0 },
  { kind: 'expire', p: 0, name: 'apiKeyOld' },
  { kind: 'get', p: 1, name: 'apiKey' },
  { kind: 'list', p: 0, limit: 3, tag: null, expired: 'only', prefix: null, scope: 'account' },
  { kind: 'impostor', p: 0, variant: 0, via: 'http', action: 'get', disguised: 'account' },
  { kind: 'impostor', p: 1, variant: 9, via: 'direct', action: 'list', disguised: 'account' },
];

export const problemOf = (code: 'SecretNotFound' | 'SecretExpired' | 'SecretAlreadyExists', reference: string) =>
  ({
    SecretNotFound: { type: 'about:blank', title: 'Secret not found', status: 404, code, detail: `No secret named '${reference}'.` },
    SecretExpired: { type: 'about:blank', title: 'Secret expired', status: 410, code, detail: `The secret '${reference}' has expired.` },
    SecretAlreadyExists: { type: 'about:blank', title: 'Secret already exists', status: 409, code, detail: `A secret named '${reference}' already exists.` },
  })[code];

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** What its owner's model says the public view of `name` is. */
export function expectedSecret(model: Model, secretName: string, owner: string) {
  const s = model.get(secretName)!;
  return {
    id: s.id,
    name: secretName,
    description: s.description,
    version: '1.0.0',
    annotations: {},
    tags: s.tags,
    createdAt: expect.stringMatching(TIMESTAMP),
    updatedAt: expect.stringMatching(TIMESTAMP),
    lastAccessed: s.accessed ? expect.stringMatching(TIMESTAMP) : null,
    expiresAt: s.expiresAt === 'none' ? null : expect.stringMatching(TIMESTAMP),
    expired: s.expired,
    revision: s.revision,
    visibility: s.visibility,
    owner,
    valueVersion: s.valueVersion,
    deletedAt: null,
    purgesAt: null,
  };
}

export interface World {
  profiles: string[];
  /** Each profile's account. */
  accounts: string[];
  models: Model[];
  /** Every id any profile ever created in this run, by owner. */
  ids: Map<string, number>;
  counts: Record<string, number>;
  /** How often each op met each situation: the generator must reach the interesting ones. */
  outcomes: Record<string, number>;
}

export function visible(model: Model, op: Extract<Op, { kind: 'list' }>): string[] {
  return [...model.entries()]
    .filter(([, s]) => (op.expired === 'include' ? true : op.expired === 'only' ? s.expired : !s.expired))
    .filter(([n, s]) => (op.tag === null || s.tags.includes(op.tag)) && (op.prefix === null || n.startsWith(op.prefix)))
    .map(([n]) => n)
    .sort();
}

/** The profiles of `p`'s account (`p` included). */
export const members = (world: World, p: number): number[] => world.accounts.flatMap((a, i) => (a === world.accounts[p] ? [i] : []));

/** Whom a shared read of `name` by `p` could mean: members of its account (not `p`) sharing that name, by profile id. */
export function sharers(world: World, p: number, secretName: string): number[] {
  return members(world, p)
    .filter((i) => i !== p && world.models[i]!.get(secretName)?.visibility === 'account')
    .sort((a, b) => (world.profiles[a]! < world.profiles[b]! ? -1 : 1));
}

/** What `p`'s account shares, as a list with scope=account shows it: by name, then owner. */
export function visibleInAccount(world: World, p: number, op: Extract<Op, { kind: 'list' }>): Array<{ owner: number; name: string }> {
  return members(world, p)
    .flatMap((i) => visible(world.models[i]!, op).filter((n) => world.models[i]!.get(n)!.visibility === 'account').map((name) => ({ owner: i, name })))
    .sort((a, b) => {
      const [x, y] = [`${a.name}#${world.profiles[a.owner]}`, `${b.name}#${world.profiles[b.owner]}`];
      return x < y ? -1 : x > y ? 1 : 0;
    });
}

/** Whether another profile holds `name` (or any secret) right now. */
export const othersHave = (world: World, self: number, secretName?: string) =>
  world.models.some((m, i) => i !== self && (secretName === undefined ? m.size > 0 : m.has(secretName)));

/** Groups consecutive ops of distinct profiles into rounds that run concurrently. */
export function rounds(ops: Op[]): Op[][] {
  const result: Op[][] = [];
  let current: Op[] = [];
  let busy = new Set<number>();
  for (const op of ops) {
    // Reads may meet others' shared secrets (and record access on them): each runs in a round of its own.
    const everyone = PROFILE_SUFFIXES.map((_, i) => i);
    const touches = op.kind === 'stealCursor' ? [op.p, op.thief] : op.kind === 'getById' ? [op.p, op.owner] : op.kind === 'get' || op.kind === 'list' ? everyone : [op.p];
    if (touches.some((t) => busy.has(t))) {
      result.push(current);
      current = [];
      busy = new Set();
    }
    current.push(op);
    for (const t of touches) busy.add(t);
  }
  if (current.length > 0) result.push(current);
  return result;
}
