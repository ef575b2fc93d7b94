import type { ActionOutcome, ActionTaken, Outcome } from '../alerts/alert';
import { describeData } from '../rules/data-outcome';
import type { Plan } from '../rules/plan';

/** One unit of a sweep: every resource of one type in one account-region. */
export interface Unit {
  account: string;
  region: string;
  type: string;
}

export const unitKey = (u: Unit): string => `${u.account}/${u.region}/${u.type}`;

export const parseUnitKey = (k: string): Unit => {
  const [account = '', region = '', type = ''] = k.split('/');
  return { account, region, type };
};

/** What a report needs of one resource's outcome; flat so it stores as one row. */
export interface ResultRow {
  unit: string;
  id: string;
  arn?: string;
  status: Outcome['status'];
  reason?: string;
  observedKey?: string;
  expectedKey?: string;
  action: ActionTaken;
  result: ActionOutcome;
  detail?: string;
  errorCode?: string;
  /** Existing data (S3 objects) the remediation re-keyed, skipped and failed, in one line. */
  data?: string;
  at: string;
  /** A waiver that concerned the finding: status, id, expiry and days left (shared/waivers/). */
  waiver?: { status: string; id?: string; expires?: string; daysLeft?: number };
  /** A dry run's plan for the resource: the calls the action would send, gates, downtime, cost. */
  plan?: Plan;
}

/**
 * A result worth another try when the sweep is resumed: the resource failed for a reason that
 * passes (throttling past the retries, AWS or the network down), not for one that stays (denied, gone).
 */
export const retryOnResume = (row: Pick<ResultRow, 'status' | 'errorCode'>): boolean =>
  row.status === 'ERROR' && (row.errorCode === 'THROTTLED' || row.errorCode === 'AWS_UNAVAILABLE');

export const rowOf = (o: Outcome, at: Date): ResultRow => ({
  unit: unitKey(o.ref),
  id: o.ref.id,
  arn: o.arn,
  status: o.status,
  reason: o.reason ?? o.error?.code,
  observedKey: o.observedKey,
  expectedKey: o.expectedKey,
  action: o.action,
  result: o.result,
  detail: o.error?.message ?? o.actionDetail ?? o.detail,
  errorCode: o.error?.code,
  data: o.data ? describeData(o.data) : undefined,
  at: at.toISOString(),
  ...(o.plan ? { plan: o.plan } : {}),
  ...(o.waiver
    ? { waiver: { status: o.waiver.status, id: o.waiver.id, expires: o.waiver.expires, daysLeft: o.waiver.daysLeft } }
    : {}),
});

export interface SweepMeta {
  sweepId: string;
  startedAt: string;
  dryRun: boolean;
  /** --mode given for the sweep (else each type's mode in the policy). */
  mode?: string;
  /** The policy file the sweep ran under, and its default mode. */
  policy?: string;
  policyMode?: string;
  units: string[];
  finishedAt?: string;
}

export interface UnitState {
  /** Resources with a recorded result in this unit. */
  seen: number;
  done: boolean;
  /** Listing the unit failed (AccessDenied, region disabled...): recorded, the sweep goes on. */
  error?: string;
}

/**
 * Where a sweep keeps its progress, so a killed run re-invoked with the same id
 * continues. One port, two adapters: a local file and a DynamoDB table.
 */
export interface SweepStore {
  getMeta(sweepId: string): Promise<SweepMeta | undefined>;
  putMeta(meta: SweepMeta): Promise<void>;
  getUnit(sweepId: string, unit: string): Promise<UnitState | undefined>;
  putUnit(sweepId: string, unit: string, state: UnitState): Promise<void>;
  /** Ids of the unit that already have a result: read once when a unit resumes. */
  doneIds(sweepId: string, unit: string): Promise<Set<string>>;
  putResult(sweepId: string, row: ResultRow): Promise<void>;
  /** Every result, streamed. */
  results(sweepId: string): AsyncIterable<ResultRow>;
  /**
   * Count a unit finished; resolves to how many units are still open, or undefined
   * when this unit was already counted (so exactly one caller sees 0 and finishes the sweep).
   */
  finishUnit(sweepId: string, unit: string): Promise<number | undefined>;
}
