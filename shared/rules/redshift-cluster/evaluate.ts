import { keyIssueSentence, keyMismatch, keyReason } from '../../kms/compare';
import type { ObservedForeignKey } from '../../kms/owned-key';
import type { EvaluationContext, Finding } from '../contract';
import type { CopySettings } from '../../aws/redshift-snapshot-copy';
import { type Grant, REQUIRED_KEY_ACTIONS, roleKeyAccess } from '../../kms/key-access';

export interface RedshiftClusterState {
  id: string;
  arn: string;
  region: string;
  status: string;
  /** From the Encrypted flag: that is what says whether data is encrypted. */
  encrypted: boolean;
  /** KmsKeyId exactly as the API returns it; absent when the API reports none. */
  keyRef?: string;
  observedKey?: ObservedForeignKey;
  /** An encryption change AWS has accepted and is still applying (PendingModifiedValues.EncryptionType). */
  encryptionPending: boolean;
  publiclyAccessible: boolean;
  /** Cross-region snapshot copy (its destination needs a grant for the new key). */
  snapshotCopy?: CopySettings & { grantName?: string };
  /** Copy the service turned off to re-key the cluster (AWS refuses the change while it is on), from its tag. */
  suspendedCopy?: CopySettings;
  /** When it was turned off (ISO 8601, from SUSPENDED_SINCE_TAG): the start of the DR gap. */
  suspendedSince?: string;
  /**
   * The IAM roles COPY/UNLOAD run with (IamRoles[] not being removed, and DefaultIamRoleArn): each must be able
   * to use the regional CMK that encrypts the platform's S3 data (kms:Decrypt, kms:GenerateDataKey).
   */
  roles?: string[];
  /** The regional CMK's key policy and grants, read when the cluster has roles. */
  cmkAccess?: { keyPolicy?: string; grants: Grant[] };
  tags: Record<string, string>;
}

/**
 * Tag the service writes with its ModifyCluster (value: the CMK ARN asked for). An encrypted cluster that reports
 * no KmsKeyId is then our migration not yet reported (KEY_NOT_REPORTED, wait); without the tag it is the default
 * AWS-owned key (AWS_OWNED_KEY, re-keyed like any other key).
 */
export const REKEY_REQUESTED_TAG = 'cmk-sentinel:rekey-requested';

/** Tag that remembers a snapshot copy suspended for the re-key: `<region>:<retention days>:<manual retention days>`. */
export const SUSPENDED_COPY_TAG = 'cmk-sentinel:suspended-snapshot-copy';

/** When the copy was turned off: snapshots taken since then were never copied to the destination. */
export const SUSPENDED_SINCE_TAG = 'cmk-sentinel:suspended-snapshot-copy-since';

/** The sentence every finding and action carries while the copy is off. */
export const drGap = (c: CopySettings, since?: string): string =>
  `DR gap: cross-region snapshot copy to ${c.destRegion} is off${since ? ` since ${since}` : ''}; snapshots taken meanwhile are not copied there and will not be copied later`;

export const suspendedCopyTag = (c: CopySettings): string =>
  `${c.destRegion}:${c.retentionPeriod ?? ''}:${c.manualRetentionPeriod ?? ''}`;

/** Pure: the copy settings a tag value records; undefined for a value the service did not write. */
export const parseSuspendedCopy = (value: string | undefined): CopySettings | undefined => {
  const m = /^([a-z]{2}(?:-[a-z]+)+-\d):(-?\d*):(-?\d*)$/.exec(value ?? '');
  if (!m) return undefined;
  const num = (v: string | undefined): number | undefined => (v ? Number(v) : undefined);
  return { destRegion: m[1] as string, retentionPeriod: num(m[2]), manualRetentionPeriod: num(m[3]) };
};

/**
 * Pure. `Encrypted` decides whether the cluster is encrypted; the key is only what the API
 * reports. Redshift clusters are encrypted by default (CreateCluster `Encrypted`: "Default: true"),
 * with an AWS-owned key when none is named: Encrypted with no KmsKeyId, or an ARN of an account that
 * may not be described. Both are AWS_OWNED_KEY, never the CMK. Only a cluster this service asked to
 * re-key (its tag) and that reports no key yet is KEY_NOT_REPORTED: the change is still being applied
 * (the emulator's ModifyCluster flips `Encrypted` and leaves KmsKeyId empty).
 */
/** Pure: the cluster's COPY/UNLOAD roles that neither the CMK's key policy nor a grant lets use it, and why. */
export const rolesWithoutCmk = (s: RedshiftClusterState): { role: string; why: string }[] =>
  (s.cmkAccess ? (s.roles ?? []) : []).flatMap((role) => {
    const access = roleKeyAccess(role, s.cmkAccess?.keyPolicy, s.cmkAccess?.grants ?? []);
    return access.allowed ? [] : [{ role, why: access.why }];
  });

/** The key policy statement that lets the roles use the CMK (what the operator adds; never written by the service). */
export const roleStatement = (roles: string[]): string =>
  JSON.stringify({
    Sid: 'RedshiftCopyUnload',
    Effect: 'Allow',
    Principal: { AWS: roles },
    Action: [...REQUIRED_KEY_ACTIONS],
    Resource: '*',
  });

