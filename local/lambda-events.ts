// What Lambda hands a function, for running the handlers off AWS (tests, benchmarks): an API
// Gateway HTTP API event (payload 2.0, JWT authorizer) and a Lambda context with a controllable clock.
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';

export interface HttpRequest {
  method: string;
  path: string;
  profile?: string | null;
  /** Claims beyond the profile's (e.g. the account claim). */
  claims?: Record<string, unknown>;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

/** Route key and path parameters as API Gateway would derive them from the path. */
function route(method: string, path: string): { routeKey: string; pathParameters?: Record<string, string> } {
  if (path === '/manifests') return { routeKey: `${method} /manifests` };
  const match = /^\/secrets\/([^/]+)(\/expire|\/versions|\/restore)?$/.exec(path);
  if (!match) return { routeKey: `${method} /secrets` };
  return {
    routeKey: `${method} /secrets/{name}${match[2] ?? ''}`,
    pathParameters: { name: decodeURIComponent(match[1]!) },
  };
}

export function httpEvent(request: HttpRequest): APIGatewayProxyEventV2WithJWTAuthorizer {
  const { routeKey, pathParameters } = route(request.method, request.path);
  const body = request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
  const headers: Record<string, string> = {
    ...(body !== undefined && { 'content-type': 'application/json' }),
    ...request.headers,
  };
  const profile = request.profile === undefined ? 'alice' : request.profile;
  return {
    version: '2.0',
    routeKey,
    rawPath: request.path,
    rawQueryString: new URLSearchParams(request.query ?? {}).toString(),
    headers,
    ...(request.query && { queryStringParameters: request.query }),
    ...(pathParameters && { pathParameters }),
    ...(body !== undefined && { body }),
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: request.method, path: request.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: { claims: { ...(profile !== null && { sub: profile }), ...request.claims } as Record<string, string>, scopes: [] },
      },
    },
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
}

export function lambdaContext(remainingMs: () => number = () => 30_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'secret-store-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:secret-store-test',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/secret-store-test',
    logStreamName: 'test',
    getRemainingTimeInMillis: remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body?: string;
}
