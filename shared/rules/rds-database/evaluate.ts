import { keyIssueSentence, keyMismatch, keyReason } from '../../kms/compare';
import type { ObservedForeignKey } from '../../kms/owned-key';
import type { EvaluationContext, Finding } from '../contract';

export type RdsKind = 'instance' | 'cluster';

/** The configuration a re-encrypted restore must carry over (read from the original). */
export interface RdsConfig {
  instanceClass?: string;
  subnetGroup?: string;
  securityGroupIds: string[];
  parameterGroup?: string;
  optionGroup?: string;
  multiAz?: boolean;
  port?: number;
  deletionProtection?: boolean;
  backupRetention?: number;
  iamAuth?: boolean;
  monitoringInterval?: number;
  monitoringRoleArn?: string;
  publiclyAccessible?: boolean;
  engine?: string;
  engineVersion?: string;
  /** The master password is managed in Secrets Manager (MasterUserSecret): Blue/Green refuses such sources. */
  managedMasterSecret?: boolean;
  /** Read replicas: ids in the same Region, ARNs across Regions (ReadReplicaDBInstanceIdentifiers /
   * ReadReplicaIdentifiers). */
  readReplicas?: string[];
  /** Aurora: the cluster's member instances (id and class), recreated in the new cluster. */
  members?: { id: string; instanceClass?: string; writer: boolean; promotionTier?: number }[];
  /** What a restore drops unless passed (RestoreDBInstanceFromDBSnapshot / RestoreDBClusterFromSnapshot). */
  cloudwatchLogsExports?: string[];
  caCertificate?: string;
  autoMinorVersionUpgrade?: boolean;
  networkType?: string;
  /** Directory (Kerberos) membership: DomainMemberships[0]. */
  domain?: string;
  domainIamRoleName?: string;
  preferredBackupWindow?: string;
  preferredMaintenanceWindow?: string;
  storageType?: string;
  allocatedStorage?: number;
  iops?: number;
  storageThroughput?: number;
  maxAllocatedStorage?: number;
  /** Extended Support enrolment: a restore without it enrols in paid Extended Support. */
  engineLifecycleSupport?: string;
  performanceInsights?: boolean;
  performanceInsightsKmsKeyId?: string;
  performanceInsightsRetention?: number;
  copyTagsToSnapshot?: boolean;
  /** IAM roles associated for features (S3 import, Lambda, ...): AssociatedRoles. */
  iamRoles?: { roleArn: string; featureName?: string }[];
  /** Instance: DbiResourceId; cluster: DbClusterResourceId (IAM database-auth policies name it). */
  resourceId?: string;
  /** Aurora MySQL backtracking, seconds. */
  backtrackWindow?: number;
  serverlessV2?: { min?: number; max?: number };
  /** Set on a member of an Aurora global database. */
  globalCluster?: string;
  /** Set on a Multi-AZ DB cluster (DescribeDBClusters, non-Aurora engine): its DB instance class. */
  clusterInstanceClass?: string;
}

/** An RDS DB instance or Aurora DB cluster as the rules and the workflow see it. */
export interface RdsDatabaseState {
  kind: RdsKind;
  id: string;
  arn: string;
  region: string;
  account: string;
  status: string;
  storageEncrypted: boolean;
  /**
   * StorageEncryptionType: `none`, `sse-kms` (a customer managed or AWS managed key), or `sse-rds` — an AWS-owned
   * key, the default of Aurora clusters created since 2026-02-18; then StorageEncrypted is false and no KmsKeyId
   * is reported (RDS API reference, DBCluster/DBInstance StorageEncrypted and StorageEncryptionType).
   */
  encryptionType?: string;
  /** KmsKeyId as RDS reports it (moto reports `default_kms_key_id` for the default key). */
  keyRef?: string;
  observedKey?: ObservedForeignKey;
  /** Set on a read replica: the source instance/cluster identifier or ARN. */
  replicaSource?: string;
  /** Set on an instance that belongs to an Aurora cluster: encryption is the cluster's. */
  clusterId?: string;
  /** Epoch ms of creation: tells a re-created database with the same name from the old one. */
  createdAt?: number;
  tags: Record<string, string>;
  config: RdsConfig;
}

