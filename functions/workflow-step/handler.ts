import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { logger } from '../../shared/logger';
import { buildDeps, type PipelineDeps } from '../../shared/pipeline/context';
import type { ReencryptState } from '../../shared/workflows/rds-reencrypt/state';
import { runStep } from '../../shared/workflows/rds-reencrypt/steps';
import { asStepError } from '../../shared/workflows/step-error';

let deps: PipelineDeps | undefined;

/** Step Functions Task input: `{ step, state }`; the output is the next state. */
export const workflowStep = async (event: { step: string; state: ReencryptState }): Promise<ReencryptState> => {
  deps ??= buildDeps();
  logger.appendKeys({ execution: event.state?.execution, step: event.step });
  try {
    const next = await runStep(event.step, event.state, deps);
    logger.info('workflow step done', { outcome: next.outcome, detail: next.detail });
    return next;
  } catch (e) {
    const err = asStepError(e);
    logger.error('workflow step failed', { code: err.name, error: err.message });
    throw err;
  }
};

export const handler = middy(workflowStep).use(injectLambdaContext(logger));
