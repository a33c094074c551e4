import { sweepInput } from '../../lib/domain/inputs.js';
import { secretFunction } from '../../lib/lambda/secret-function.js';
import config from './config.js';

// Leave this much of the Lambda timeout for the last write and the summary line.
const RESERVE_MS = 2_000;

export const handler = secretFunction(config, sweepInput, async ({ input }, { secrets, logger, config: settings, timeLeft }) => {
  const { dryRun = false } = input;
  const report = await secrets.sweep({ dryRun, timeLeft, reserveMs: RESERVE_MS, retentionDays: settings.RETENTION_DAYS });
  logger.info('sweep finished', { dryRun, ...report });
  return { status: 200, body: report };
});
