import { WORKFLOW_TAG } from '../../workflows/rds-reencrypt/names';
import { keyIssueSentence, keyMismatch, type KeyMismatch, keyReason } from '../../kms/compare';
import type { KeyInfo, ObservedKey } from '../../kms/key-resolver';
import type { ActionLimits, EvaluationContext, Finding } from '../contract';

/** Tag an original carries once its re-keyed copy is verified: value = the copy's id. */
export const SUPERSEDED_TAG = 'cmk-sentinel:superseded-by';

export type SnapshotKind = 'instance' | 'cluster';

/** The deterministic re-keyed copy of a snapshot, as last read. */
export interface SnapshotCopyState {
  id: string;
  status: string;
  encrypted: boolean;
  observedKey?: ObservedKey;
}

export interface RdsSnapshotState {
  kind: SnapshotKind;
  id: string;
  arn: string;
  region: string;
  /** `rds:` snapshots AWS takes itself: AWS allows no copy-over, sharing change or deletion by us. */
  automated: boolean;
  /** An AWS Backup recovery point (SnapshotType `awsbackup`): AWS Backup copies and deletes it, not RDS calls. */
  awsBackup?: boolean;
  status: string;
  /** From the Encrypted/StorageEncrypted flag (the key id alone is not proof: the emulator reports one for unencrypted
   * ones). */
  encrypted: boolean;
  observedKey?: ObservedKey;
  /** Values of the `restore` attribute: account ids, or `all` for public. */
  restoreShares: string[];
  tags: Record<string, string>;
  /** The deterministic copy (`<id>-cmk`) when it exists; only looked up for a snapshot whose key is wrong. */
  copy?: SnapshotCopyState;
}

const LABEL: Record<SnapshotKind, string> = { instance: 'DB snapshot', cluster: 'DB cluster snapshot' };

/** RDS snapshot names: at most 255 characters, no double or trailing hyphen. */
export const copyIdFor = (id: string): string => `${id.replace(/^rds:/, '').slice(0, 251).replace(/-+$/, '')}-cmk`;

type KeyIssue = 'UNENCRYPTED' | Exclude<KeyMismatch, 'NO_KEY'>;

export const keyIssueOf = (
  encrypted: boolean,
  observed: ObservedKey | undefined,
  cmk: KeyInfo,
  region: string,
): KeyIssue | undefined => {
  if (!encrypted) return 'UNENCRYPTED';
  const m = keyMismatch(observed, cmk, region);
  return keyReason(m);
};

/** A copy counts only when it is available, encrypted, and its key resolves to the regional CMK. */
export const copyVerified = (copy: SnapshotCopyState | undefined, cmk: KeyInfo, region: string): boolean =>
  !!copy && copy.status === 'available' && keyIssueOf(copy.encrypted, copy.observedKey, cmk, region) === undefined;

/**
 * Pure. A manual snapshot must be encrypted with the regional CMK and not public. An
 * original whose verified re-keyed copy exists and which is tagged as superseded by it is
 * COMPLIANT (reason SUPERSEDED): the data lives on under the CMK, and a re-run does nothing new.
 */
export const evaluateRdsSnapshot = (s: RdsSnapshotState, ctx: EvaluationContext): Finding => {
  const expectedKey = ctx.cmk.arn;
  const observedKey = s.encrypted ? (s.observedKey?.info?.arn ?? s.observedKey?.ref) : undefined;
  const name = `${LABEL[s.kind]} ${s.id}`;
  const nonCompliant = (reason: string, detail: string): Finding => ({
    status: 'NON_COMPLIANT',
    reason,
    detail: `${name} ${detail}`,
    observedKey,
    expectedKey,
  });
  const issue = keyIssueOf(s.encrypted, s.observedKey, ctx.cmk, ctx.region);

  if (s.automated) {
    if (!issue) return { status: 'COMPLIANT', observedKey, expectedKey };
    return nonCompliant(
      issue,
      `${keyIssueSentence(issue, 'aws/rds')}; it is an automated snapshot and follows its ${s.kind === 'cluster' ? 'cluster' : 'instance'}`,
    );
  }
  if (s.awsBackup) {
    if (!issue) return { status: 'COMPLIANT', observedKey, expectedKey };
    return nonCompliant(
      issue,
      `${keyIssueSentence(issue, 'aws/rds')}; it is an AWS Backup recovery point, managed by AWS Backup`,
    );
  }
  if (s.restoreShares.includes('all')) {
    return nonCompliant(
      'PUBLIC_SNAPSHOT',
      `is shared publicly (restore attribute contains "all")${issue ? ` and ${keyIssueSentence(issue, 'aws/rds')}` : ''}`,
    );
  }
  if (!issue) return { status: 'COMPLIANT', observedKey, expectedKey };
  if (s.tags[WORKFLOW_TAG]) {
    // The re-encryption workflow's own intermediate (the unencrypted source of its CMK copy): the
    // workflow keeps or deletes it; copying it again would only duplicate the data it is replacing.
    return {
      status: 'NOT_APPLICABLE',
      reason: 'WORKFLOW_INTERMEDIATE',
      detail: `${name} belongs to re-encryption workflow ${s.tags[WORKFLOW_TAG]}`,
      observedKey,
      expectedKey,
    };
  }
  if (s.copy && copyVerified(s.copy, ctx.cmk, ctx.region) && s.tags[SUPERSEDED_TAG] === s.copy.id) {
    if (ctx.policy.gates.deleteOriginals) {
      return nonCompliant(
        issue,
        `${keyIssueSentence(issue, 'aws/rds')}; its re-keyed copy ${s.copy.id} is verified and the policy deletes originals`,
      );
    }
    return {
      status: 'COMPLIANT',
      reason: 'SUPERSEDED',
      observedKey,
      expectedKey,
      detail: `${name} ${keyIssueSentence(issue, 'aws/rds')}; it is kept as the original of ${s.copy.id}, which is encrypted with the regional CMK`,
    };
  }
  return nonCompliant(issue, keyIssueSentence(issue, 'aws/rds'));
};

/** Pure: what AWS does not allow on this snapshot. */
export const rdsSnapshotLimits = (s: RdsSnapshotState): ActionLimits => {
  if (s.automated) {
    const why = `automated snapshot ${s.id}: AWS allows no change to it (it is replaced by the next backup of a re-encrypted ${s.kind === 'cluster' ? 'cluster' : 'instance'}); reported, not touched`;
    return { remediate: why, quarantine: why };
  }
  if (s.awsBackup) {
    // https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html: backups of resource types not fully
    // managed by AWS Backup "inherit the encryption settings from their source resource"; the recovery point is
    // AWS Backup's to copy and expire, and its id (`awsbackup:job-…`) is no valid CopyDB*Snapshot target name.
    const why = `AWS Backup recovery point ${s.id}: it follows its source's encryption and belongs to AWS Backup; re-encrypt the source with the regional CMK and let the backup plan take new recovery points and expire this one; reported, not copied`;
    return { remediate: why, quarantine: why };
  }
  if (s.kind === 'cluster' && !s.encrypted) {
    return {
      remediate:
        'AWS cannot add encryption when copying an unencrypted Aurora cluster snapshot (restore it into a cluster with the CMK, then snapshot that cluster)',
    };
  }
  return {};
};
