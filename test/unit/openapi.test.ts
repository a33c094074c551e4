// docs/openapi.json: generated from the code and committed, valid OpenAPI 3.1, covering every
// route, parameter and problem the functions answer with. The live check of every HTTP answer the
// suite receives (test/support/openapi.ts) is tested here to fail when it should.
import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../functions/index.js';
import { openApiDocument, openApiDocumentText } from '../../lib/openapi/document.js';
import { checkResponse } from '../support/openapi.js';
import { sampleSecret } from '../support/sample-secret.js';

const committed = readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8');
type Operation = { operationId: string; parameters: { name: string; in: string }[]; requestBody?: unknown; responses: Record<string, unknown> };
const document = JSON.parse(committed) as { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, { required: string[]; properties: Record<string, { enum?: string[] }> }> } };

describe('docs/openapi.json', () => {
  it('is what the code generates (run `npm run openapi` after changing a route, schema or error)', () => {
    expect(committed).toBe(openApiDocumentText());
  });

  it('is valid OpenAPI 3.1 to an independent validator', async () => {
    const api = await SwaggerParser.validate(structuredClone(JSON.parse(committed)));
    expect((api as { openapi?: string }).openapi).toBe('3.1.1');
  });

  it('has an operation for every routed function, with the query parameters it reads and no others', () => {
    const routed = Object.entries(FUNCTIONS).flatMap(([name, fn]) => ('route' in fn ? [[name, fn.route] as const] : []));
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods));
    expect(operations.map((o) => o.operationId).sort()).toEqual(routed.map(([name]) => name).sort());
    for (const [name, route] of routed) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation?.operationId, `${route.method} ${route.path}`).toBe(name);
      const query = operation!.parameters.filter((p) => p.in === 'query').map((p) => p.name);
      expect(query, name).toEqual('query' in route ? [...route.query] : []);
      const path = operation!.parameters.filter((p) => p.in === 'path').map((p) => p.name);
      expect(path, name).toEqual([...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
      // Every route can be refused and can fail.
      for (const status of ['400', '401', '500', '503']) expect(Object.keys(operation!.responses), name).toContain(status);
    }
  });

  it('documents every code of the contract in the problem schema, and the JWT on every operation', () => {
    const api = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8');
    const codes = [...api.slice(api.indexOf('| code | status |')).matchAll(/^\| (\w+)[^|]* \| \d{3}\b/gm)].map((m) => m[1]);
    expect([...document.components.schemas.Problem!.properties.code!.enum!].sort()).toEqual(codes.sort());
    expect(openApiDocument('x').security).toEqual([{ jwt: [] }]);
  });

  it('describes a Secret with every field the contract shows, and the value only where a get answers it', () => {
    const { Secret, SecretWithValue } = document.components.schemas as Record<'Secret' | 'SecretWithValue', { required: string[]; properties: Record<string, unknown> }>;
    expect(Secret.required).toEqual(['id', 'name', 'description', 'version', 'annotations', 'tags', 'createdAt', 'updatedAt', 'lastAccessed', 'expiresAt', 'expired', 'revision', 'visibility', 'owner', 'valueVersion', 'deletedAt', 'purgesAt']);
    expect(Secret.properties.value).toBeUndefined();
    expect(SecretWithValue.required).toEqual([...Secret.required, 'value']);
  });
});

describe('the check of live answers against the document', () => {
  const secret = sampleSecret();
  const answer = (statusCode: number, body?: unknown, contentType = 'application/json') => ({
    statusCode,
    headers: (body === undefined ? {} : { 'Content-Type': contentType }) as Record<string, string>,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });

  it('passes what the contract promises', () => {
    expect(() => checkResponse('GET /secrets/{name}', answer(200, { ...secret, value: 'v' }))).not.toThrow();
    expect(() => checkResponse('GET /secrets', answer(200, { items: [secret], nextCursor: null }))).not.toThrow();
    expect(() => checkResponse('DELETE /secrets/{name}', answer(204))).not.toThrow();
    const problem = { type: 'about:blank', title: 'Secret not found', status: 404, code: 'SecretNotFound', detail: "No secret named 'apiKey'." };
    expect(() => checkResponse('GET /secrets/{name}', answer(404, problem, 'application/problem+json'))).not.toThrow();
  });

  it('fails an undocumented status, a missing field, an extra field, a value in a list and a wrong media type', () => {
    expect(() => checkResponse('DELETE /secrets/{name}', answer(200, secret))).toThrow(/does not document status 200/);
    expect(() => checkResponse('GET /secrets/{name}', answer(200, secret))).toThrow(/value/);
    expect(() => checkResponse('PATCH /secrets/{name}', answer(200, { ...secret, token: 'gAAAA' }))).toThrow(/additional/);
    expect(() => checkResponse('GET /secrets', answer(200, { items: [{ ...secret, value: 'v' }], nextCursor: null }))).toThrow(/additional/);
    expect(() => checkResponse('POST /secrets', answer(201, secret, 'text/plain'))).toThrow(/Content-Type/);
    expect(() => checkResponse('GET /secrets/{name}', answer(200, { ...secret, value: 'v', createdAt: 'yesterday' }))).toThrow(/createdAt/);
  });
});
