import { type ActionOutcome, type Alert, invalidEventAlert, type Outcome, shouldAlert, toAlert } from '../alerts/alert';
import { auditRecord, isAuditable } from '../audit/audit';
import { translateAwsError } from '../aws/errors';
import { SentinelError } from '../errors';
import { normalise, type TriggerInfo } from '../events/normalise';
import type { OnceKey } from '../idempotency/once';
import type { OutboxEntry } from '../idempotency/outbox';
import { forLog, redact } from '../redact';
import type { ActionVerdict, AnyRule, Finding, ResourceRef, RuleContext } from '../rules/contract';
import { RULE_DOCS } from '../rules/docs';
import { loadRule, RULES } from '../rules/registry';
import { detectTamper, isServiceActor, tamperAlert } from '../tamper/tamper';
import { checksOf } from '../compliance/mapping';
import { policyWaiver, tagWaiver } from '../waivers/waiver';
import type { PipelineDeps } from './context';
import type { Plan } from '../rules/plan';
import { planFor } from './plan';
import { ruleContext } from './scope';
import { accountCoverage } from '../accounts/coverage';

const homeRegion = () => process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';

const fromFinding = (ref: ResourceRef, arn: string, f: Finding): Omit<Outcome, 'action' | 'result'> => ({
  ref,
  arn,
  status: f.status,
  reason: f.reason,
  detail: f.detail,
  observedKey: f.observedKey,
  expectedKey: f.expectedKey,
  severity: f.severity,
});

const errorOutcome = (ref: ResourceRef, arn: string | undefined, e: unknown, base: Partial<Outcome> = {}): Outcome => {
  const err = e instanceof SentinelError ? e : translateAwsError(e, 'unknown');
  return {
    ref,
    arn,
    ...base,
    status: 'ERROR',
    action: base.action ?? 'NONE',
    result: 'FAILED',
    error: {
      code: err.code,
      message: err.message,
      retryable: err.retryable,
      missingPermission: err.details.missingPermission as string | undefined,
    },
  };
};

/**
 * What a run without --dry-run would do to this resource, from the same inputs the action uses (mode, exemption tag,
 * what AWS allows, the gates), read-only. Said in the action detail of a dry run's REPORT.
 */
export const dryRunPreview = async (
  rule: AnyRule,
  state: unknown,
  plan: Plan,
  ctx: RuleContext,
  deps: PipelineDeps,
): Promise<string> => {
  const mode = deps.mode ?? deps.policy.modeFor(rule.type);
  if (mode === 'report') return `dry run: would report only (mode report for ${rule.type})`;
  // A waiver already returned WAIVED before the preview; an exemption tag left over names none that applies.
  const tag = (await rule.tags(state, ctx))[deps.policy.doc.exemptTag];
  const unapproved =
    tag !== undefined && tag.toLowerCase() !== 'false'
      ? `; tag ${deps.policy.doc.exemptTag}=${tag.slice(0, 64)} is an UNAPPROVED_EXEMPTION, not honoured`
      : '';
  // The action and its fallbacks are the plan's: one decision for the preview, the plan and the action.
  const notes = plan.fallback ?? [];
  const act = plan.action.toLowerCase();
  const off = RULE_DOCS[rule.type].gates.filter((g) => !deps.policy.gates[g]);
  const gated =
    act === 'report' || off.length === 0
      ? ''
      : `; blocked by gate${off.length > 1 ? 's' : ''} ${off.map((g) => `gates.${g}`).join(', ')} (off): ${off.length > 1 ? 'those steps' : 'that step'} would not run`;
  const verb =
    act === 'remediate'
      ? 'would remediate (re-encrypt with the regional CMK)'
      : act === 'quarantine'
        ? 'would quarantine'
        : 'would report only';
  return `dry run: ${verb}${notes.length ? ` (${notes.join('; ')})` : ''}${gated}${unapproved}`;
};

/**
 * describe → evaluate → act → verify for one resource. Never throws: every failure
 * becomes an ERROR outcome with a typed code, so one bad resource cannot stop others.
 */
