// The secret, defined once: every attribute a stored secret has, which of them the contract's
// Secret shows, which create and update accept (and the rule each must pass), and how a stored
// item reads back as a Secret. A new field is one line here, plus its rule in rules.ts.
import * as z from 'zod/mini';
import { SecretDamaged } from './errors.js';
import * as rules from './rules.js';

interface AttributeSpec {
  /** What the table holds (and a Secret shows). */
  type?: z.ZodMiniType;
  /** The contract's rule for a field callers write. */
  rule?: z.ZodMiniType;
  /** Shown in the contract's Secret. */
  public?: true;
  /** Create accepts it: required, or optional with `initial` stored when omitted. */
  create?: 'required' | 'optional';
  initial?: () => unknown;
  /** PATCH may change it. */
  update?: true;
  /** Where it lives: in every item (default), only while set, or in no item (input only, or derived). */
  stored?: 'always' | 'while-set' | 'never';
  /** A public attribute computed from stored ones when read. */
  derive?: { from: string[]; value: (item: Record<string, unknown>, now: string) => unknown };
  /** What a Secret shows while a while-set attribute is absent (null unless said): items from before it existed. */
  absent?: unknown;
}

// Stryker disable next-line ArrowFunction: the module cannot load with it, so every suite importing it fails; the vitest runner reports a run whose files failed to import as survived
const attribute = <const A extends AttributeSpec>(spec: A): A => spec;
const text = z.string();
const number = z.number();

// Stryker disable next-line ConditionalExpression: equivalent; it is given only a checked string, null or undefined, and null or undefined <= a date string is false anyway
export const isExpiredAt = (expiresAt: unknown, now: string): boolean => typeof expiresAt === 'string' && expiresAt <= now;

