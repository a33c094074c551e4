import * as builtin from 'node:http';
import { describe, expect, it } from 'vitest';
import http, { Agent, STATUS_CODES, request } from '../../lib/aws/node-http.js';

// What the bundles' importers of node:http get instead (lib/aws/node-http.ts): the same objects.
describe('node:http stand-in', () => {
  it('hands out the built-in itself, default and named', () => {
    expect(http.request).toBe(builtin.request);
    expect(request).toBe(builtin.request);
    expect(Agent).toBe(builtin.Agent);
    expect(STATUS_CODES[404]).toBe('Not Found');
  });
});