export const evaluateAndAct = async (ref: ResourceRef, deps: PipelineDeps): Promise<Outcome> => {
  // The rule's implementation (and its SDK client) loads here, on the first resource of its type.
  const rule = await loadRule(ref.type);
  if (!rule) return errorOutcome(ref, undefined, new SentinelError('UNKNOWN_RESOURCE_TYPE', `No rule for ${ref.type}`));
  const arn = rule.arn(ref);
  const ctx = ruleContext(deps, ref.account, ref.region);
  let partial: Partial<Outcome> = {};
  try {
    const state = await rule.describe(ref, ctx);
    if (state === undefined) {
      return {
        ref,
        arn,
        status: 'NOT_APPLICABLE',
        reason: 'RESOURCE_GONE',
        detail: `${ref.type} ${ref.id} does not exist (any more)`,
        action: 'NONE',
        result: 'NOT_ATTEMPTED',
      };
    }
    const cmk = await ctx.keys.regionalCmk(ref.region);
    const finding = rule.evaluate(state, { region: ref.region, cmk, policy: deps.policy });
    const base = fromFinding(ref, arn, finding);
    partial = base;
    if (finding.status !== 'NON_COMPLIANT') return { ...base, action: 'NONE', result: 'NOT_ATTEMPTED' };

    // A waiver of the policy that covers this resource and check: reported WAIVED, never touched, until it expires.
    const keep = deps.audit !== undefined;
    const waived = policyWaiver(deps.policy.waivers, ref.type, arn, finding.reason, deps.now(), checksOf);
    if (waived?.status === 'WAIVED') {
      return {
        ...base,
        ...(keep ? { before: state, after: state } : {}),
        action: 'SKIP_EXEMPT',
        result: 'NOT_ATTEMPTED',
        waiver: waived,
        actionDetail: waived.detail,
      };
    }
    const noted0 = waived ? { waiver: waived } : {};
    if (deps.dryRun) {
      const mode = deps.mode ?? deps.policy.modeFor(ref.type);
      const plan = planFor(rule, state, finding, { region: ref.region, cmk, policy: deps.policy }, mode);
      return {
        ...base,
        ...noted0,
        action: 'REPORT',
        result: 'NOT_ATTEMPTED',
        actionDetail: await dryRunPreview(rule, state, plan, ctx, deps),
        plan,
      };
    }
    const mode = deps.mode ?? deps.policy.modeFor(ref.type);
    if (mode === 'report') return { ...base, ...noted0, action: 'REPORT', result: 'NOT_ATTEMPTED' };
    // Before/after state is kept for the audit trail only.
    if (keep) partial = { ...partial, before: state };
    // The exemption tag counts only when it names a waiver that covers the resource (then `waived` held it
    // already): "true", an unknown id or another resource's waiver is an UNAPPROVED_EXEMPTION, and the
    // resource is handled as the policy says; an expired waiver, too. Both ride on the outcome and its alert.
    const verdict =
      waived ??
      tagWaiver(
        deps.policy.waivers,
        deps.policy.doc.exemptTag,
        await rule.tags(state, ctx),
        ref.type,
        arn,
        finding.reason,
        deps.now(),
        checksOf,
      );
    if (verdict?.status === 'WAIVED') {
      return {
        ...base,
        ...(keep ? { before: state, after: state } : {}),
        action: 'SKIP_EXEMPT',
        result: 'NOT_ATTEMPTED',
        waiver: verdict,
        actionDetail: verdict.detail,
      };
    }
    if (verdict) partial = { ...partial, waiver: verdict };
    const noted = (o: Outcome): Outcome =>
      verdict
        ? { ...o, waiver: verdict, actionDetail: [verdict.detail, o.actionDetail].filter(Boolean).join('; ') }
        : o;
    return noted(
      await act(state, finding, base, {
        rule,
        ctx,
        ref,
        cmk,
        keep,
        mode,
        deps,
        setPartial: (p) => {
          partial = { ...partial, ...p };
        },
      }),
    );
  } catch (e) {
    return errorOutcome(ref, arn, e, partial);
  }
};

