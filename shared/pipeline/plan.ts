import type { AnyRule, EvaluationContext, Finding } from '../rules/contract';
import type { Plan } from '../rules/plan';

/**
 * The plan for one non-compliant resource as the pipeline would act on it: the mode's action after the fallbacks
 * AWS forces (remediate → quarantine → report, by the rule's limits), then the rule's own plan for that action.
 * Pure: the same inputs the action uses, read-only.
 */
export const planFor = (
  rule: AnyRule,
  state: unknown,
  finding: Finding,
  ctx: EvaluationContext,
  mode: 'remediate' | 'quarantine' | 'report',
): Plan => {
  const none = (fallback: string[]): Plan => ({
    action: 'REPORT',
    steps: [],
    downtime: { kind: 'NONE' },
    cost: [],
    fallback,
  });
  if (mode === 'report') return none([`mode report for ${rule.type}`]);
  const limits = rule.limits?.(state, finding) ?? {};
  const fallback: string[] = [];
  let action: 'REMEDIATE' | 'QUARANTINE' = mode === 'remediate' ? 'REMEDIATE' : 'QUARANTINE';
  if (action === 'REMEDIATE' && limits.remediate) {
    fallback.push(`cannot re-encrypt: ${limits.remediate}`);
    action = 'QUARANTINE';
  }
  if (action === 'QUARANTINE' && limits.quarantine)
    return none([...fallback, `cannot quarantine: ${limits.quarantine}`]);
  return { action, ...rule.plan(state, finding, ctx, action), ...(fallback.length ? { fallback } : {}) };
};
