// Mutation testing (`npm run test:mutation`, kept out of CI for its run time): how many small
// changes to the domain, secrets, store and crypto modules the tests notice. docs/TESTING.md has
// the scores and the mutants left alive on purpose.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: ['lib/domain/**/*.ts', 'lib/secrets/**/*.ts', 'lib/store/**/*.ts', 'lib/crypto/**/*.ts'],
  coverageAnalysis: 'perTest',
  // Two cores: one test process each.
  concurrency: 2,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: 90 },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // Reruns test only the mutants whose code or covering tests changed since the last run.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
};
