// One local endpoint that answers as AWS does for the three services the packaged functions
// call, so they can run with only AWS_ENDPOINT_URL set (as under LocalStack) or with one
// variable per service pointing here. Every request must carry a SigV4 signature that verifies
// with the function's credentials, session token included. DynamoDB requests go on to a local
// DynamoDB; SSM keeps versioned parameters (GetParameter, GetParameterHistory); EventBridge
// records PutEvents. Every request is recorded by service and operation, and faults can be
// injected per service.
import { createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature, type ReceivedRequest } from './fake-aws.js';

export type Service = 'dynamodb' | 'ssm' | 'events';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export interface RecordedRequest {
  service: Service;
  operation: string;
  /** The SDK's amz-sdk-invocation-id: the same on every attempt of one call. */
  invocationId: string;
  body: string;
}

export interface ParameterVersion {
  value: string;
  version: number;
  /** Milliseconds since the epoch, from Date.now() when it was put (fake timers move it). */
  lastModified: number;
}

/** What a faulty service does instead of answering. */
export type Fault = { status: number; type: string } | 'reset';

export interface AwsGateway {
  url: string;
  requests: RecordedRequest[];
  /** Signature failures: each is also answered 403, so a function would see it. */
  signatureErrors: string[];
  /** The events PutEvents received, parsed. */
  events: { DetailType: string; Detail: Record<string, unknown>; EventBusName: string; Source: string }[];
  /** PutParameter as an operator does it: a new version, now. */
  putParameter(name: string, value: string): ParameterVersion;
  parameterVersions(name: string): ParameterVersion[];
  /** Every request to `service` fails this way until cleared with null. */
  fail(service: Service, fault: Fault | null): void;
  /** Requests to `service` since `since` (an index into `requests`), as "service:Operation" counts. */
  countsSince(since: number): Record<string, number>;
  close(): Promise<void>;
}

const SERVICE_OF_TARGET: Record<string, Service> = {
  DynamoDB_20120810: 'dynamodb',
  AmazonSSM: 'ssm',
  AWSEvents: 'events',
};

const PAGE = 50; // GetParameterHistory's largest MaxResults

export async function startAwsGateway(options: { dynamodb: string; credentials: Credentials }): Promise<AwsGateway> {
  const requests: RecordedRequest[] = [];
  const signatureErrors: string[] = [];
  const events: AwsGateway['events'] = [];
  const parameters = new Map<string, ParameterVersion[]>();
  const faults = new Map<Service, Fault>();
  const upstream = new URL(options.dynamodb);

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, type: string, message = type) => answer(res, status, { __type: type, message });

  const parameterOf = (version: ParameterVersion, name: string) => ({
    Name: name,
    Type: 'SecureString',
    Value: version.value,
    Version: version.version,
    LastModifiedDate: version.lastModified / 1000,
    DataType: 'text',
  });

  function ssm(operation: string, input: Record<string, unknown>, res: ServerResponse): void {
    // GetParameter takes a `name:version` selector.
    const [name = '', selector] = String(input.Name).split(/:(?=\d+$)/);
    const versions = parameters.get(name);
    if (!versions) return error(res, 400, 'ParameterNotFound');
    if (input.WithDecryption !== true) return error(res, 400, 'ValidationException', 'the test gateway only serves decrypted SecureStrings');
    if (operation === 'GetParameter') {
      const version = selector === undefined ? versions.at(-1) : versions.find((v) => v.version === Number(selector));
      if (!version) return error(res, 400, 'ParameterVersionNotFound');
      return answer(res, 200, { Parameter: parameterOf(version, name) });
    }
    if (operation === 'GetParameterHistory') {
      const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
      const size = Math.min(Number(input.MaxResults ?? PAGE), PAGE);
      const page = versions.slice(start, start + size);
      const next = start + size < versions.length ? String(start + size) : undefined;
      return answer(res, 200, { Parameters: page.map((v) => parameterOf(v, String(input.Name))), ...(next && { NextToken: next }) });
    }
    error(res, 400, 'InvalidAction', `${operation} is not served by the test gateway`);
  }

  function eventBridge(operation: string, input: Record<string, unknown>, res: ServerResponse): void {
    if (operation !== 'PutEvents') return error(res, 400, 'InvalidAction');
    const entries = (input.Entries ?? []) as { DetailType: string; Detail: string; EventBusName: string; Source: string }[];
    for (const entry of entries) events.push({ ...entry, Detail: JSON.parse(entry.Detail) as Record<string, unknown> });
    answer(res, 200, { FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: `event-${events.length - entries.length + i}` })) });
  }

  function dynamodb(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const proxied = forward(
      { hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (reply) => {
        res.writeHead(reply.statusCode ?? 500, reply.headers);
        reply.pipe(res);
      },
    );
    proxied.on('error', () => res.destroy());
    proxied.end(body);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const [prefix = '', operation = ''] = String(req.headers['x-amz-target'] ?? '').split('.');
      const service = SERVICE_OF_TARGET[prefix];
      if (!service) return error(res, 400, 'UnknownOperationException', `no service for target ${prefix}`);
      const received: ReceivedRequest = {
        method: req.method!,
        path: req.url!,
        headers: req.headers,
        body: body.toString('utf8'),
        operation,
        invocationId: String(req.headers['amz-sdk-invocation-id'] ?? ''),
      };
      requests.push({ service, operation, invocationId: received.invocationId, body: received.body });
      verifySignature(received, options.credentials)
        .then((scope) => {
          if (scope.service !== service) throw new Error(`signed for ${scope.service}, sent to ${service}`);
          if (req.headers['x-amz-security-token'] !== options.credentials.sessionToken) throw new Error('no session token');
          if (!scope.signedHeaders.includes('x-amz-security-token')) throw new Error('session token not signed');
        })
        .then(
          () => {
            const fault = faults.get(service);
            if (fault === 'reset') return void res.destroy();
            if (fault) return error(res, fault.status, fault.type);
            if (service === 'dynamodb') return dynamodb(req, body, res);
            const input = JSON.parse(received.body) as Record<string, unknown>;
            return service === 'ssm' ? ssm(operation, input, res) : eventBridge(operation, input, res);
          },
          (failure: Error) => {
            signatureErrors.push(`${service}:${operation}: ${failure.message}`);
            error(res, 403, 'InvalidSignatureException', failure.message);
          },
        );
    });
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    signatureErrors,
    events,
    putParameter(name, value) {
      const versions = parameters.get(name) ?? [];
      const version = { value, version: versions.length + 1, lastModified: Date.now() };
      parameters.set(name, [...versions, version]);
      return version;
    },
    parameterVersions: (name) => [...(parameters.get(name) ?? [])],
    fail(service, fault) {
      if (fault === null) faults.delete(service);
      else faults.set(service, fault);
    },
    countsSince(since) {
      const counts: Record<string, number> = {};
      // One call, whatever its retries: attempts share an invocation id.
      const calls = new Map(requests.slice(since).map((r) => [r.invocationId || Math.random(), r]));
      for (const r of calls.values()) counts[`${r.service}:${r.operation}`] = (counts[`${r.service}:${r.operation}`] ?? 0) + 1;
      return counts;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
