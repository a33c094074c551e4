// What the Lambda bundles get in place of `import ... from 'node:http'` (esbuild `alias` in
// serverless.yml): the built-in as require() returns it, without the lazy exports an ES-module
// import evaluates. docs/DESIGN.md, "Packaging".
const http = process.getBuiltinModule('node:http');

export default http;
export const { Agent, STATUS_CODES, request } = http;
