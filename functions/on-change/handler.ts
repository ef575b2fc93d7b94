import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { SentinelError } from '../../shared/errors';
import { logger } from '../../shared/logger';
import { buildDeps, type PipelineDeps } from '../../shared/pipeline/context';
import { type EventResult, hasRetryableFailure, processEvent } from '../../shared/pipeline/process';

const metrics = new Metrics({ namespace: 'cmk-sentinel', serviceName: 'on-change' });
let deps: PipelineDeps | undefined;

export const onChange = async (event: unknown): Promise<EventResult> => {
  deps ??= buildDeps();
  const result = await processEvent(event, deps);
  for (const o of result.outcomes) metrics.addMetric(o.status === 'NON_COMPLIANT' ? `action_${o.action}` : `status_${o.status}`, MetricUnit.Count, 1);
  // Throwing hands the event back to Lambda's async retries and then the DLQ; only worth it when a retry can help.
  if (hasRetryableFailure(result)) {
    throw new SentinelError('AWS_UNAVAILABLE', 'transient failure; the event will be retried', { retryable: true, details: { outcomes: result.outcomes.filter((o) => o.error) } });
  }
  return result;
};

export const handler = middy(onChange).use(injectLambdaContext(logger)).use(logMetrics(metrics));
