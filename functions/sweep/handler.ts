import { sweepInput } from '../../lib/domain/inputs.js';
import { secretFunction } from '../../lib/lambda/secret-function.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import config from './config.js';

// Leave this much of the Lambda timeout for the last write and the summary line.
const RESERVE_MS = 2_000;

export const handler = secretFunction(config, sweepInput, async ({ input }, { secrets, logger, metrics, config: settings, timeLeft }) => {
  const { dryRun = false } = input;
  const report = await secrets.sweep({ dryRun, timeLeft, reserveMs: RESERVE_MS, retentionDays: settings.RETENTION_DAYS });
  logger.info('sweep finished', { dryRun, ...report });
  if (!dryRun) {
    metrics.addMetric('SweptSecrets', MetricUnit.Count, report.expired);
    metrics.addMetric('SweepIncomplete', MetricUnit.Count, report.more ? 1 : 0);
  }
  return { status: 200, body: report };
});