interface ActInput {
  rule: NonNullable<Awaited<ReturnType<typeof loadRule>>>;
  ctx: ReturnType<typeof ruleContext>;
  ref: ResourceRef;
  cmk: Awaited<ReturnType<PipelineDeps['keys']['regionalCmk']>>;
  keep: boolean;
  mode: 'remediate' | 'quarantine';
  deps: PipelineDeps;
  setPartial: (p: Partial<Outcome>) => void;
}

/** remediate or quarantine per the mode, with the fallbacks AWS forces; verified by a fresh read. */
const act = async (
  state: unknown,
  finding: Finding,
  base: ReturnType<typeof fromFinding>,
  { rule, ctx, ref, cmk, keep, mode, deps, setPartial }: ActInput,
): Promise<Outcome> => {
  // What AWS cannot do to this resource: fall back remediate → quarantine → report, and say why.
  // The plan decides the action (the same decision a dry run prints); the rule's action then sends the calls it
  // lists (test/integration/plan-follows.test.ts holds them to it).
  const plan = planFor(rule, state, finding, { region: ref.region, cmk, policy: deps.policy }, mode);
  const notes = plan.fallback ?? [];
  if (plan.action === 'REPORT')
    return {
      ...base,
      ...(keep ? { before: state } : {}),
      action: 'REPORT',
      result: 'NOT_ATTEMPTED',
      actionDetail: notes.join('; '),
    };
  const chosen = plan.action === 'REMEDIATE' ? 'remediate' : 'quarantine';

  // A quarantine verifies itself: unchanged, or changed and its own re-read agrees.
  const selfVerified = (v: ActionVerdict): ActionOutcome => {
    const changed = v.kind !== 'CANNOT' && v.changed;
    const verified = (v.kind === 'DONE' || v.kind === 'TAKEN_INSTEAD') && v.verified === true;
    return !changed ? 'UNCHANGED' : verified ? 'VERIFIED' : 'VERIFICATION_FAILED';
  };
  const report = (detail: string): Outcome => ({
    ...base,
    ...(keep ? { before: state } : {}),
    action: 'REPORT',
    result: 'NOT_ATTEMPTED',
    actionDetail: detail,
  });

  if (chosen === 'quarantine') {
    setPartial({ action: 'QUARANTINE' });
    const v = await rule.quarantine(state, finding, ctx);
    if (v.kind === 'CANNOT') return { ...base, action: 'REPORT', result: 'NOT_ATTEMPTED', actionDetail: v.detail };
    const states = keep ? { before: state, after: await rule.describe(ref, ctx) } : {};
    return {
      ...base,
      ...states,
      action: 'QUARANTINE',
      result: selfVerified(v),
      actionDetail: [...notes, notes.length ? `quarantined instead: ${v.detail}` : v.detail].join('; '),
    };
  }

  setPartial({ action: 'REMEDIATE' });
  const v = await rule.remediate(state, finding, ctx);
  switch (v.kind) {
    case 'CANNOT':
      return report(v.detail);
    case 'TAKEN_INSTEAD':
      return {
        ...base,
        ...(keep ? { before: state, after: await rule.describe(ref, ctx) } : {}),
        action: 'QUARANTINE',
        result: selfVerified(v),
        actionDetail: v.detail,
      };
    case 'PENDING':
      return {
        ...base,
        ...(keep ? { before: state } : {}),
        ...(v.data ? { data: v.data } : {}),
        action: 'REMEDIATE',
        result: v.changed ? 'PENDING' : 'UNCHANGED',
        actionDetail: v.detail,
      };
    case 'DONE':
    case 'REPLACED':
      break;
  }
  // Verify with a fresh read: the action's own response is not proof. Where the rule
  // made a compliant replacement (a copy), that is what is verified.
  const verifyRef = v.kind === 'REPLACED' ? { ...ref, id: v.replacement } : ref;
  // A rule that re-read what decides compliance right after writing it hands that state over: no second read.
  const after =
    v.kind === 'DONE' && v.verifiedState !== undefined
      ? (v.verifiedState as typeof state)
      : await rule.describe(verifyRef, ctx);
  const check =
    after === undefined ? undefined : rule.evaluate(after, { region: ref.region, cmk, policy: deps.policy });
  const verified = check?.status === 'COMPLIANT';
  // The configuration reads back compliant but stored data is not all re-keyed: not a fix, not a failed verification.
  const incomplete = check?.status === 'NON_COMPLIANT' && check.dataOnly === true;
  return {
    ...base,
    ...(keep ? { before: state, after } : {}),
    ...(v.data ? { data: v.data } : {}),
    action: 'REMEDIATE',
    result: incomplete
      ? 'INCOMPLETE'
      : !verified
        ? 'VERIFICATION_FAILED'
        : v.kind === 'REPLACED' && !v.changed
          ? 'UNCHANGED'
          : 'VERIFIED',
    actionDetail:
      verified || incomplete
        ? v.detail
        : `${v.detail}; re-read shows ${check ? `${check.status} ${check.reason ?? ''}`.trim() : 'the resource gone'}`,
  };
};

