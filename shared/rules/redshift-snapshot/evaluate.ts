import { keyIssueSentence, keyMismatch, keyReason } from '../../kms/compare';
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

export const NO_REKEY = 'Redshift has no API that re-encrypts or re-keys an existing snapshot';

/** Pure. A snapshot must be encrypted with the regional CMK; it cannot be fixed, only reported and closed off. */
export const evaluateRedshiftSnapshot = (s: RedshiftSnapshotState, ctx: EvaluationContext): Finding => {
  const expectedKey = ctx.cmk.arn;
  const observedKey = s.encrypted ? (s.observedKey?.info?.arn ?? s.keyRef) : undefined;
  const shared = s.sharedWith.length ? `; restorable by ${s.sharedWith.join(', ')}` : '';
  const nonCompliant = (reason: string, detail: string): Finding => ({
    status: 'NON_COMPLIANT',
    reason,
    detail: `Redshift ${s.automated ? 'automated' : 'manual'} snapshot ${s.id} of ${s.clusterId} ${detail}${shared}`,
    observedKey,
    expectedKey,
  });
  if (!s.encrypted) return nonCompliant('UNENCRYPTED', keyIssueSentence('UNENCRYPTED', 'aws/redshift'));
  if (!s.keyRef)
    return nonCompliant('KEY_NOT_REPORTED', 'is encrypted but no KMS key id is reported for it or its cluster');
  const m = keyMismatch(s.observedKey, ctx.cmk, ctx.region);
  if (!m) return { status: 'COMPLIANT', observedKey, expectedKey };
  const reason = keyReason(m);
  return nonCompliant(reason, keyIssueSentence(reason, 'aws/redshift'));
};

/** Pure: no snapshot can be re-keyed; automated ones cannot even be shared or unshared. */
export const redshiftSnapshotLimits = (s: RedshiftSnapshotState): ActionLimits => ({
  remediate: `${NO_REKEY}: re-encrypt the cluster and take a new snapshot`,
  ...(s.automated
    ? { quarantine: `automated snapshot ${s.id}: AWS allows no sharing change; it expires with its retention period` }
    : {}),
});