/** In the contract's order: a Secret's JSON lists its fields in this order. */
export const SECRET_ATTRIBUTES = {
  // Stryker disable ObjectLiteral,StringLiteral: equivalent; the specs of attributes the Secret does not show are read by the type system only (SecretItem), never at run time
  pk: attribute({ type: text }),
  sk: attribute({ type: text }),
  /** The byId index's key. */
  idKey: attribute({ type: text }),
  profileId: attribute({ type: text }),
  // Stryker restore ObjectLiteral,StringLiteral
  id: attribute({ type: text, public: true }),
  name: attribute({ type: text, rule: rules.secretName, public: true, create: 'required' }),
  /** Sealed into `token` and `binding`; never stored as such. */
  value: attribute({ rule: rules.secretValue, create: 'required', update: true, stored: 'never' }),
  description: attribute({ type: text, rule: rules.description, public: true, create: 'optional', initial: () => '', update: true }),
  version: attribute({ type: text, rule: rules.version, public: true, create: 'optional', initial: () => '1.0.0', update: true }),
  annotations: attribute({
    type: z.record(text, text),
    rule: rules.annotations,
    public: true,
    create: 'optional',
    initial: () => ({}),
    update: true,
  }),
  tags: attribute({ type: z.array(text), rule: rules.tags, public: true, create: 'optional', initial: () => [], update: true }),
  createdAt: attribute({ type: text, public: true }),
  updatedAt: attribute({ type: text, public: true }),
  lastAccessed: attribute({ type: z.nullable(text), public: true }),
  /** How many reads; absent until the first. Every read changes it, so every read is a stream record. */
  // Stryker disable next-line ObjectLiteral,StringLiteral: equivalent; the specs of attributes the Secret does not show are read by the type system only (SecretItem), never at run time
  accessCount: attribute({ type: number, stored: 'while-set' }),
  /** Absent when the secret never expires: conditions rely on attribute_not_exists. */
  expiresAt: attribute({
    type: z.nullable(text),
    rule: z.nullable(rules.timestamp),
    public: true,
    create: 'optional',
    update: true,
    stored: 'while-set',
  }),
  expired: attribute({
    type: z.boolean(),
    public: true,
    // Stryker disable next-line StringLiteral: equivalent; a derived attribute is never stored, whatever this says (createdAttributes skips it, reads use derive.from)
    stored: 'never',
    // Stryker disable next-line ObjectLiteral,StringLiteral: the module cannot load with it, so every suite importing it fails; the vitest runner reports a run whose files failed to import as survived
    derive: { from: ['sweptAt', 'expiresAt'], value: (item, now) => item.sweptAt != null || isExpiredAt(item.expiresAt, now) },
  }),
  revision: attribute({ type: number, public: true }),
  /** Who may read it: `account` shares it with every member of its owner's account. Absent (private) in items from before sharing. */
  visibility: attribute({
    type: z.enum(rules.VISIBILITIES),
    rule: rules.visibility,
    public: true,
    create: 'optional',
    initial: () => 'private',
    update: true,
    stored: 'while-set',
    absent: 'private',
  }),
  /** The owning profile: members of an account read secrets of others. */
  owner: attribute({ type: text, public: true, stored: 'never', derive: { from: ['profileId'], value: (item) => item.profileId } }),
  /** The version of the current value: 1 when created (and in items from before versions), one more for each change of value. */
  valueVersion: attribute({ type: number, public: true, stored: 'while-set', absent: 1 }),
  /** When the secret was deleted, and when the sweep destroys it: absent while it is not deleted. */
  deletedAt: attribute({ type: z.nullable(text), public: true, stored: 'while-set' }),
  purgesAt: attribute({ type: z.nullable(text), public: true, stored: 'while-set' }),
  /** When the current value was set: its version's createdAt once it is an earlier one. */
  valueUpdatedAt: attribute({ type: text, stored: 'while-set' }),
  // Stryker disable ObjectLiteral,StringLiteral: equivalent; the specs of attributes the Secret does not show are read by the type system only (SecretItem), never at run time
  /** The account a shared secret is shared with, and the sparse account index's keys: present only while shared. */
  accountId: attribute({ type: text, stored: 'while-set' }),
  shareKey: attribute({ type: text, stored: 'while-set' }),
  shareSort: attribute({ type: text, stored: 'while-set' }),
  /** Who read it last: its owner, or a member of the account it is shared with (named in `secret.accessed`). */
  lastReader: attribute({ type: text, stored: 'while-set' }),
  // Stryker restore ObjectLiteral,StringLiteral
  // Stryker disable ObjectLiteral,StringLiteral: equivalent; the specs of attributes the Secret does not show are read by the type system only (SecretItem), never at run time
  /** Fernet token of the value, and the MAC binding it to this profile and name; the sweep removes both. */
  token: attribute({ type: text, stored: 'while-set' }),
  binding: attribute({ type: text, stored: 'while-set' }),
  /** The sparse expiry index's keys: present only while an expiry is pending. */
  expiryShard: attribute({ type: text, stored: 'while-set' }),
  expiryDue: attribute({ type: text, stored: 'while-set' }),
  // Stryker restore ObjectLiteral,StringLiteral
  /** When the sweep destroyed the value: a Secret reads as expired from then on, whatever the clock says. */
  sweptAt: attribute({ type: text, stored: 'while-set' }),
  // Stryker disable ObjectLiteral,StringLiteral: equivalent; the specs of attributes the Secret does not show are read by the type system only (SecretItem), never at run time
  /** The request that last changed the secret: its SDK retries recognise their own write. */
  lastWrite: attribute({ type: text, stored: 'while-set' }),
  /** DynamoDB's TTL attribute: when a swept secret's tombstone goes. */
  purgeAt: attribute({ type: number, stored: 'while-set' }),
  // Stryker restore ObjectLiteral,StringLiteral
};

type Attributes = typeof SECRET_ATTRIBUTES;
type Name = keyof Attributes;
type NamesWith<Flag> = { [K in Name]: Attributes[K] extends Flag ? K : never }[Name];
type NamesWithout<Flag> = { [K in Name]: Attributes[K] extends Flag ? never : K }[Name];
type TypeOf<K extends Name> = Attributes[K] extends { type: z.ZodMiniType } ? z.output<Attributes[K]['type']> : never;
type RuleOf<K extends Name> = Attributes[K] extends { rule: z.ZodMiniType } ? Attributes[K]['rule'] : never;

/** The contract's Secret: what every read returns. */
export type Secret = { [K in NamesWith<{ public: true }>]: TypeOf<K> };

