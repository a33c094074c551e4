// npm run token -- <profileId>: prints a token the local HTTP API accepts.
import { localToken } from '../local/token.js';

const profileId = process.argv[2];
if (!profileId) {
  console.error('usage: npm run token -- <profileId>');
  process.exit(2);
}
process.stdout.write(`${localToken(profileId, { claim: process.env.PROFILE_CLAIM ?? 'sub' })}\n`);
