import { keyIssueSentence, keyMismatch } from '../../kms/compare';
import type { ObservedKey } from '../../kms/key-resolver';
import type { EvaluationContext, Finding } from '../contract';

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
  snapshotCopy?: { destinationRegion?: string; grantName?: string };
  tags: Record<string, string>;
}


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
