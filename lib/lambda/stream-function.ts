// The Middy chain of the stream publisher: Lambda hands it batches of the table's stream, and
// it answers with a partial batch response (docs/DESIGN.md, "Audit events"). Records carry
// ciphertext: nothing here logs a record, only counts and sequence numbers.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { publishRecords } from '../audit/publisher.js';
import { auditSink, logger, metrics } from '../wiring.js';

export function streamFunction() {
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(logMetrics(metrics))
    .handler(async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
      const records = event.Records ?? [];
      const report = await publishRecords(records, auditSink, { timeLeft: () => context.getRemainingTimeInMillis() });
      metrics.addMetric('AuditEventsPublished', MetricUnit.Count, report.published);
      metrics.addMetric('AuditEventsFailed', MetricUnit.Count, report.failed);
      metrics.addMetric('AuditLag', MetricUnit.Milliseconds, report.lagMs);
      if (report.failed > 0) {
        logger.warn('audit events not published; the batch resumes from the first', {
          records: records.length,
          failed: report.failed,
          resumeAt: report.response.batchItemFailures[0]?.itemIdentifier,
        });
      }
      return report.response;
    });
}