export interface EventResult {
  kind: 'resources' | 'ignored' | 'invalid';
  /**
   * Why an event was ignored: FAILED_CALL, UNKNOWN_EVENT, NO_RESOURCE, OUTSIDE_POLICY_REGIONS,
   * OUTSIDE_POLICY_ACCOUNTS.
   */
  reason?: string;
  outcomes: Outcome[];
  /** A CRITICAL alert for tampering with the service itself, and whether it was delivered. */
  tamper?: { alert: Alert; delivered: boolean };
  message?: string;
  error?: ReturnType<SentinelError['toJSON']>;
  /** The Security Hub import of this event's findings failed (retried like an undelivered alert). */
  findingsError?: ReturnType<SentinelError['toJSON']>;
}

/** Publish; once the topic took the alert its outbox entry is done. A refused alert marks the outcome retryable. */
const deliver = async (alert: Alert, outcome: Outcome, deps: PipelineDeps, key?: OnceKey): Promise<Outcome> => {
  try {
    await deps.alerts.publish(alert);
  } catch (e) {
    const err = translateAwsError(e, 'sns:Publish');
    deps.log.error('alert not delivered', {
      code: err.code,
      error: err.message,
      resource: outcome.ref,
      kept: key !== undefined && deps.outbox !== undefined,
    });
    // The action happened but nobody was told: that must not pass silently.
    return { ...outcome, error: { code: err.code, message: `alert not delivered: ${err.message}`, retryable: true } };
  }
  if (key && deps.outbox) {
    // A leftover entry only means a later retry of this event sends the same alert (same id) again; the TTL ends it.
    await deps.outbox
      .delete(key)
      .catch((e: unknown) =>
        deps.log.warn(
          'delivered alert not cleared from the outbox',
          forLog({ resource: outcome.ref, error: (e as Error).message }),
        ),
      );
  }
  return outcome;
};

/**
 * Alert on an outcome when it deserves one. With an outbox, the alert is written down before it is published:
 * a retry of the event (the outcome is retryable when the topic refused it) sends it, where a fresh evaluation
 * of the now-fixed resource would have nothing to say.
 */
export const publishAlert = async (
  outcome: Outcome,
  trigger: TriggerInfo,
  deps: PipelineDeps,
  key?: OnceKey,
): Promise<Outcome> => {
  if (!shouldAlert(outcome)) return outcome;
  const alert = redact(toAlert(outcome, trigger, deps.now()));
  if (key && deps.outbox) {
    // Publishing still goes ahead: an alert that cannot be kept is better sent than held back.
    await deps.outbox
      .put(key, { alert, outcome: redact(outcome) })
      .catch((e: unknown) =>
        deps.log.error('alert not kept in the outbox', forLog({ resource: outcome.ref, error: (e as Error).message })),
      );
  }
  return deliver(alert, outcome, deps, key);
};

/**
 * An alert an earlier attempt of this (event, resource) could not deliver: send it and report that attempt's
 * outcome, without acting again. undefined = nothing kept, go on as usual.
 */
