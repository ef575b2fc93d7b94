import type { PolicyDocument } from '../policy/schema';
import type { ResourceType } from './type-ids';

export type GateName = keyof PolicyDocument['gates'];

/** What a type checks and does, in words, for `cmk-sentinel rules` (triggers and permissions come from its meta). */
export interface RuleDoc {
  compliant: string;
  remediate: string;
  quarantine: string;
  /** Destructive steps this type takes only when the policy turns the gate on. */
  gates: readonly GateName[];
}

/** One entry per type: a new type without its words fails the type check. Kept in line with the README's table. */
export const RULE_DOCS: Readonly<Record<ResourceType, RuleDoc>> = {
  's3-bucket': {
    compliant: 'default encryption aws:kms (or aws:kms:dsse) with the regional CMK, bucket key on',
    remediate: 'PutBucketEncryption with the CMK ARN and BucketKeyEnabled, re-read and verified',
    quarantine: 'tag, public access block on; data untouched',
    gates: [],
  },
  'emr-security-configuration': {
    compliant: 'at rest: S3 SSE-KMS/CSE-KMS and local disk with the regional CMK, EBS encryption on; in transit on',
    remediate: 'create a compliant copy beside it (<name>-cmk-<key id>) and verify it',
    quarantine: 'alert only (configurations cannot be changed or tagged)',
    gates: [],
  },
  'emr-cluster': {
    compliant: 'launched with a compliant security configuration; its instance role may use the CMK',
    remediate: 'nothing can change on a running cluster: terminate (gated), else quarantine',
    quarantine: 'tag and alert naming the configuration to relaunch with',
    gates: ['terminateClusters'],
  },
  'rds-snapshot': {
    compliant: 'manual DB snapshot encrypted with the regional CMK, not public',
    remediate: 'remove public sharing; CopyDBSnapshot with the CMK to <id>-cmk, verify; delete the original (gated)',
    quarantine: 'remove every restore share, tag',
    gates: ['deleteOriginals'],
  },
  'rds-cluster-snapshot': {
    compliant: 'Aurora cluster snapshot encrypted with the regional CMK, not public',
    remediate:
      'CopyDBClusterSnapshot with the CMK, verify; an unencrypted one is quarantined (a copy cannot add encryption)',
    quarantine: 'remove every restore share, tag',
    gates: ['deleteOriginals'],
  },
  'redshift-cluster': {
    compliant: 'Encrypted with the regional CMK',
    remediate:
      'ModifyCluster Encrypted+KmsKeyId in place (snapshot copy off and back on around it); PENDING until AWS reports the CMK',
    quarantine: 'tag, PubliclyAccessible=false',
    gates: [],
  },
  'redshift-snapshot': {
    compliant: 'manual snapshot encrypted with the regional CMK',
    remediate: 'no re-key API: quarantined instead',
    quarantine: 'RevokeSnapshotAccess for every account, tag',
    gates: [],
  },
  's3-replication': {
    compliant: "every enabled rule into region R replicates SSE-KMS objects with R's CMK as ReplicaKmsKeyID",
    remediate: 'PutBucketReplication with only the wrong fields rewritten, compared field by field on re-read',
    quarantine: 'alert only',
    gates: [],
  },
  'rds-read-replica': {
    compliant: "a cross-region read replica in R encrypted with R's CMK",
    remediate: "create a replacement replica <id>-cmk with R's CMK; delete the original after verification (gated)",
    quarantine: 'tag',
    gates: ['cutOver'],
  },
  'rds-backup-replication': {
    compliant: "automated backups replicated into R encrypted with R's CMK",
    remediate: "stop and restart the replication with R's CMK (gated), else alert",
    quarantine: 'alert only',
    gates: ['cutOver'],
  },
  'redshift-snapshot-copy': {
    compliant: "the cross-region snapshot copy grant in R uses R's CMK",
    remediate: "create a grant on R's CMK, then re-enable snapshot copy with it",
    quarantine: 'alert only',
    gates: [],
  },
  'kms-key': {
    compliant:
      'each regional CMK enabled, not pending deletion, rotation on, key policy lets every keyUsers role use it, alias still names it',
    remediate: 'CancelKeyDeletion + EnableKey, EnableKey, EnableKeyRotation; never rewrites a key policy or an alias',
    quarantine: 'reported only (critical alert)',
    gates: [],
  },
  's3-tls': {
    compliant: 'the bucket policy denies s3:* when aws:SecureTransport is false',
    remediate: 'merge one Deny statement, every other statement kept',
    quarantine: 'reported only',
    gates: [],
  },
  'rds-tls': {
    compliant: 'the DB parameter group forces TLS (rds.force_ssl / require_secure_transport)',
    remediate:
      'default group: attach a cmk-sentinel TLS group; own group: set the parameter; shared group: gated. Effective after a reboot',
    quarantine: 'reported only',
    gates: ['modifySharedParameterGroups'],
  },
  'redshift-tls': {
    compliant: 'the cluster parameter group has require_ssl=true',
    remediate: 'as rds-tls, with cluster parameter groups',
    quarantine: 'reported only',
    gates: ['modifySharedParameterGroups'],
  },
  'rds-instance': {
    compliant: 'StorageEncrypted with the regional CMK (replicas and Aurora members follow their source)',
    remediate:
      'the rds-reencrypt workflow: snapshot, copy with the CMK, restore <id>-cmk, verify; cut-over and deletion gated',
    quarantine: 'tag, not publicly accessible, remove public snapshot sharing',
    gates: ['cutOver', 'deleteOriginals'],
  },
  'rds-cluster': {
    compliant: 'Aurora StorageEncrypted with the regional CMK',
    remediate:
      'the same workflow: cluster snapshot, restore with KmsKeyId, members recreated, verify; cut-over and deletion gated',
    quarantine: 'tag, members not publicly accessible, remove public snapshot sharing',
    gates: ['cutOver', 'deleteOriginals'],
  },
  'dynamodb-table': {
    compliant: 'SSE KMS with the regional CMK (not the AWS-owned default, not aws/dynamodb)',
    remediate: 'UpdateTable SSESpecification with the CMK ARN in place; PENDING while SSE is UPDATING',
    quarantine: 'tag; data untouched',
    gates: [],
  },
  'kinesis-stream': {
    compliant: 'EncryptionType KMS with the regional CMK',
    remediate:
      'StartStreamEncryption with the CMK ARN (records already written stay as they were until retention expires them)',
    quarantine: 'tag; records untouched',
    gates: [],
  },
  'ebs-default': {
    compliant: 'EBS encryption by default on, default key the regional CMK (one per region)',
    remediate: 'ModifyEbsDefaultKmsKeyId with the CMK, then EnableEbsEncryptionByDefault; existing volumes unchanged',
    quarantine: 'reported only (an account setting)',
    gates: [],
  },
  'glue-catalog': {
    compliant:
      'Data Catalog encryption at rest SSE-KMS and connection passwords both with the regional CMK (one per region)',
    remediate: 'PutDataCatalogEncryptionSettings with both under the CMK (a service role in use is kept)',
    quarantine: 'reported only (an account setting)',
    gates: [],
  },
  'firehose-stream': {
    compliant: 'DirectPut SSE CUSTOMER_MANAGED_CMK with the regional CMK, and every S3 destination writing with it',
    remediate: 'StartDeliveryStreamEncryption (DirectPut only), UpdateDestination per S3 destination',
    quarantine: 'tag; delivery untouched',
    gates: [],
  },
  'athena-workgroup': {
    compliant: 'query results SSE_KMS or CSE_KMS with the regional CMK, and the workgroup enforces its configuration',
    remediate: 'UpdateWorkGroup with the CMK and enforcement on; the output location kept',
    quarantine: 'tag (the workgroup stays enabled)',
    gates: [],
  },
  'log-group': {
    compliant: 'associated with the regional CMK (groups under the policy logGroups.prefixes)',
    remediate:
      'AssociateKmsKey once the CMK key policy lets CloudWatch Logs use it; otherwise quarantined with the statement to add',
    quarantine: 'tag; log data untouched',
    gates: [],
  },
};
