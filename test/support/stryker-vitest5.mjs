// Stryker's vitest runner (9.6.1) names tests "suite test", but Vitest 5 matches its test-name
// filter against "suite > test": every mutant's filtered run then selects no test and the mutant
// is reported Survived (stryker-mutator/stryker-js#6210; fixes proposed in #6214 and #6220). Until a
// release carries the fix, `npm run test:mutation` applies the same one-line change to the
// installed runner, in both places that build names. Idempotent; it says so when it is no longer needed.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const runner = dirname(createRequire(import.meta.url).resolve('@stryker-mutator/vitest-runner/package.json'));
const before = "return nameParts.join(' ').trim();";
const after = "return nameParts.filter(Boolean).join(' > ').trim();";
for (const file of ['dist/src/test-helpers.js', 'dist/src/stryker-setup.js']) {
  const path = join(runner, file);
  const source = readFileSync(path, 'utf8');
  if (source.includes(after)) continue;
  if (!source.includes(before)) {
    console.error(`${path}: the test-name join changed upstream; check whether stryker-js#6210 is fixed and drop this patch`);
    process.exit(1);
  }
  writeFileSync(path, source.replace(before, after));
}
