// What each operation accepts. Create and update take their fields from the secret's definition.
import * as z from 'zod/mini';
import { CREATE_SHAPE, UPDATABLE, UPDATE_SHAPE } from './secret.js';
import { TAG, accountId, secretId, secretName, timestamp, userProfileId } from './rules.js';

export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 100;

export const createInput = z.strictObject(CREATE_SHAPE);
export type CreateInput = z.output<typeof createInput>;

export const updateInput = z.strictObject(UPDATE_SHAPE).check(
  z.refine((u) => Object.values(u).some((v) => v !== undefined), {
    message: `must name at least one of ${UPDATABLE.join(', ')}`,
  }),
);
export type UpdateInput = z.output<typeof updateInput>;

export const expireInput = z.strictObject({ name: secretName, at: z.optional(timestamp) });

/** A get names the secret by name (and, for one shared in the account, maybe its owner), or (direct invocation only) by id. */
export const getInput = z.pipe(
  z
    .strictObject({ name: z.optional(secretName), id: z.optional(secretId), owner: z.optional(userProfileId) })
    .check(
      z.refine((g) => (g.name === undefined) !== (g.id === undefined), {
        message: 'name exactly one of name or id',
        path: ['name'],
      }),
      z.refine((g) => g.owner === undefined || g.id === undefined, { message: 'goes with name, not id', path: ['owner'] }),
    ),
  z.transform((g: { name?: string; id?: string; owner?: string }) =>
    g.id !== undefined ? { id: g.id } : { name: g.name!, ...(g.owner !== undefined && { owner: g.owner }) },
  ),
);

// A number (direct invocation) or its digits (a query string); one message for every way to miss.
const LIMIT_RULE = `must be a whole number from 1 to ${LIST_LIMIT_MAX}`;
const limit = z.pipe(
  // Stryker disable next-line ConditionalExpression,Regex: equivalent; a number's digits read back as itself, and whatever else reaches z.int fails with the same message
  z.transform((v: unknown) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v)),
  z.int({ error: LIMIT_RULE }).check(z.minimum(1, { error: LIMIT_RULE }), z.maximum(LIST_LIMIT_MAX, { error: LIMIT_RULE })),
);

export const listInput = z.strictObject({
  limit: z.optional(limit),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  tag: z.optional(z.string().check(z.regex(TAG, 'must be a valid tag'))),
  prefix: z.optional(z.string().check(z.maxLength(128), z.regex(/^[a-zA-Z0-9_]*$/, 'must be letters, digits and underscores'))),
  expired: z.optional(z.enum(['exclude', 'include', 'only'])),
  /** `own` (default): the caller's secrets; `account`: every secret shared with the caller's account. */
  scope: z.optional(z.enum(['own', 'account'])),
});
export type ListInput = z.output<typeof listInput>;

export const deleteInput = z.strictObject({ name: secretName });

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