const NOUN: Record<RdsKind, string> = { instance: 'DB instance', cluster: 'Aurora DB cluster' };

/**
 * Pure: storage must be encrypted with the regional CMK. Read replicas follow their
 * source (a same-region replica inherits its key; cross-region replicas have their own
 * rule) and instances inside an Aurora cluster are judged as the cluster.
 */
export const evaluateRdsDatabase = (s: RdsDatabaseState, ctx: EvaluationContext): Finding => {
  const expectedKey = ctx.cmk.arn;
  const observedKey = s.storageEncrypted ? (s.observedKey?.info?.arn ?? s.observedKey?.ref ?? s.keyRef) : undefined;
  // DescribeDBClusters also lists Multi-AZ DB clusters (RDS for MySQL/PostgreSQL): named as what they are.
  const multiAz = s.kind === 'cluster' && /^(mysql|postgres)$/.test(s.config.engine ?? '');
  const what = `${multiAz ? 'Multi-AZ DB cluster' : NOUN[s.kind]} ${s.id}`;
  if (s.replicaSource) {
    return {
      status: 'NOT_APPLICABLE',
      reason: 'READ_REPLICA',
      detail: `${what} is a read replica of ${s.replicaSource}: it follows its source's encryption`,
      observedKey,
      expectedKey,
    };
  }
  if (s.clusterId) {
    return {
      status: 'NOT_APPLICABLE',
      reason: 'CLUSTER_MEMBER',
      detail: `${what} belongs to DB cluster ${s.clusterId}: its storage is the cluster's`,
      observedKey,
      expectedKey,
    };
  }
  // DescribeDBClusters also returns Neptune and DocumentDB clusters (API_DescribeDBClusters): not Aurora, not this
  // rule's.
  if (s.kind === 'cluster' && /^(neptune|docdb)/.test(s.config.engine ?? '')) {
    return {
      status: 'NOT_APPLICABLE',
      reason: 'NOT_AURORA',
      detail: `${s.id} is a ${s.config.engine} cluster (Amazon ${s.config.engine?.startsWith('neptune') ? 'Neptune' : 'DocumentDB'}), listed by DescribeDBClusters but not an Aurora DB cluster: rds-cluster judges Aurora engines only`,
      observedKey,
      expectedKey,
    };
  }
  if (s.status === 'deleting') {
    return {
      status: 'NOT_APPLICABLE',
      reason: 'DELETING',
      detail: `${what} is being deleted`,
      observedKey,
      expectedKey,
    };
  }
  const nonCompliant = (reason: string, detail: string): Finding => ({
    status: 'NON_COMPLIANT',
    reason,
    detail: `${what} ${detail}`,
    observedKey,
    expectedKey,
  });
  // Encrypted, but under a key nobody in the account controls or can audit: not the CMK; re-encrypted like any other.
  if (s.encryptionType === 'sse-rds')
    return nonCompliant(
      'AWS_OWNED_KEY',
      'is encrypted with an AWS-owned key (StorageEncryptionType sse-rds, the Aurora default since 2026-02-18), not the regional CMK',
    );
  // The flag decides "encrypted": the emulator reports a key id even for unencrypted storage.
  if (!s.storageEncrypted) return nonCompliant('UNENCRYPTED', 'has unencrypted storage');
  if (s.observedKey?.foreignAccount) {
    return nonCompliant(
      'AWS_OWNED_KEY',
      `is encrypted with key ${s.observedKey.ref} of account ${s.observedKey.foreignAccount}, which this account may not describe (an AWS-owned or another account's key): not the regional CMK`,
    );
  }
  const mismatch = keyMismatch(s.observedKey, ctx.cmk, ctx.region);
  if (mismatch) return nonCompliant(keyReason(mismatch), keyIssueSentence(keyReason(mismatch), 'aws/rds'));
  return { status: 'COMPLIANT', observedKey, expectedKey };
};
