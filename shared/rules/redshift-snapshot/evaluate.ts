import { keyMismatch } from '../../kms/compare';
import type { ObservedKey } from '../../kms/key-resolver';
import type { ActionLimits, EvaluationContext, Finding } from '../contract';

export interface RedshiftSnapshotState {
  id: string;
  clusterId: string;
  arn: string;
  region: string;
  automated: boolean;
  status: string;
  encrypted: boolean;
  keyRef?: string;
  /** Where the key came from: the snapshot's own KmsKeyId, or (emulator: none reported) its cluster's. */
  keySource?: 'snapshot' | 'cluster';
  observedKey?: ObservedKey;
  /** Accounts allowed to restore it (AccountsWithRestoreAccess). */
  sharedWith: string[];
  tags: Record<string, string>;
}

const DETAIL: Record<string, string> = {
  UNENCRYPTED: 'is not encrypted',
  AWS_MANAGED_KEY: 'is encrypted with the AWS-managed aws/redshift key',
  UNKNOWN_KEY: 'names a KMS key that does not exist or cannot be read',
  WRONG_REGION_KEY: 'is encrypted with a KMS key of another region',
  WRONG_KEY: 'is encrypted with a KMS key that is not the regional CMK',
};

export const NO_REKEY = 'Redshift has no API that re-encrypts or re-keys an existing snapshot';

/** Pure. A snapshot must be encrypted with the regional CMK; it cannot be fixed, only reported and closed off. */
export const evaluateRedshiftSnapshot = (s: RedshiftSnapshotState, ctx: EvaluationContext): Finding => {
  const expectedKey = ctx.cmk.arn;
  const observedKey = s.encrypted ? s.observedKey?.info?.arn ?? s.keyRef : undefined;
  const shared = s.sharedWith.length ? `; restorable by ${s.sharedWith.join(', ')}` : '';
  const nonCompliant = (reason: string, detail: string): Finding => ({
    status: 'NON_COMPLIANT', reason, detail: `Redshift ${s.automated ? 'automated' : 'manual'} snapshot ${s.id} of ${s.clusterId} ${detail}${shared}`, observedKey, expectedKey,
  });
  if (!s.encrypted) return nonCompliant('UNENCRYPTED', DETAIL.UNENCRYPTED as string);
  if (!s.keyRef) return nonCompliant('KEY_NOT_REPORTED', 'is encrypted but no KMS key id is reported for it or its cluster');
  const m = keyMismatch(s.observedKey, ctx.cmk, ctx.region);
  if (!m) return { status: 'COMPLIANT', observedKey, expectedKey };
  const reason = m === 'NO_KEY' ? 'AWS_MANAGED_KEY' : m;
  return nonCompliant(reason, DETAIL[reason] ?? reason);
};

/** Pure: no snapshot can be re-keyed; automated ones cannot even be shared or unshared. */
export const redshiftSnapshotLimits = (s: RedshiftSnapshotState): ActionLimits => ({
  remediate: `${NO_REKEY}: re-encrypt the cluster and take a new snapshot`,
  ...(s.automated ? { quarantine: `automated snapshot ${s.id}: AWS allows no sharing change; it expires with its retention period` } : {}),
});
