// The API's documents under `npm start`, served by the front door without a token: the OpenAPI
// document at /openapi.json and a reference page at /docs (Redoc's standalone bundle, from
// node_modules: no CDN, nothing fetched from outside this machine).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface StaticDocument {
  contentType: string;
  body: Buffer;
  headers?: Record<string, string>;
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Secret store API</title>
</head>
<body>
<redoc spec-url="/openapi.json" hide-download-button="false"></redoc>
<script src="/docs/redoc.standalone.js"></script>
</body>
</html>
`;

/** The documents by path, read once at start. */
export function apiDocuments(): Record<string, StaticDocument> {
  const require = createRequire(import.meta.url);
  const redoc = require.resolve('redoc/bundles/redoc.standalone.js');
  return {
    '/openapi.json': { contentType: 'application/json', body: readFileSync(new URL('../docs/openapi.json', import.meta.url)) },
    '/docs': {
      contentType: 'text/html; charset=utf-8',
      body: Buffer.from(PAGE),
      // Only this machine's scripts; Redoc styles inline and runs its search in a blob worker.
      headers: {
        'content-security-policy':
          "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:",
      },
    },
    '/docs/redoc.standalone.js': { contentType: 'text/javascript; charset=utf-8', body: readFileSync(redoc) },
  };
}
