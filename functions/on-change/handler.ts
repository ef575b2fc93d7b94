import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { SentinelError } from '../../shared/errors';
import { lazily } from '../../shared/lazy';
import { logger } from '../../shared/logger';
import type { PipelineDeps } from '../../shared/pipeline/context';
import { type EventResult, hasRetryableFailure, processEvent } from '../../shared/pipeline/process';
import { isRecheckEvent } from '../../shared/rules/redshift-cluster/recheck-event';

const metrics = new Metrics({ namespace: 'cmk-sentinel', serviceName: 'on-change' });

/** The handler over given dependencies (tests pass an SDK-free pipeline; the Lambda builds them once per cold start).
 * */
export const makeOnChange =
  (getDeps: () => PipelineDeps | Promise<PipelineDeps>) =>
  async (event: unknown, context?: Context): Promise<EventResult> => {
    const d = await getDeps();
    // An in-progress idempotency record then expires with this invocation, so a timed-out run can be retried.
    if (context?.getRemainingTimeInMillis) d.once?.registerLambdaContext?.(context);
    // Redshift's re-key ends without any event: a schedule re-checks the clusters whose snapshot copy is suspended.
    const result = isRecheckEvent(event)
      ? await (await import('../../shared/rules/redshift-cluster/recheck')).recheckSuspendedCopies(d)
      : await processEvent(event, d);
    for (const o of result.outcomes)
      metrics.addMetric(
        o.status === 'NON_COMPLIANT' ? `action_${o.action}` : `status_${o.status}`,
        MetricUnit.Count,
        1,
      );
    // Throwing hands the event back to Lambda's async retries and then the DLQ; only worth it when a retry can help.
    if (hasRetryableFailure(result)) {
      throw new SentinelError('AWS_UNAVAILABLE', 'transient failure; the event will be retried', {
        retryable: true,
        details: { failed: result.outcomes.filter((o) => o.error).map((o) => ({ resource: o.ref, error: o.error })) },
      });
    }
    return result;
  };

// Clients, key resolver and policy load with the first event, and of the rules only those the event names.
export const onChange = makeOnChange(lazily(async () => (await import('../../shared/pipeline/context')).buildDeps()));

export const handler = middy(onChange).use(injectLambdaContext(logger)).use(logMetrics(metrics));
