// npm start: the whole store on this machine, on the embedded defaults.
//   dynalite (DynamoDB API)      http://localhost:8000   data in .local/dynamodb
//   HTTP API                     http://localhost:3000
//   Lambda invoke endpoint       http://localhost:3002
// Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { developmentKey } from '../local/dev-key.js';
import { ensureTable, startDynalite } from '../local/dynalite.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.LOCAL_DATA_DIR ?? join(root, '.local');
const DYNAMO_PORT = Number(process.env.DYNAMO_PORT ?? 8000);
const TABLE_NAME = 'secret-store-dev-secrets';

mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
const dynamo = await startDynalite({ port: DYNAMO_PORT, path: join(dataDir, 'dynamodb') });
await ensureTable(dynamo.endpoint, TABLE_NAME);
console.log(`dynalite listening on http://localhost:${DYNAMO_PORT} (table ${TABLE_NAME})`);

const { key, created } = developmentKey(join(dataDir, 'fernet-key'));
if (created) {
  console.warn('Generated a development Fernet key in .local/fernet-key. It is for local use only: never use it in AWS.');
}

const offline = spawn(
  process.execPath,
  [join(root, 'node_modules', 'osls', 'bin', 'serverless.js'), 'offline', 'start', '--stage', 'dev'],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      FERNET_KEYS: process.env.FERNET_KEYS ?? key,
      // Repeat starts compile the framework's modules once, not every time.
      NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(root, 'node_modules', '.cache', 'node-compile'),
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    },
  },
);

let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  offline.kill('SIGTERM');
  await dynamo.close();
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
offline.on('exit', (code) => void stop(code ?? 0));
