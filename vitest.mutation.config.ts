// The tests a mutation run uses: every test of the mutated modules' behaviour that runs in
// seconds (unit, crypto, integration on the local store). Packaging, AWS mode and npm start build
// or start things a mutant cannot reach; the fuzzers' long runs add time, not kills.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  test: {
    ...base.test,
    include: ['test/unit/**/*.test.ts', 'test/crypto/**/*.test.ts', 'test/integration/**/*.test.ts'],
    // Tests of modules that are not mutated (packaging, lib/aws, lib/keys, lib/audit, infra, local/,
    // the client, the OpenAPI document) and the type check.
    exclude: [
      'test/integration/package.test.ts',
      'test/integration/aws-json-rpc.test.ts',
      'test/integration/audit.test.ts',
      'test/integration/ssm-keys.test.ts',
      'test/integration/local-dynamodb.test.ts',
      'test/unit/lambda-credentials.test.ts',
      'test/unit/node-http.test.ts',
      'test/unit/runtime.test.ts',
      'test/unit/infrastructure.test.ts',
      'test/unit/key-timeline.test.ts',
      'test/unit/audit-stream.test.ts',
      'test/unit/typecheck.test.ts',
      'test/unit/openapi.test.ts',
      'test/unit/client.test.ts',
      'test/unit/client-middy.test.ts',
      'test/integration/client.test.ts',
      'test/integration/cli.test.ts',
      '**/node_modules/**',
    ],
    // Every file gets fresh modules: a static mutant (one in code that runs when a module loads,
    // such as a schema's rule or message) takes effect only where the module is loaded after the
    // mutant is switched on. Shared modules (isolate: false) let those mutants survive unseen.
    isolate: true,
    pool: 'threads',
    reporters: ['default'],
  },
});
