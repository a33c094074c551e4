// npm run -s keygen: prints a new Fernet key (url-safe base64, 32 random bytes) on stdout, and on
// stderr the fingerprint rotate reports it by.
import { Fernet } from '../lib/crypto/fernet.js';
import { keyFingerprint } from '../lib/crypto/sealer.js';

const key = Fernet.generateKey();
process.stdout.write(`${key}\n`);
process.stderr.write(`fingerprint ${keyFingerprint(key)}\n`);