const roleProblem = (s: RedshiftClusterState, cmkArn: string): string | undefined => {
  const missing = rolesWithoutCmk(s);
  if (missing.length === 0) return undefined;
  return (
    `its IAM role${missing.length > 1 ? 's' : ''} for COPY/UNLOAD ${missing.map((m) => `${m.role} (${m.why})`).join('; ')} cannot use the CMK ${cmkArn} for S3 data under it: ` +
    `add to its key policy ${roleStatement(missing.map((m) => m.role))} or create a grant (Decrypt, GenerateDataKey) for each role`
  );
};

export const evaluateRedshiftCluster = (s: RedshiftClusterState, ctx: EvaluationContext): Finding => {
  const key = evaluateRedshiftClusterKey(s, ctx);
  const roles = roleProblem(s, ctx.cmk.arn);
  if (!roles) return key;
  if (key.status === 'COMPLIANT')
    return {
      status: 'NON_COMPLIANT',
      reason: 'ROLE_CANNOT_USE_CMK',
      detail: `Redshift cluster ${s.id}: ${roles}`,
      observedKey: key.observedKey,
      expectedKey: key.expectedKey,
    };
  return key.status === 'NON_COMPLIANT' ? { ...key, detail: `${key.detail ?? ''}; also, ${roles}` } : key;
};

const evaluateRedshiftClusterKey = (s: RedshiftClusterState, ctx: EvaluationContext): Finding => {
  const expectedKey = ctx.cmk.arn;
  const observedKey = s.encrypted ? (s.observedKey?.info?.arn ?? s.keyRef) : undefined;
  const nonCompliant = (reason: string, detail: string): Finding => ({
    status: 'NON_COMPLIANT',
    reason,
    detail: `Redshift cluster ${s.id} ${detail}`,
    observedKey,
    expectedKey,
  });
  const finding = ((): Finding => {
    if (!s.encrypted) return nonCompliant('UNENCRYPTED', keyIssueSentence('UNENCRYPTED', 'aws/redshift'));
    if (!s.keyRef && s.tags[REKEY_REQUESTED_TAG]) {
      return nonCompliant(
        'KEY_NOT_REPORTED',
        `is encrypted but the API reports no KMS key id yet after the re-key to ${s.tags[REKEY_REQUESTED_TAG]}: the key cannot be shown to be the regional CMK`,
      );
    }
    if (!s.keyRef)
      return nonCompliant(
        'AWS_OWNED_KEY',
        'is encrypted with the default AWS-owned key (Encrypted, no KmsKeyId reported), not the regional CMK',
      );
    if (s.observedKey?.foreignAccount) {
      return nonCompliant(
        'AWS_OWNED_KEY',
        `is encrypted with key ${s.keyRef} of account ${s.observedKey.foreignAccount}, which this account may not describe (an AWS-owned or another account's key): not the regional CMK`,
      );
    }
    const m = keyMismatch(s.observedKey, ctx.cmk, ctx.region);
    if (!m && s.suspendedCopy && !s.snapshotCopy) {
      return nonCompliant(
        'SNAPSHOT_COPY_SUSPENDED',
        `is encrypted with the regional CMK; its cross-region snapshot copy to ${s.suspendedCopy.destRegion}, turned off for the re-key, is still off. ${drGap(s.suspendedCopy, s.suspendedSince)}`,
      );
    }
    if (!m) return { status: 'COMPLIANT', observedKey, expectedKey };
    const reason = keyReason(m);
    return nonCompliant(reason, keyIssueSentence(reason, 'aws/redshift'));
  })();
  // A change AWS is still applying is not a new drift: report it as in progress.
  if (
    finding.status === 'NON_COMPLIANT' &&
    (s.encryptionPending || s.status === 'modifying' || s.status === 'rotating-keys')
  ) {
    const gap =
      s.suspendedCopy && !s.snapshotCopy
        ? `. ${drGap(s.suspendedCopy, s.suspendedSince)} (turned back on when the cluster reports the CMK; re-checked every 15 minutes)`
        : '';
    return nonCompliant(
      'ENCRYPTION_IN_PROGRESS',
      `is being modified (status ${s.status}); an encryption change is being applied and the cluster is read-only meanwhile${gap}`,
    );
  }
  return finding;
};

/** Pure: a suspended copy only needs turning back on, a role only a key policy entry; there is nothing to quarantine.
 * */
export const redshiftClusterLimits = (_s: RedshiftClusterState, f: Finding): { quarantine?: string } => {
  if (f.reason === 'SNAPSHOT_COPY_SUSPENDED')
    return {
      quarantine: 'the data is already under the regional CMK: only the suspended snapshot copy needs turning back on',
    };
  if (f.reason === 'ROLE_CANNOT_USE_CMK')
    return {
      quarantine:
        'the data is under the regional CMK: only the key policy (or a grant) for the role is missing, and key policies are never rewritten',
    };
  return {};
};
