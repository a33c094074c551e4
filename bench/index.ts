// npm run bench: every benchmark, each against a baseline measured in the same run.
import { formatCryptoBench, runCryptoBench } from './crypto.js';
import { formatRequestBench, runRequestBench } from './requests.js';

console.log('## DynamoDB requests per operation\n');
console.log(formatRequestBench(await runRequestBench()));
console.log('\n## Fernet\n');
console.log(formatCryptoBench(await runCryptoBench()));
process.exit(0);
