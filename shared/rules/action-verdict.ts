import type { ActionResult, DataOutcome } from './contract';

/**
 * What an action came to, as one tagged union: the pipeline switches on `kind` instead of reading `ActionResult`'s
 * optional flags (changed, verified, pending, replacement, taken) in a fixed order. "Cannot" has one form here
 * (`CANNOT`), whether a rule's `limits` said so before acting or the rule found out while acting (`taken: 'REPORT'`);
 * a failure stays a thrown SentinelError (an error, never a "cannot").
 *
 * Rules still return `ActionResult`; `verdictOf` is the one place that reads its flags. Migrating a rule means
 * returning the verdict itself (then `verdictOf` is the identity for it) — see the design note in the issue.
 */
export type ActionVerdict =
  /** Written (or nothing to write: `changed` false); a quarantine says whether its own re-read verified it. */
  | { kind: 'DONE'; changed: boolean; detail: string; verified?: boolean; verifiedState?: unknown; data?: DataOutcome }
  /** Handed over or still running in AWS (a workflow, an UPDATING stream, a Batch job): verified later. */
  | { kind: 'PENDING'; changed: boolean; detail: string; data?: DataOutcome }
  /** The compliant data now lives in another resource of the same type (an EMR copy, a re-keyed snapshot copy). */
  | { kind: 'REPLACED'; changed: boolean; replacement: string; detail: string; data?: DataOutcome }
  /** Remediation was asked for; the rule quarantined instead (a cluster that may not be terminated). */
  | { kind: 'TAKEN_INSTEAD'; action: 'QUARANTINE'; changed: boolean; verified: boolean; detail: string }
  /** Nothing AWS allows (or the service may do) here: reported. */
  | { kind: 'CANNOT'; detail: string };

export type VerdictKind = ActionVerdict['kind'];

/** The one reading of an ActionResult's flags, in the order the pipeline has always honoured them. */
export const verdictOf = (r: ActionResult): ActionVerdict => {
  const data = r.data ? { data: r.data } : {};
  if (r.taken === 'REPORT') return { kind: 'CANNOT', detail: r.detail };
  if (r.taken === 'QUARANTINE')
    return {
      kind: 'TAKEN_INSTEAD',
      action: 'QUARANTINE',
      changed: r.changed,
      verified: r.verified === true,
      detail: r.detail,
    };
  if (r.pending) return { kind: 'PENDING', changed: r.changed, detail: r.detail, ...data };
  if (r.replacement)
    return { kind: 'REPLACED', changed: r.changed, replacement: r.replacement, detail: r.detail, ...data };
  return {
    kind: 'DONE',
    changed: r.changed,
    detail: r.detail,
    ...(r.verified !== undefined ? { verified: r.verified } : {}),
    ...(r.verifiedState !== undefined ? { verifiedState: r.verifiedState } : {}),
    ...data,
  };
};
