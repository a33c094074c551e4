import { describe, expect, it } from 'vitest';

describe('runtime', () => {
  it('runs the tests on Node 24, the Lambda runtime major (nodejs24.x)', () => {
    expect(process.version).toMatch(/^v24\./);
  });
});
