// Writes docs/openapi.json from the code (lib/openapi/document.ts): `npm run openapi`.
import { writeFileSync } from 'node:fs';
import { openApiDocumentText } from '../lib/openapi/document.js';

writeFileSync(new URL('../docs/openapi.json', import.meta.url), openApiDocumentText());
console.log('docs/openapi.json written');
