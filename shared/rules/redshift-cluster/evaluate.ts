import { keyIssueSentence, keyMismatch } from '../../kms/compare';
import type { ObservedKey } from '../../kms/key-resolver';
import type { EvaluationContext, Finding } from '../contract';
import type { CopySettings } from '../redshift-snapshot-copy/copy-api';

export interface RedshiftClusterState {
  id: string;
  arn: string;
  region: string;
  status: string;
  /** From the Encrypted flag: that is what says whether data is encrypted. */
  encrypted: boolean;
  /** KmsKeyId exactly as the API returns it; absent when the API reports none. */
  keyRef?: string;
  observedKey?: ObservedKey;
  /** An encryption change AWS has accepted and is still applying (PendingModifiedValues.EncryptionType). */
  encryptionPending: boolean;
  publiclyAccessible: boolean;
  /** Cross-region snapshot copy (its destination needs a grant for the new key). */
  snapshotCopy?: CopySettings & { grantName?: string };
  /** Copy the service turned off to re-key the cluster (AWS refuses the change while it is on), from its tag. */
  suspendedCopy?: CopySettings;
  tags: Record<string, string>;
}

/** Tag that remembers a snapshot copy suspended for the re-key: `<region>:<retention days>:<manual retention days>`. */
export const SUSPENDED_COPY_TAG = 'cmk-sentinel:suspended-snapshot-copy';

export const suspendedCopyTag = (c: CopySettings): string => `${c.destRegion}:${c.retentionPeriod ?? ''}:${c.manualRetentionPeriod ?? ''}`;

/** Pure: the copy settings a tag value records; undefined for a value the service did not write. */
export const parseSuspendedCopy = (value: string | undefined): CopySettings | undefined => {
  const m = /^([a-z]{2}(?:-[a-z]+)+-\d):(-?\d*):(-?\d*)$/.exec(value ?? '');
  if (!m) return undefined;
  const num = (v: string | undefined): number | undefined => (v ? Number(v) : undefined);
  return { destRegion: m[1] as string, retentionPeriod: num(m[2]), manualRetentionPeriod: num(m[3]) };
};


/**
 * Pure. `Encrypted` decides whether the cluster is encrypted; the key is only what the API
 * reports. An encrypted cluster for which the API reports no key is KEY_NOT_REPORTED: nothing
 * proves it is the CMK (the emulator's ModifyCluster flips `Encrypted` and leaves KmsKeyId empty).
 */
export const evaluateRedshiftCluster = (s: RedshiftClusterState, ctx: EvaluationContext): Finding => {
  const expectedKey = ctx.cmk.arn;
  const observedKey = s.encrypted ? s.observedKey?.info?.arn ?? s.keyRef : undefined;
  const nonCompliant = (reason: string, detail: string): Finding => ({ status: 'NON_COMPLIANT', reason, detail: `Redshift cluster ${s.id} ${detail}`, observedKey, expectedKey });
  const finding = ((): Finding => {
    if (!s.encrypted) return nonCompliant('UNENCRYPTED', keyIssueSentence('UNENCRYPTED', 'aws/redshift'));
    if (!s.keyRef) return nonCompliant('KEY_NOT_REPORTED', 'is encrypted but the API reports no KMS key id: the key cannot be shown to be the regional CMK');
    const m = keyMismatch(s.observedKey, ctx.cmk, ctx.region);
    if (!m && s.suspendedCopy && !s.snapshotCopy) {
      return nonCompliant('SNAPSHOT_COPY_SUSPENDED', `is encrypted with the regional CMK; its cross-region snapshot copy to ${s.suspendedCopy.destRegion}, turned off for the re-key, is still off`);
    }
    if (!m) return { status: 'COMPLIANT', observedKey, expectedKey };
    const reason = m === 'NO_KEY' ? 'AWS_MANAGED_KEY' : m;
    return nonCompliant(reason, keyIssueSentence(reason, 'aws/redshift'));
  })();
  // A change AWS is still applying is not a new drift: report it as in progress.
  if (finding.status === 'NON_COMPLIANT' && (s.encryptionPending || s.status === 'modifying' || s.status === 'rotating-keys')) {
    return nonCompliant('ENCRYPTION_IN_PROGRESS', `is being modified (status ${s.status}); an encryption change is being applied and the cluster is read-only meanwhile`);
  }
  return finding;
};

/** Pure: a suspended copy only needs turning back on; there is nothing to quarantine. */
export const redshiftClusterLimits = (_s: RedshiftClusterState, f: Finding): { quarantine?: string } =>
  (f.reason === 'SNAPSHOT_COPY_SUSPENDED' ? { quarantine: 'the data is already under the regional CMK: only the suspended snapshot copy needs turning back on' } : {});
