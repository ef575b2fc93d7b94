import type { PipelineDeps } from '../../pipeline/context';
import { ruleContext } from '../../pipeline/scope';
import type { RuleContext } from '../../rules/contract';
import type { ReencryptState, StepOutcome } from './state';

/** One step of the re-encryption workflow (restore path in steps.ts, Blue/Green in blue-green.ts). */
export type Step = (s: ReencryptState, deps: PipelineDeps) => Promise<ReencryptState>;

/** The rule context of the database's own account and region (member accounts through their role). */
export const ctxOf = (s: ReencryptState, deps: PipelineDeps): RuleContext => ruleContext(deps, s.account, s.region);

/** The state a step hands on: its name, outcome and detail, with what it learned. */
export const done = (
  s: ReencryptState,
  step: string,
  outcome: StepOutcome,
  detail?: string,
  extra: Partial<ReencryptState> = {},
): ReencryptState => ({ ...s, ...extra, step, outcome, ...(detail !== undefined ? { detail } : {}) });
