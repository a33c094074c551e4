// npm run -s keygen: prints a new Fernet key (url-safe base64, 32 random bytes).
import { Fernet } from '../lib/crypto/fernet.js';

process.stdout.write(`${Fernet.generateKey()}\n`);
