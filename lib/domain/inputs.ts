// What each operation accepts. Create and update take their fields from the secret's definition.
import * as z from 'zod/mini';
import { CREATE_SHAPE, UPDATABLE, UPDATE_SHAPE } from './secret.js';
import { TAG, accountId, secretId, secretName, timestamp, userProfileId } from './rules.js';

export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 100;

/** A version number: 1 is a secret's first value. */
export const valueVersion = z.int({ error: 'must be a whole number from 1' }).check(z.minimum(1, { error: 'must be a whole number from 1' }));
// A number (direct invocation) or its digits (a query string); anything else reaches the rule as it is.
// Stryker disable next-line ConditionalExpression,Regex: equivalent; a number's digits read back as itself, and whatever else reaches the rule fails with its message
const digitsAsNumber = (rule: z.ZodMiniType<number>) => z.pipe(z.transform((v: unknown) => (typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : v)), rule);

export const createInput = z.strictObject(CREATE_SHAPE);
export type CreateInput = z.output<typeof createInput>;

export const updateInput = z.strictObject({ ...UPDATE_SHAPE, restoreVersion: z.optional(valueVersion) }).check(
  z.refine((u) => Object.values(u).some((v) => v !== undefined), {
    message: `must name at least one of ${[...UPDATABLE, 'restoreVersion'].join(', ')}`,
  }),
  z.refine((u) => u.value === undefined || u.restoreVersion === undefined, { message: 'cannot come with value: it sets the value', path: ['restoreVersion'] }),
);
export type UpdateInput = z.output<typeof updateInput>;

export const expireInput = z.strictObject({ name: secretName, at: z.optional(timestamp) });

/**
 * A get names the secret by name (and, for one shared in the account, maybe its owner; and maybe
 * the version of the value), or (direct invocation only) by id.
 */
export const getInput = z.pipe(
  z
    .strictObject({ name: z.optional(secretName), id: z.optional(secretId), owner: z.optional(userProfileId), version: z.optional(digitsAsNumber(valueVersion)) })
    .check(
      z.refine((g) => (g.name === undefined) !== (g.id === undefined), {
        message: 'name exactly one of name or id',
        path: ['name'],
      }),
      z.refine((g) => g.owner === undefined || g.id === undefined, { message: 'goes with name, not id', path: ['owner'] }),
      z.refine((g) => g.version === undefined || g.id === undefined, { message: 'goes with name, not id', path: ['version'] }),
    ),
  z.transform((g: { name?: string; id?: string; owner?: string; version?: number }) =>
    g.id !== undefined ? { id: g.id } : { name: g.name!, ...(g.owner !== undefined && { owner: g.owner }), ...(g.version !== undefined && { version: g.version }) },
  ),
);

// One message for every way to miss.
const LIMIT_RULE = `must be a whole number from 1 to ${LIST_LIMIT_MAX}`;
const limit = digitsAsNumber(z.int({ error: LIMIT_RULE }).check(z.minimum(1, { error: LIMIT_RULE }), z.maximum(LIST_LIMIT_MAX, { error: LIMIT_RULE })));

export const listInput = z.strictObject({
  limit: z.optional(limit),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  tag: z.optional(z.string().check(z.regex(TAG, 'must be a valid tag'))),
  prefix: z.optional(z.string().check(z.maxLength(128), z.regex(/^[a-zA-Z0-9_]*$/, 'must be letters, digits and underscores'))),
  expired: z.optional(z.enum(['exclude', 'include', 'only'])),
  /** Deleted secrets, waiting for their purge: left out by default. */
  deleted: z.optional(z.enum(['exclude', 'include', 'only'])),
  /** `own` (default): the caller's secrets; `account`: every secret shared with the caller's account. */
  scope: z.optional(z.enum(['own', 'account'])),
});
export type ListInput = z.output<typeof listInput>;

/** `force`: at once, with no recovery window (`true` in a query string). */
export const deleteInput = z.strictObject({
  name: secretName,
  force: z.optional(z.pipe(z.transform((v: unknown) => (v === 'true' ? true : v === 'false' ? false : v)), z.boolean({ error: 'must be true or false' }))),
});

/** What names one secret and nothing else (versions, restore). */
export const nameInput = z.strictObject({ name: secretName });

/** Most secrets one import invocation writes: one conditional PutItem each, well inside a timeout. */
export const IMPORT_BATCH_MAX = 25;
/** The admin import: each secret with its owner and its own timestamps, written as it was. */
export const importedSecret = z.strictObject({
  ...CREATE_SHAPE,
  profileId: userProfileId,
  /** The owner's account: needed for `visibility: 'account'`. */
  accountId: z.optional(accountId),
  createdAt: timestamp,
  updatedAt: timestamp,
  lastAccessed: z.nullable(timestamp),
}).check(
  // Checked with the batch, so that a batch with one such secret writes nothing.
  z.refine((s) => s.visibility !== 'account' || s.accountId !== undefined, { message: 'is required with visibility account', path: ['accountId'] }),
);
export type ImportedSecretInput = z.output<typeof importedSecret>;
export const importInput = z.strictObject({ secrets: z.array(importedSecret).check(z.minLength(1), z.maxLength(IMPORT_BATCH_MAX)) });
export const sweepInput = z.strictObject({ dryRun: z.optional(z.boolean()) });
export const rotateInput = z.strictObject({});
