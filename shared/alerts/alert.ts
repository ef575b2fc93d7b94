import { createHash } from 'node:crypto';
import type { Plan } from '../rules/plan';
import type { TriggerInfo } from '../events/normalise';
import { type Controls, controlsOf } from '../compliance/mapping';
import type { WaiverVerdict } from '../waivers/waiver';
import type { ComplianceStatus, DataOutcome, ResourceRef, Severity } from '../rules/contract';

/** What the service did about a finding. */
export type ActionTaken = 'NONE' | 'REMEDIATE' | 'QUARANTINE' | 'REPORT' | 'SKIP_EXEMPT' | 'INVALID_EVENT';
/**
 * How that went. INCOMPLETE: the resource's configuration is verified, but data stored under it (S3
 * objects) is not all re-keyed: some failed or were skipped; the resource stays non-compliant and is retried.
 */
export type ActionOutcome =
  'VERIFIED' | 'PENDING' | 'INCOMPLETE' | 'UNCHANGED' | 'NOT_ATTEMPTED' | 'VERIFICATION_FAILED' | 'FAILED';

/** The result of running one resource through the pipeline: the input of every alert and report line. */
export interface Outcome {
  ref: ResourceRef;
  arn?: string;
  status: ComplianceStatus | 'ERROR';
  reason?: string;
  detail?: string;
  observedKey?: string;
  expectedKey?: string;
  action: ActionTaken;
  result: ActionOutcome;
  actionDetail?: string;
  error?: { code: string; message: string; retryable: boolean; missingPermission?: string };
  severity?: Severity;
  /** The resource's state before and after the action (kept only when an audit log is configured). */
  before?: unknown;
  after?: unknown;
  /** A repeated delivery answered from the idempotency store: nothing was done again. */
  duplicate?: boolean;
  /** A waiver (or an exemption tag) that concerned this finding: WAIVED, EXPIRED or UNAPPROVED_EXEMPTION. */
  waiver?: WaiverVerdict;
  /** Existing data the remediation handled (S3 objects): re-keyed, skipped by reason, failed. */
  data?: DataOutcome;
  /** A dry run's plan: the calls the action would send, their gates, downtime and cost (shared/rules/plan.ts). */
  plan?: Plan;
}

export const ALERT_SCHEMA = 'cmk-sentinel.alert/v1';

/** The one alert format, for every resource type. Stable: subscribers parse it. */
export interface Alert {
  schema: typeof ALERT_SCHEMA;
  id: string;
  time: string;
  severity: Severity;
  resource: { type: string; id: string; arn?: string; account: string; region: string };
  status: Outcome['status'];
  reason?: string;
  detail?: string;
  observedKey?: string;
  expectedKey?: string;
  action: { taken: ActionTaken; result: ActionOutcome; detail?: string };
  trigger: { eventId?: string; eventName: string; source: string; actor?: string };
  error?: Outcome['error'];
  /** The controls the failed check serves (shared/compliance/controls.json); absent when the reason maps to none. */
  compliance?: Controls;
  waiver?: WaiverVerdict;
}

export const severityOf = (o: Outcome): Severity => {
  if (o.severity) return o.severity;
  // Without the regional CMK nothing in the region can be judged or fixed (its alias deleted or repointed away).
  if (o.error?.code === 'KEY_NOT_FOUND') return 'CRITICAL';
  if (o.status === 'ERROR' || o.result === 'FAILED' || o.result === 'VERIFICATION_FAILED' || o.result === 'INCOMPLETE')
    return 'HIGH';
  if (o.action === 'QUARANTINE' || o.action === 'REPORT') return 'HIGH';
  if (o.action === 'SKIP_EXEMPT' || o.waiver?.status === 'EXPIRED' || o.waiver?.status === 'UNAPPROVED_EXEMPTION')
    return 'MEDIUM';
  if (o.action === 'REMEDIATE') return 'LOW';
  return 'INFO';
};

/** Compliant resources and no-op repeats are not worth anyone's attention. */
export const shouldAlert = (o: Outcome): boolean =>
  o.status === 'ERROR' || (o.status === 'NON_COMPLIANT' && o.result !== 'UNCHANGED');

