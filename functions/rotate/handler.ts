import { rotateInput } from '../../lib/domain/inputs.js';
import { secretFunction } from '../../lib/lambda/secret-function.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import config from './config.js';

// Leave this much of the Lambda timeout for the last write and the summary line.
const RESERVE_MS = 2_000;

export const handler = secretFunction(config, rotateInput, async (_request, { secrets, logger, metrics, timeLeft }) => {
  const report = await secrets.rotate({
    timeLeft,
    reserveMs: RESERVE_MS,
    onFailure: (item) => logger.error('secret cannot be decrypted for rotation', { profileId: item.profileId, name: item.name, id: item.id }),
  });
  logger.info('rotation finished', { ...report });
  metrics.addMetric('RotatedSecrets', MetricUnit.Count, report.rotated);
  metrics.addMetric('RotationFailures', MetricUnit.Count, report.failed);
  metrics.addMetric('RotationIncomplete', MetricUnit.Count, report.more ? 1 : 0);
  return { status: 200, body: report };
});
