import { explainMismatch, keyMismatch, type KeyMismatch } from '../../kms/compare';
import type { KeyInfo, ObservedKey } from '../../kms/key-resolver';
import type { EvaluationContext, Finding } from '../contract';

/** A cluster's cross-region snapshot copy and the grant it names in the destination region. */
export interface ClusterCopy {
  cluster: string;
  region: string;
  encrypted: boolean;
  destRegion: string;
  retentionPeriod?: number;
  manualRetentionPeriod?: number;
  grantName?: string;
  /** 'MISSING' when the named grant does not exist in the destination region. */
  grant?: { keyRef?: string; observedKey?: ObservedKey } | 'MISSING';
  /** The destination region's CMK. */
  expectedKey: KeyInfo;
}

export interface RedshiftSnapshotCopyState {
  /** `cluster`: one cluster in this region; `grant`: the clusters of other regions copying here with this grant. */
  mode: 'cluster' | 'grant';
  id: string;
  region: string;
  copies: ClusterCopy[];
  note?: string;
}

export interface CopyProblem {
  copy: ClusterCopy;
  reason: string;
  detail: string;
}

const MISMATCH_REASON: Record<KeyMismatch, string> = {
  NO_KEY: 'AWS_MANAGED_KEY',
  AWS_MANAGED_KEY: 'AWS_MANAGED_KEY',
  UNKNOWN_KEY: 'UNKNOWN_KEY',
  WRONG_REGION_KEY: 'WRONG_REGION_KEY',
  WRONG_KEY: 'WRONG_KEY',
};

/** Pure: what is wrong with one copy configuration, if anything. */
export const copyProblem = (c: ClusterCopy): CopyProblem | undefined => {
  const where = `Cluster ${c.cluster} (${c.region}) copies snapshots to ${c.destRegion}`;
  if (!c.grantName)
    return {
      copy: c,
      reason: 'NO_COPY_GRANT',
      detail: `${where} without a snapshot copy grant, so encrypted snapshots cannot be copied under ${c.destRegion}'s CMK`,
    };
  if (c.grant === 'MISSING' || !c.grant)
    return {
      copy: c,
      reason: 'COPY_GRANT_MISSING',
      detail: `${where} with grant ${c.grantName}, which does not exist in ${c.destRegion}`,
    };
  const m = keyMismatch(c.grant.observedKey, c.expectedKey, c.destRegion);
  if (!m) return undefined;
  return {
    copy: c,
    reason: MISMATCH_REASON[m],
    detail: `${where} with grant ${c.grantName}, which ${explainMismatch(m, c.grant.observedKey, c.expectedKey, c.destRegion)}`,
  };
};

/** Pure: every encrypted cluster's copy grant in region R must exist and use R's CMK. */
export const evaluateRedshiftSnapshotCopy = (s: RedshiftSnapshotCopyState, _ctx: EvaluationContext): Finding => {
  const judged = s.copies.filter((c) => c.encrypted);
  if (judged.length === 0) {
    return {
      status: 'NOT_APPLICABLE',
      reason: 'NO_ENCRYPTED_SNAPSHOT_COPY',
      detail: s.note ?? `${s.id}: no encrypted cluster copies snapshots across regions`,
    };
  }
  const problems = judged.map(copyProblem).filter((p): p is CopyProblem => !!p);
  const first = problems[0];
  const observed = (c: ClusterCopy) =>
    c.grant && c.grant !== 'MISSING' ? (c.grant.observedKey?.info?.arn ?? c.grant.keyRef) : undefined;
  if (!first)
    return {
      status: 'COMPLIANT',
      observedKey: observed(judged[0] as ClusterCopy),
      expectedKey: judged[0]?.expectedKey.arn,
    };
  return {
    status: 'NON_COMPLIANT',
    reason: first.reason,
    detail: problems.map((p) => p.detail).join(' | '),
    observedKey: observed(first.copy),
    expectedKey: first.copy.expectedKey.arn,
  };
};

/** The grant the service creates for a CMK: one per destination key, the same name on every run. */
export const grantNameFor = (cmk: KeyInfo): string =>
  `cmk-sentinel-${cmk.keyId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63);