export const toAlert = (o: Outcome, trigger: TriggerInfo, now: Date): Alert => ({
  schema: ALERT_SCHEMA,
  // Deterministic: a duplicate delivery of the same event yields the same id, so subscribers can dedupe.
  id: createHash('sha256')
    .update(
      [
        trigger.eventId ?? trigger.eventName,
        o.ref.type,
        o.ref.account,
        o.ref.region,
        o.ref.id,
        o.action,
        o.result,
      ].join('|'),
    )
    .digest('hex')
    .slice(0, 32),
  time: now.toISOString(),
  severity: severityOf(o),
  resource: { type: o.ref.type, id: o.ref.id, arn: o.arn, account: o.ref.account, region: o.ref.region },
  status: o.status,
  reason: o.reason ?? o.error?.code,
  detail: o.detail ?? o.error?.message,
  observedKey: o.observedKey,
  expectedKey: o.expectedKey,
  action: { taken: o.action, result: o.result, detail: o.actionDetail },
  trigger: { eventId: trigger.eventId, eventName: trigger.eventName, source: trigger.source, actor: trigger.actor },
  error: o.error,
  ...compliance(o),
  ...(o.waiver ? { waiver: o.waiver } : {}),
});

const compliance = (o: Outcome): { compliance?: Controls } => {
  const c = controlsOf(o.ref.type, o.reason);
  return c.checks.length ? { compliance: c } : {};
};

const ACTION_WORDS: Record<ActionTaken, string> = {
  NONE: 'no action',
  REMEDIATE: 'remediated',
  QUARANTINE: 'quarantined',
  REPORT: 'reported',
  SKIP_EXEMPT: 'exempt, not touched',
  INVALID_EVENT: 'event rejected',
};

/** SNS subjects: ASCII, no newlines, at most 100 characters. */
export const subjectOf = (a: Alert): string => {
  const result =
    a.action.result === 'VERIFIED' || a.action.result === 'NOT_ATTEMPTED'
      ? ''
      : ` (${a.action.result.toLowerCase().replace(/_/g, ' ')})`;
  const text = `[cmk-sentinel] ${a.severity} ${a.resource.type} ${a.resource.id} ${a.resource.region}: ${a.reason ?? a.status} - ${ACTION_WORDS[a.action.taken]}${result}`;
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length > 100 ? `${ascii.slice(0, 97)}...` : ascii;
};

/**
 * An event the rules' EventBridge patterns let through but that cannot be read: something upstream changed
 * shape (or someone is feeding the function by hand). One MEDIUM alert; the event itself is not retried.
 */
export const invalidEventAlert = (
  error: { code: string; message: string; field?: unknown; details?: Record<string, unknown> },
  event: unknown,
  now: Date,
): Alert => {
  const env = (typeof event === 'object' && event !== null && !Array.isArray(event) ? event : {}) as Record<
    string,
    unknown
  >;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v.slice(0, 200) : undefined);
  const eventId = str(env.id);
  // A SentinelError carries the field in details (toJSON flattens it): read either.
  const field = error.details?.field ?? error.field;
  return {
    schema: ALERT_SCHEMA,
    id: createHash('sha256')
      .update(['invalid', eventId ?? '', error.message].join('|'))
      .digest('hex')
      .slice(0, 32),
    time: now.toISOString(),
    severity: 'MEDIUM',
    resource: {
      type: 'event',
      id: eventId ?? 'unknown',
      account: str(env.account) ?? '',
      region: str(env.region) ?? '',
    },
    status: 'ERROR',
    reason: error.code,
    detail: error.message.slice(0, 500),
    action: {
      taken: 'INVALID_EVENT',
      result: 'NOT_ATTEMPTED',
      detail: `Not processed; field ${String(field ?? 'unknown')}`,
    },
    trigger: { eventId, eventName: str(env['detail-type']) ?? 'unknown', source: str(env.source) ?? 'unknown' },
    error: { code: error.code, message: error.message.slice(0, 500), retryable: false },
  };
};

/**
 * An event of an account the policy does not cover (neither the service's own, nor `accounts.ids`, nor an ACTIVE
 * account of the organization's listed part): not acted on, one MEDIUM alert saying why. It reached the service, so
 * a forwarding rule or the bus policy lets in more than the policy covers.
 */
export const uncoveredAccountAlert = (
  account: string,
  region: string,
  why: string,
  trigger: TriggerInfo,
  now: Date,
): Alert => ({
  schema: ALERT_SCHEMA,
  id: createHash('sha256')
    .update(['uncovered', trigger.eventId ?? '', account].join('|'))
    .digest('hex')
    .slice(0, 32),
  time: now.toISOString(),
  severity: 'MEDIUM',
  resource: { type: 'account', id: account, account, region },
  status: 'NOT_APPLICABLE',
  reason: 'OUTSIDE_POLICY_ACCOUNTS',
  detail: `${trigger.eventName} ignored: ${why}`.slice(0, 500),
  action: {
    taken: 'NONE',
    result: 'NOT_ATTEMPTED',
    detail: 'Not processed: add the account to accounts.ids (or the organization part the policy lists) to cover it',
  },
  trigger: {
    eventId: trigger.eventId,
    eventName: trigger.eventName,
    source: trigger.source,
    ...(trigger.actor ? { actor: trigger.actor } : {}),
  },
});
