// A local HTTP endpoint standing in for an AWS JSON-protocol service (SSM, EventBridge):
// it records every request as received and answers with what the test scripts.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/core/transport';

const bytes = (data: string | ArrayBuffer | ArrayBufferView): string | Buffer =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** SHA-256 / HMAC-SHA-256 straight from node:crypto, independent of the SDK's. */
class Sha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.#hash.digest();
  }
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** X-Amz-Target's operation, e.g. GetParameter. */
  operation: string;
  /** The SDK's amz-sdk-invocation-id: the same on every attempt of one call. */
  invocationId: string;
}

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Never answer (to exercise timeouts). */
  hang?: boolean;
}

export interface FakeAws {
  url: string;
  received: ReceivedRequest[];
  /** Calls made, whatever their retries (on a stalled machine a timeout adds attempts, not calls). */
  calls(): number;
  /** Answers in order; the last one repeats. */
  reply(...replies: Reply[]): void;
  close(): Promise<void>;
}

export async function startFakeAws(): Promise<FakeAws> {
  const received: ReceivedRequest[] = [];
  let script: Reply[] = [{ status: 200, body: {} }];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      received.push({
        method: req.method!,
        path: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        operation: target.split('.').pop()!,
        invocationId: String(req.headers['amz-sdk-invocation-id'] ?? ''),
      });
      const reply = script.length > 1 ? script.shift()! : script[0]!;
      if (reply.hang) return;
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/x-amz-json-1.1', ...reply.headers });
      res.end(JSON.stringify(reply.body ?? {}));
    });
  });
  // Idle keep-alive sockets stay open: a close racing the client's reuse would add attempts.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    calls: () => new Set(received.map((r) => r.invocationId)).size,
    reply: (...replies) => {
      script = replies;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Checks a received request's SigV4 signature the way AWS does: re-sign what arrived, with
 * the same credentials, date and signed headers, and compare. Returns the credential scope.
 */
export async function verifySignature(
  request: ReceivedRequest,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<{ region: string; service: string; signedHeaders: string[] }> {
  const authorization = String(request.headers.authorization ?? '');
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
    authorization,
  );
  if (!match) throw new Error(`not a SigV4 Authorization header: ${authorization}`);
  const [, accessKeyId, , region, service, signedHeaderList, signature] = match;
  if (accessKeyId !== credentials.accessKeyId) throw new Error('signed with other credentials');
  // AWS checks a declared payload hash against the body it received.
  const payloadHash = request.headers['x-amz-content-sha256'];
  if (payloadHash !== undefined && payloadHash !== createHash('sha256').update(request.body).digest('hex')) {
    throw new Error('signature does not verify: the body is not the one signed');
  }
  const signedHeaders = signedHeaderList!.split(';');
  const amzDate = String(request.headers['x-amz-date']);
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const headers = Object.fromEntries(signedHeaders.map((h) => [h, String(request.headers[h])]));
  const url = new URL(`http://${request.headers.host}${request.path}`);
  const resigned = await new SignatureV4({ service: service!, region: region!, credentials, sha256: Sha256 }).sign(
    new HttpRequest({ method: request.method, protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, headers, body: request.body }),
    { signingDate },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(resigned.headers.authorization))![1];
  if (expected !== signature) throw new Error('signature does not verify');
  return { region: region!, service: service!, signedHeaders };
}