/** A secret as the table holds it. */
export type SecretItem = { [K in NamesWithout<{ stored: 'while-set' | 'never' }>]: TypeOf<K> } & {
  [K in NamesWith<{ stored: 'while-set' }>]?: TypeOf<K>;
};

const entries = Object.entries(SECRET_ATTRIBUTES) as [Name, AttributeSpec][];
// Stryker disable next-line ArrowFunction: the module cannot load with it, so every suite importing it fails; the vitest runner reports a run whose files failed to import as survived
const namesWhere = (test: (spec: AttributeSpec) => boolean) => entries.filter(([, spec]) => test(spec)).map(([name]) => name);

type CreateShape = { [K in NamesWith<{ create: 'required' }>]: RuleOf<K> } & {
  [K in NamesWith<{ create: 'optional' }>]: z.ZodMiniOptional<RuleOf<K>>;
};
type UpdateShape = { [K in NamesWith<{ update: true }>]: z.ZodMiniOptional<RuleOf<K>> };

/** What create accepts, with each field's rule. */
export const CREATE_SHAPE = Object.fromEntries(
  entries.filter(([, spec]) => spec.create).map(([name, spec]) => [name, spec.create === 'required' ? spec.rule! : z.optional(spec.rule!)]),
) as CreateShape;

/** What PATCH accepts, every field optional. */
export const UPDATE_SHAPE = Object.fromEntries(
  entries.filter(([, spec]) => spec.update).map(([name, spec]) => [name, z.optional(spec.rule!)]),
) as UpdateShape;

export type CreateFields = z.output<z.ZodMiniObject<CreateShape>>;
export type UpdateFields = z.output<z.ZodMiniObject<UpdateShape>>;

/** The attributes a read must fetch to answer with Secrets (a list's projection). */
export const PUBLIC_SOURCE_ATTRIBUTES: string[] = [
  // Stryker disable next-line ArrowFunction,ArrayDeclaration: the module cannot load with it, so every suite importing it fails; the vitest runner reports a run whose files failed to import as survived
  ...new Set(entries.flatMap(([name, spec]) => (!spec.public ? [] : spec.derive ? spec.derive.from : [name]))),
];

/** The stored attributes create writes from its input, each given or initial; unset optional ones are left out. */
export function createdAttributes(input: CreateFields): Partial<SecretItem> {
  const stored: Record<string, unknown> = {};
  for (const [name, spec] of entries) {
    if (!spec.create || spec.stored === 'never') continue;
    const value = (input as Record<string, unknown>)[name] ?? spec.initial?.();
    if (value != null) stored[name] = value;
  }
  return stored as Partial<SecretItem>;
}


// What a Secret is read from, each attribute of its stored type; an absent while-set one reads as null.
const PUBLIC = entries.filter(([, spec]) => spec.public);
const PUBLIC_SOURCES = z.object(
  Object.fromEntries(
    // Stryker disable next-line BlockStatement: the module cannot load with it, so every suite importing it fails; the vitest runner reports a run whose files failed to import as survived
    PUBLIC_SOURCE_ATTRIBUTES.map((name) => {
      const spec: AttributeSpec = SECRET_ATTRIBUTES[name as Name];
      return [name, spec.stored === 'while-set' ? z.optional(spec.type!) : spec.type!];
    }),
  ),
);

/**
 * The public view of an item: never the token, the binding or any key attribute. SecretDamaged
 * (naming the secret by `name`) when a stored attribute is not of its type.
 */
export function toSecret(item: SecretItem, now: string, name: string): Secret {
  const parsed = z.safeParse(PUBLIC_SOURCES, item);
  if (!parsed.success) {
    const attributes = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))].join(', ');
    throw new SecretDamaged(name, { cause: new Error(`stored attributes of the wrong type: ${attributes}`) });
  }
  const source = parsed.data as Record<string, unknown>;
  const secret: Record<string, unknown> = {};
  for (const [name, spec] of PUBLIC) secret[name] = spec.derive ? spec.derive.value(source, now) : (source[name] ?? spec.absent ?? null);
  return secret as Secret;
}

/** Names of the fields PATCH accepts, for the message of an empty PATCH. */
export const UPDATABLE = namesWhere((spec) => spec.update === true);
