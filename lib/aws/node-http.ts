// What the Lambda bundles get in place of `import ... from 'node:http'` (esbuild `alias` in
// serverless.yml; tests and scripts, unbundled, import the built-in itself). On Node 24 an
// ES-module import of node:http evaluates every export of the built-in, the lazy ones too,
// and those load undici, http2 and worker_threads: 25 of the 92 built-in modules a function's
// init loaded (10-15 ms), none of them used. process.getBuiltinModule returns the built-in as
// require() does and leaves its lazy exports alone. Importers: @middy/util (STATUS_CODES) and
// the SDK's HTTP handler, on its first request to an http:// endpoint (local stores only).
const http = process.getBuiltinModule('node:http');

export default http;
export const { Agent, STATUS_CODES, request } = http;