const replayKeptAlert = async (key: OnceKey, deps: PipelineDeps): Promise<Outcome | undefined> => {
  if (!deps.outbox) return undefined;
  let kept: OutboxEntry | undefined;
  try {
    kept = await deps.outbox.get(key);
  } catch (e) {
    const err = e instanceof SentinelError ? e : translateAwsError(e, 'outbox:get');
    // Not knowing whether an alert is owed, acting afresh could lose it: retry the event instead.
    return {
      ref: key.ref,
      status: 'ERROR',
      action: 'NONE',
      result: 'FAILED',
      error: { code: err.code, message: `alert outbox unreadable: ${err.message}`, retryable: true },
    };
  }
  if (!kept) return undefined;
  deps.log.info(
    'replaying an undelivered alert',
    forLog({ resource: key.ref, eventId: key.eventId, alert: kept.alert.id }),
  );
  return deliver(kept.alert, kept.outcome, deps, key);
};

/** Every action goes to the append-only audit log; an unrecorded action is retried like an undelivered alert. */
export const recordAudit = async (outcome: Outcome, trigger: TriggerInfo, deps: PipelineDeps): Promise<Outcome> => {
  if (!deps.audit || !isAuditable(outcome)) return outcome;
  try {
    await deps.audit.append(auditRecord(outcome, trigger, deps.now()));
    return outcome;
  } catch (e) {
    const err = translateAwsError(e, 'audit:append');
    deps.log.error('audit record not written', forLog({ code: err.code, error: err.message, resource: outcome.ref }));
    return {
      ...outcome,
      error: { code: err.code, message: `audit record not written: ${err.message}`, retryable: true },
    };
  }
};

/**
 * One resource through the pipeline, an alert where it deserves one, and an audit
 * record. Used by events and the backfill alike. With an idempotency store, a
 * repeated (event, resource) returns the first outcome and does nothing again; with an
 * outbox, a retry first sends what an earlier attempt could not.
 */
export const handleResource = async (ref: ResourceRef, trigger: TriggerInfo, deps: PipelineDeps): Promise<Outcome> => {
  const key: OnceKey | undefined = trigger.eventId ? { eventId: trigger.eventId, ref } : undefined;
  const act = async (): Promise<Outcome> =>
    (key && (await replayKeptAlert(key, deps))) || publishAlert(await evaluateAndAct(ref, deps), trigger, deps, key);
  const work = async () => recordAudit(await act(), trigger, deps);
  const outcome = await (deps.once && key ? deps.once.run(key, work) : work());
  // Outside the idempotency guard: a retried event re-sends its findings (same Ids, so the same findings).
  await deps.findings
    ?.add(outcome)
    .catch((e: unknown) =>
      deps.log.error('finding not sent', forLog({ resource: outcome.ref, error: (e as Error).message })),
    );
  return outcome;
};

/** Send the pending Security Hub findings; a refusal is logged and returned, never thrown. */
export const flushFindings = async (deps: PipelineDeps): Promise<ReturnType<SentinelError['toJSON']> | undefined> => {
  if (!deps.findings) return undefined;
  try {
    await deps.findings.flush();
    return undefined;
  } catch (e) {
    const err = e instanceof SentinelError ? e : translateAwsError(e, 'securityhub:BatchImportFindings');
    deps.log.error('findings not imported', forLog({ code: err.code, error: err.message }));
    return err.toJSON();
  }
};

const reportTamper = async (event: unknown, deps: PipelineDeps): Promise<EventResult['tamper']> => {
  const finding = detectTamper(event, deps.policy, deps.now());
  if (!finding) return undefined;
  const alert = redact(tamperAlert(finding, deps.now()));
  try {
    await deps.alerts.publish(alert);
    return { alert, delivered: true };
  } catch {
    return { alert, delivered: false };
  }
};

/**
 * An event nobody can read: one log line (with whether the alert went out) and one MEDIUM alert, no retry:
 * garbage does not get better. Returns whether the alert was delivered.
 */
export const reportInvalidEvent = async (
  error: SentinelError,
  event: unknown,
  deps: PipelineDeps,
  what = 'invalid event',
): Promise<boolean> => {
  const alerted = await deps.alerts.publish(redact(invalidEventAlert(error, event, deps.now()))).then(
    () => true,
    () => false,
  );
  deps.log.error(what, forLog({ code: error.code, error: error.message, ...error.details, alerted }));
  return alerted;
};

