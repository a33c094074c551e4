// A Secret as the contract shows it, for tests of what consumes one (the client, its cache and
// middleware, the OpenAPI check); fields can be overridden.
import type { Secret } from '../../client/index.js';

export const sampleSecret = (overrides: Partial<Secret> = {}): Secret => ({
  id: '01JDQ0Z6S1ZQ8Y3N5E6W7X8Y9Z',
  name: 'apiKey',
  description: '',
  version: '1.0.0',
  annotations: {},
  tags: [],
  createdAt: '2026-12-02T09:00:00.000Z',
  updatedAt: '2026-12-02T09:00:00.000Z',
  lastAccessed: null,
  expiresAt: null,
  expired: false,
  revision: 1,
  visibility: 'private',
  owner: 'alice',
  valueVersion: 1,
  deletedAt: null,
  purgesAt: null,
  ...overrides,
});
