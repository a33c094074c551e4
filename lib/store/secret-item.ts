// The stored shape of a secret and its mapping to the contract's Secret object.
import { nameFromSortKey } from './keys.js';

export interface SecretItem {
  pk: string;
  sk: string;
  id: string;
  idKey: string;
  profileId: string;
  name: string;
  description: string;
  version: string;
  annotations: Record<string, string>;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  lastAccessed: string | null;
  /** Absent when the secret never expires (conditions rely on attribute_not_exists). */
  expiresAt?: string;
  revision: number;
  /** Fernet token of the value; removed when the sweep destroys an expired secret. */
  token?: string;
  /** MAC binding the token to this profile and name. */
  binding?: string;
  /** Present only while an expiry is pending: the sparse expiry index. */
  expiryShard?: string;
  expiryDue?: string;
  sweptAt?: string;
  purgeAt?: number;
}

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
}

export const isExpiredAt = (expiresAt: string | null | undefined, now: string): boolean =>
  expiresAt != null && expiresAt <= now;

/** The public view of an item: never the token, the binding or any key attribute. */
export function toSecret(item: SecretItem, now: string): Secret {
  return {
    id: item.id,
    name: item.name ?? nameFromSortKey(item.sk),
    description: item.description,
    version: item.version,
    annotations: { ...item.annotations },
    tags: [...item.tags],
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    lastAccessed: item.lastAccessed ?? null,
    expiresAt: item.expiresAt ?? null,
    expired: item.sweptAt != null || isExpiredAt(item.expiresAt, now),
    revision: item.revision,
  };
}
