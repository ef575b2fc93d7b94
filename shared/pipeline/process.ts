import { type Outcome, shouldAlert, toAlert } from '../alerts/alert';
import { translateAwsError } from '../aws/errors';
import { SentinelError } from '../errors';
import { normalise, type TriggerInfo } from '../events/normalise';
import type { Finding, ResourceRef, RuleContext } from '../rules/contract';
import { RULES, ruleFor } from '../rules/registry';
import { type PipelineDeps, scopeFor } from './context';

const fromFinding = (ref: ResourceRef, arn: string, f: Finding): Omit<Outcome, 'action' | 'result'> => ({
  ref, arn, status: f.status, reason: f.reason, detail: f.detail, observedKey: f.observedKey, expectedKey: f.expectedKey,
});

const errorOutcome = (ref: ResourceRef, arn: string | undefined, e: unknown, base: Partial<Outcome> = {}): Outcome => {
  const err = e instanceof SentinelError ? e : translateAwsError(e, 'unknown');
  return {
    ref, arn, ...base,
    status: 'ERROR',
    action: base.action ?? 'NONE',
    result: 'FAILED',
    error: { code: err.code, message: err.message, retryable: err.retryable, missingPermission: err.details.missingPermission as string | undefined },
  };
};

/**
 * describe → evaluate → act → verify for one resource. Never throws: every failure
 * becomes an ERROR outcome with a typed code, so one bad resource cannot stop others.
 */
export const evaluateAndAct = async (ref: ResourceRef, deps: PipelineDeps): Promise<Outcome> => {
  const rule = ruleFor(ref.type);
  if (!rule) return errorOutcome(ref, undefined, new SentinelError('UNKNOWN_RESOURCE_TYPE', `No rule for ${ref.type}`));
  const arn = rule.arn(ref);
  const ctx: RuleContext = { clients: deps.clients, keys: deps.keys, policy: deps.policy, scope: scopeFor(deps, ref.account, ref.region), workflows: deps.workflows };
  let partial: Partial<Outcome> = {};
  try {
    const state = await rule.describe(ref, ctx);
    if (state === undefined) {
      return { ref, arn, status: 'NOT_APPLICABLE', reason: 'RESOURCE_GONE', detail: `${ref.type} ${ref.id} does not exist (any more)`, action: 'NONE', result: 'NOT_ATTEMPTED' };
    }
    const cmk = await deps.keys.regionalCmk(ref.region);
    const finding = rule.evaluate(state, { region: ref.region, cmk, policy: deps.policy });
    const base = fromFinding(ref, arn, finding);
    partial = base;
    if (finding.status !== 'NON_COMPLIANT') return { ...base, action: 'NONE', result: 'NOT_ATTEMPTED' };

    const mode = deps.dryRun ? 'report' : deps.mode ?? deps.policy.modeFor(ref.type);
    if (mode === 'report') return { ...base, action: 'REPORT', result: 'NOT_ATTEMPTED' };
    if (deps.policy.isExempt(await rule.tags(state, ctx))) {
      return { ...base, action: 'SKIP_EXEMPT', result: 'NOT_ATTEMPTED', actionDetail: `Tagged ${deps.policy.doc.exemptTag}=true: reported, not touched` };
    }

    if (mode === 'quarantine') {
      partial = { ...base, action: 'QUARANTINE' };
      const done = await rule.quarantine(state, finding, ctx);
      const result = !done.changed ? 'UNCHANGED' : done.verified ? 'VERIFIED' : 'VERIFICATION_FAILED';
      return { ...base, action: 'QUARANTINE', result, actionDetail: done.detail };
    }

    partial = { ...base, action: 'REMEDIATE' };
    const done = await rule.remediate(state, finding, ctx);
    if (done.pending) return { ...base, action: 'REMEDIATE', result: done.changed ? 'PENDING' : 'UNCHANGED', actionDetail: done.detail };
    // Verify with a fresh read: the action's own response is not proof.
    const after = await rule.describe(ref, ctx);
    const check = after === undefined ? undefined : rule.evaluate(after, { region: ref.region, cmk, policy: deps.policy });
    const verified = check?.status === 'COMPLIANT';
    return {
      ...base,
      action: 'REMEDIATE',
      result: verified ? 'VERIFIED' : 'VERIFICATION_FAILED',
      actionDetail: verified ? done.detail : `${done.detail}; re-read shows ${check ? `${check.status} ${check.reason ?? ''}`.trim() : 'the resource gone'}`,
    };
  } catch (e) {
    return errorOutcome(ref, arn, e, partial);
  }
};

export interface EventResult {
  kind: 'resources' | 'ignored' | 'invalid';
  outcomes: Outcome[];
  message?: string;
  error?: ReturnType<SentinelError['toJSON']>;
}

/** Alert on an outcome when it deserves one; an undeliverable alert marks the outcome retryable. */
export const publishAlert = async (outcome: Outcome, trigger: TriggerInfo, deps: PipelineDeps): Promise<Outcome> => {
  if (!shouldAlert(outcome)) return outcome;
  try {
    await deps.alerts.publish(toAlert(outcome, trigger, deps.now()));
    return outcome;
  } catch (e) {
    const err = translateAwsError(e, 'sns:Publish');
    deps.log.error('alert not delivered', { code: err.code, error: err.message, resource: outcome.ref });
    // The action happened but nobody was told: that must not pass silently.
    return { ...outcome, error: { code: err.code, message: `alert not delivered: ${err.message}`, retryable: true } };
  }
};

/** One resource through the pipeline and, where it deserves one, an alert. Used by events and the backfill alike. */
export const handleResource = async (ref: ResourceRef, trigger: TriggerInfo, deps: PipelineDeps): Promise<Outcome> =>
  publishAlert(await evaluateAndAct(ref, deps), trigger, deps);

/** One EventBridge event through the whole pipeline; one structured log line per outcome. */
export const processEvent = async (event: unknown, deps: PipelineDeps): Promise<EventResult> => {
  const n = normalise(event, RULES);
  if (n.kind === 'invalid') {
    deps.log.error('invalid event', { code: n.error.code, error: n.error.message, ...n.error.details });
    return { kind: 'invalid', outcomes: [], message: n.error.message, error: n.error.toJSON() };
  }
  if (n.kind === 'ignored') {
    deps.log.info('event ignored', { reason: n.reason, message: n.message, eventName: n.trigger?.eventName, eventId: n.trigger?.eventId });
    return { kind: 'ignored', outcomes: [], message: n.message };
  }
  const outcomes = await Promise.all(n.refs.map((ref) => handleResource(ref, n.trigger, deps)));
  for (const o of outcomes) {
    const line = { resource: o.ref, status: o.status, reason: o.reason, action: o.action, result: o.result, eventName: n.trigger.eventName, eventId: n.trigger.eventId, error: o.error };
    if (o.status === 'ERROR' || o.error) deps.log.error('resource failed', line);
    else deps.log.info('resource evaluated', line);
  }
  return { kind: 'resources', outcomes };
};

/** A run worth retrying: something failed for a reason that may pass (throttling, outage, undelivered alert). */
export const hasRetryableFailure = (r: EventResult): boolean => r.outcomes.some((o) => o.error?.retryable === true);
