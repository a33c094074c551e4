// The Python client's own unittest suite (clients/python/tests), run by npm test: it fails when
// one of them fails, and counts them, so that a suite that ran nothing cannot pass.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const PYTHON = process.env.PYTHON ?? 'python3';
const hasBoto3 = spawnSync(PYTHON, ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;
if (!hasBoto3) console.warn(`Skipping the Python client's tests: ${PYTHON} with boto3 is not available (pip install boto3).`);

// The suite today: 47 tests, of which the 6 integration tests need npm start and are skipped here.
const AT_LEAST = 47;
const INTEGRATION_TESTS = 6;

describe('clients/python', () => {
  it.skipIf(!hasBoto3)(`passes its unittest suite (skipped without ${PYTHON} and boto3)`, () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
    delete env.SECRET_STORE_LAMBDA_ENDPOINT;
    const run = spawnSync(PYTHON, ['-m', 'unittest', 'discover', '-v', '-s', 'clients/python/tests'], { encoding: 'utf8', env, timeout: 120_000 });
    const report = run.stderr;
    expect(run.status, report).toBe(0);
    const ran = Number(/^Ran (\d+) tests? in /m.exec(report)?.[1] ?? 0);
    expect(ran, report).toBeGreaterThanOrEqual(AT_LEAST);
    const summary = /^OK(?: \(skipped=(\d+)\))?$/m.exec(report);
    expect(summary, report).not.toBeNull();
    expect(Number(summary![1] ?? 0), 'only the integration tests may be skipped').toBe(INTEGRATION_TESTS);
    expect(report.match(/ \.\.\. ok$/gm)?.length, report).toBe(ran - INTEGRATION_TESTS);
  }, 150_000);
});
