import { importInput } from '../../lib/domain/inputs.js';
import { secretFunction } from '../../lib/lambda/secret-function.js';
import config from './config.js';

export const handler = secretFunction(config, importInput, async ({ input }, { secrets, logger }) => {
  const results = await secrets.importSecrets(input.secrets);
  const imported = results.filter((r) => r.outcome === 'imported').length;
  logger.info('import finished', { imported, exists: results.length - imported });
  return { status: 200, body: { results } };
});
