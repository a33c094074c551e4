import { parse, sweepInput } from '../lib/domain/schema.js';
import { secretFunction } from '../lib/http/handler.js';
import { config, logger } from '../lib/runtime/clients.js';
import { secretServiceFor } from '../lib/runtime/services.js';

// Leave this much of the Lambda timeout for the last write and the summary line.
const RESERVE_MS = 2_000;

export const handler = secretFunction(
  async ({ input }, _keys, context) => {
    const { dryRun = false } = parse(sweepInput, input);
    const report = await secretServiceFor().sweep({
      dryRun,
      timeLeft: () => context.getRemainingTimeInMillis(),
      reserveMs: RESERVE_MS,
      retentionDays: config.RETENTION_DAYS,
    });
    logger.info('sweep finished', { dryRun, ...report });
    return { status: 200, body: report };
  },
  { profile: 'none' },
);
