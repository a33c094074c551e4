// The contract's shapes (docs/API.md), as a caller sees them. The client depends on nothing of the
// server's; test/unit/client-types.test.ts checks that these match the server's own types.

export interface Secret {
  id: string;
  name: string;
  description: string;
  version: string;
  annotations: Record<string, string>;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  lastAccessed: string | null;
  expiresAt: string | null;
  expired: boolean;
  revision: number;
  /** `account`: every member of the owner's account reads it. */
  visibility: 'private' | 'account';
  /** The owning profile. */
  owner: string;
  /** The version of the current value (of the value answered, for a get of a version): 1 when created, one more per change of value. */
  valueVersion: number;
  /** When it was deleted, while its deletion is pending (restore brings it back until `purgesAt`); otherwise null. */
  deletedAt: string | null;
  /** When a deleted secret is destroyed for good; null unless deleted. */
  purgesAt: string | null;
}

export interface SecretWithValue extends Secret {
  value: string;
}

export interface SecretPage {
  items: Secret[];
  nextCursor: string | null;
}

export interface CreateSecret {
  name: string;
  value: string;
  description?: string;
  version?: string;
  annotations?: Record<string, string>;
  tags?: string[];
  expiresAt?: string | null;
  visibility?: 'private' | 'account';
}

export type SecretChanges = Partial<Omit<CreateSecret, 'name'>> & {
  /** That version's value becomes the current value, as a new version (not with `value`). */
  restoreVersion?: number;
};

/** One version of a secret's value, as `versions` lists them (newest first): never the value. */
export interface SecretVersion {
  version: number;
  /** When it was set; null once it is destroyed and no longer held. */
  createdAt: string | null;
  /** The current value's version. */
  current: boolean;
  /** Its value is gone: pruned from the history, or the secret expired. */
  destroyed: boolean;
}

export interface ListOptions {
  /** Items per page, 1-100 (the store's default is 50). */
  limit?: number;
  cursor?: string;
  tag?: string;
  prefix?: string;
  expired?: 'exclude' | 'include' | 'only';
  /** Secrets deleted and still restorable: left out by default. */
  deleted?: 'exclude' | 'include' | 'only';
  /** `account`: every secret shared with the caller's account (by name, then owner) instead of its own. */
  scope?: 'own' | 'account';
}

/** What an apply answers: the secret as a Smarter Secret manifest, its value masked, and what was done. */
export interface AppliedManifest {
  apiVersion: 'smarter.sh/v1';
  kind: 'Secret';
  metadata: { name: string; description: string; version: string; tags: string[]; annotations: Record<string, string>[] };
  /** `value` is always the mask `********`. */
  spec: { config: { value: string; expiration_date?: string } };
  status: {
    recordLocator: string;
    created: string;
    modified: string;
    last_accessed: string | null;
    expired: boolean;
    revision: number;
    /** `unchanged`: the secret already was what the manifest says; nothing was written. */
    outcome: 'created' | 'configured' | 'unchanged';
    /** The manifest's name, when this store refused it and stored its slug (`metadata.name`). */
    renamed: { from: string; to: string } | null;
  };
}

/** `*` for any revision, or the revision(s) the change applies to (a Secret's `revision`). */
export type IfMatch = '*' | number | number[];

export interface WriteOptions {
  /** The request's idempotency key; by default each call makes one and its retries reuse it. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}
