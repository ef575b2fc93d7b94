import { createHash } from 'node:crypto';
import { type Alert, ALERT_SCHEMA } from '../alerts/alert';
import type { Policy } from '../policy/policy';
import { daysLeft, type Waiver, waiversDue } from './waiver';

/** How far ahead the daily check warns of a waiver running out. */
export const EXPIRY_WARNING_DAYS = 14;

const day = (now: Date) => now.toISOString().slice(0, 10);

/**
 * One alert per waiver expiring within 14 days (MEDIUM) or expired (HIGH): what the daily scheduled check sends.
 * The id is per waiver and day, so a retried run the same day sends the same ids and subscribers drop repeats.
 */
export const waiverAlerts = (policy: Policy, now: Date, account: string, region: string): Alert[] => {
  const { expiring, expired } = waiversDue(policy.waivers, now, EXPIRY_WARNING_DAYS);
  const alert = (w: Waiver, reason: 'WAIVER_EXPIRING' | 'WAIVER_EXPIRED'): Alert => {
    const left = daysLeft(w, now);
    return {
      schema: ALERT_SCHEMA,
      id: createHash('sha256')
        .update(['waiver', w.id, reason, day(now)].join('|'))
        .digest('hex')
        .slice(0, 32),
      time: now.toISOString(),
      severity: reason === 'WAIVER_EXPIRED' ? 'HIGH' : 'MEDIUM',
      resource: { type: 'waiver', id: w.id, account, region },
      status: 'NON_COMPLIANT',
      reason,
      detail:
        reason === 'WAIVER_EXPIRED'
          ? `Waiver ${w.id} (owner ${w.owner}, approval ${w.approval}) expired on ${w.expires}: the resources it covered (${w.resources.join(', ')}) are handled as non-compliant again; renew it with a new approval or remove it`
          : `Waiver ${w.id} (owner ${w.owner}, approval ${w.approval}) expires on ${w.expires}, in ${left} day(s): renew it with a new approval, or fix ${w.resources.join(', ')}`,
      action: { taken: 'NONE', result: 'NOT_ATTEMPTED', detail: `Checks ${w.checks.join(', ')}; reason: ${w.reason}` },
      trigger: { eventName: 'WaiverCheck', source: 'cmk-sentinel.waivers' },
      waiver: {
        status: reason === 'WAIVER_EXPIRED' ? 'EXPIRED' : 'WAIVED',
        id: w.id,
        owner: w.owner,
        approval: w.approval,
        expires: w.expires,
        daysLeft: left,
        detail: w.reason,
      },
    };
  };
  return [...expiring.map((w) => alert(w, 'WAIVER_EXPIRING')), ...expired.map((w) => alert(w, 'WAIVER_EXPIRED'))];
};

/** The report's waiver table: every waiver with its days left (negative: expired that many days ago). */
export const waiverRows = (policy: Policy, now: Date) =>
  policy.waivers.map((w) => ({
    id: w.id,
    owner: w.owner,
    approval: w.approval,
    expires: w.expires,
    daysLeft: daysLeft(w, now),
    status: daysLeft(w, now) > 0 ? (daysLeft(w, now) <= EXPIRY_WARNING_DAYS ? 'EXPIRING' : 'ACTIVE') : 'EXPIRED',
    resources: w.resources,
    checks: w.checks,
  }));