/** One EventBridge event through the whole pipeline; one structured log line per outcome. */
export const processEvent = async (event: unknown, deps: PipelineDeps): Promise<EventResult> => {
  const n = normalise(event, deps.rules ?? RULES);
  if (n.kind === 'invalid') {
    await reportInvalidEvent(n.error, event, deps);
    return { kind: 'invalid', outcomes: [], message: n.error.message, error: n.error.toJSON() };
  }
  // Tampering rides on the one log line of the event (and its own CRITICAL alert).
  const tamper = await reportTamper(event, deps);
  const tamperLine = tamper
    ? { tamper: { reason: tamper.alert.reason, target: tamper.alert.resource, delivered: tamper.delivered } }
    : {};
  // The service's own changes come back as events; they evaluate compliant and stop. Marked, never relied on.
  const own = n.trigger && isServiceActor(n.trigger.actor, deps.policy) ? { ownChange: true } : {};
  // An event from a region the policy does not cover has no CMK to judge it by (it would fail KEY_NOT_FOUND).
  const covered = n.kind === 'resources' ? deps.policy.regions(homeRegion()) : [];
  const outside =
    n.kind === 'resources' && n.refs.every((r) => !covered.includes(r.region))
      ? {
          reason: 'OUTSIDE_POLICY_REGIONS' as const,
          message: `${n.trigger.eventName} in ${n.refs[0]?.region}: not one of the policy's regions (${covered.join(', ')})`,
          trigger: n.trigger,
        }
      : undefined;
  // An event of an account the policy does not cover is not acted on (one alert says so: accountCoverage).
  const scoped = n.kind === 'resources' && !outside ? await accountCoverage(n.refs, n.trigger, deps) : undefined;
  if (scoped?.failed) return { kind: 'resources', outcomes: scoped.failed, ...(tamper ? { tamper } : {}) };
  const ignored = n.kind === 'ignored' ? n : (outside ?? scoped?.ignored);
  if (ignored) {
    // Powertools reserves "message" (it would drop the reason with a warning): the reason goes in "why".
    const line = forLog({
      reason: ignored.reason,
      why: ignored.message,
      eventName: ignored.trigger?.eventName,
      eventId: ignored.trigger?.eventId,
      ...own,
      ...tamperLine,
    });
    if (tamper)
      deps.log.error(
        'tamper detected',
        forLog({ ...line, actor: ignored.trigger?.actor, detail: tamper.alert.detail }),
      );
    else deps.log.info('event ignored', line);
    // Next to a CRITICAL tamper alert, "not an event cmk-sentinel handles" would mislead: say what happened.
    const message = tamper
      ? `Tampering with cmk-sentinel detected (${tamper.alert.reason}): ${tamper.alert.detail ?? ''}; CRITICAL alert ${tamper.delivered ? 'sent' : 'NOT delivered'}. No resource to evaluate.`
      : ignored.message;
    return { kind: 'ignored', reason: ignored.reason, outcomes: [], message, ...(tamper ? { tamper } : {}) };
  }
  if (n.kind !== 'resources') throw new Error('unreachable');
  const outcomes = await Promise.all((scoped?.refs ?? n.refs).map((ref) => handleResource(ref, n.trigger, deps)));
  const findingsError = await flushFindings(deps);
  for (const o of outcomes) {
    const line = forLog({
      resource: o.ref,
      status: o.status,
      reason: o.reason,
      action: o.action,
      result: o.result,
      eventName: n.trigger.eventName,
      eventId: n.trigger.eventId,
      error: o.error,
      ...(o.duplicate ? { duplicate: true } : {}),
      ...own,
      ...tamperLine,
    });
    if (o.status === 'ERROR' || o.error || tamper) deps.log.error(tamper ? 'tamper detected' : 'resource failed', line);
    else deps.log.info('resource evaluated', line);
  }
  return { kind: 'resources', outcomes, ...(tamper ? { tamper } : {}), ...(findingsError ? { findingsError } : {}) };
};

/** A run worth retrying: something failed for a reason that may pass (throttling, outage, undelivered alert). */
export const hasRetryableFailure = (r: EventResult): boolean =>
  r.outcomes.some((o) => o.error?.retryable === true) ||
  r.tamper?.delivered === false ||
  r.findingsError?.retryable === true;
