/** What the workflow-step Lambda does with each kind of event it is sent (the handler only wraps it). */
import { lazily } from '../lazy';
import { logger } from '../logger';
import { isExecutionStatusChange } from './rds-reencrypt/ended';
import type { ReencryptState } from './rds-reencrypt/state';
import { asStepError } from './step-error';

// The RDS client, the steps and the policy load with the first invocation, not in the init phase.
const engine = lazily(async () => {
  const [{ buildDeps }, steps] = await Promise.all([import('../pipeline/context'), import('./rds-reencrypt/steps')]);
  return { deps: buildDeps(), ...steps };
});

/** Step Functions Task input: `{ step, state }`; the output is the next state. */
export const workflowStep = async (event: {
  step: string;
  state: ReencryptState;
  taskToken?: string;
}): Promise<ReencryptState> => {
  const { deps, runStep } = await engine();
  logger.appendKeys({ execution: event.state?.execution, step: event.step });
  try {
    const next = await runStep(event.step, event.state, deps, event.taskToken);
    logger.info('workflow step done', { outcome: next.outcome, detail: next.detail });
    return next;
  } catch (e) {
    const err = asStepError(e);
    logger.error('workflow step failed', { code: err.name, error: err.message });
    throw err;
  }
};

/** The ends the workflow cannot report itself (timed out, stopped, its alert failed), from EventBridge: one alert. */
const workflowEnded = (event: unknown) =>
  engine().then(({ deps, alertExecutionEnd }) => alertExecutionEnd(event, deps));

// `{ execution, decision: 'approve' | 'reject', by? }` (lambda invoke): the twin of `cmk-sentinel approve|reject`.
const decideSwitchover = (event: unknown) =>
  Promise.all([engine(), import('./approval')]).then(([{ deps }, a]) => a.decisionFromEvent(event, deps));

export const route = async (event: unknown) =>
  isExecutionStatusChange(event)
    ? workflowEnded(event)
    : event && typeof event === 'object' && 'decision' in event
      ? decideSwitchover(event)
      : workflowStep(event as { step: string; state: ReencryptState });
