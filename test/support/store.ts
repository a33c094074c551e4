import { startLocalStore, type LocalStore } from '../../local/store.js';

export const TEST_KEYS = [
  // Fixed keys: tests that tamper with tokens must be reproducible.
  'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=',
  'Pq7h1Fwa9hxV7b3F3aXnR2v8p2Tyq4o4aF8nC0rQkzM=',
];

export type TestStore = LocalStore;

/** A store of the test file's own, the functions given the first test key. */
export const startTestStore = (env: Record<string, string> = {}): Promise<TestStore> =>
  startLocalStore({ keys: [TEST_KEYS[0]!], env });
