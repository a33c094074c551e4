// npm run token -- <profileId> [accountId]: prints a token the local HTTP API accepts, with the
// account claim when an account is given (account-shared secrets).
import { localToken } from '../local/token.js';

const [profileId, accountId] = process.argv.slice(2);
if (!profileId) {
  console.error('usage: npm run token -- <profileId> [accountId]');
  process.exit(2);
}
const claims = accountId ? { [process.env.ACCOUNT_CLAIM ?? 'account']: accountId } : {};
process.stdout.write(`${localToken(profileId, { claim: process.env.PROFILE_CLAIM ?? 'sub', claims })}\n`);
