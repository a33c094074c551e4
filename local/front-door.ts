// What stands in front of serverless-offline under `npm start`, on the ports callers use, to
// close three gaps between it and AWS (docs/TESTING.md, "Emulator gaps"):
// - a request with more than one Authorization header is refused with 401, as API Gateway does
//   (serverless-offline checks the first and hands the function the claims of the last);
// - an invoke payload that is not JSON is refused with Lambda's error, without a byte of it in any
//   log (serverless-offline's JSON.parse error, which it logs, quotes the payload around the fault);
// - everything else passes through unchanged.
// It also serves the API's documents (/openapi.json, /docs), which need no token.
import { createServer, request as forward, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import type { StaticDocument } from './api-docs.js';

export interface FrontDoor {
  close(): Promise<void>;
}

/** Relays `req` (with its body) to `port` on this host and the answer back. */
function relay(req: IncomingMessage, body: Buffer, res: ServerResponse, port: number): void {
  // rawHeaders keep repeated headers as they came; the request to the emulator carries them the same way.
  const upstream = forward({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.rawHeaders }, (reply) => {
    res.writeHead(reply.statusCode ?? 502, reply.rawHeaders);
    reply.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'the local emulator is not answering' }));
  });
  upstream.end(body);
}

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

const listen = (server: Server, port: number) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });

export async function startFrontDoor(
  ports: { http: number; httpUpstream: number; invoke: number; invokeUpstream: number },
  documents: Record<string, StaticDocument> = {},
): Promise<FrontDoor> {
  const http = createServer(async (req, res) => {
    const body = await readBody(req);
    const document = req.method === 'GET' || req.method === 'HEAD' ? documents[new URL(req.url ?? '/', 'http://localhost').pathname] : undefined;
    if (document) {
      res.writeHead(200, { 'content-type': document.contentType, 'content-length': document.body.length, 'x-content-type-options': 'nosniff', ...document.headers });
      return void res.end(req.method === 'HEAD' ? undefined : document.body);
    }
    const authorizations = req.rawHeaders.filter((_, i) => i % 2 === 0).filter((name) => name.toLowerCase() === 'authorization').length;
    if (authorizations > 1) {
      res.writeHead(401, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ message: 'Unauthorized' }));
    }
    relay(req, body, res, ports.httpUpstream);
  });
  const invoke = createServer(async (req, res) => {
    const body = await readBody(req);
    if (body.length > 0) {
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        // Lambda's answer to a payload that is not JSON, quoting none of it.
        res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'InvalidRequestContentException' });
        return void res.end(JSON.stringify({ Type: 'User', message: 'Could not parse request body into json' }));
      }
    }
    relay(req, body, res, ports.invokeUpstream);
  });
  for (const server of [http, invoke]) server.keepAliveTimeout = 120_000;
  await listen(http, ports.http);
  await listen(invoke, ports.invoke);
  const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));
  return {
    async close() {
      http.closeAllConnections();
      invoke.closeAllConnections();
      await Promise.all([close(http), close(invoke)]);
    },
  };
}
