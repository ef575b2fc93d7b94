import type { AnyRule } from './contract';
import { emrClusterRule } from './emr-cluster';
import { emrSecurityConfigurationRule } from './emr-security-configuration';
import { kmsKeyRule } from './kms-key';
import { rdsBackupReplicationRule } from './rds-backup-replication';
import { rdsClusterRule } from './rds-cluster';
import { rdsInstanceRule } from './rds-instance';
import { rdsReadReplicaRule } from './rds-read-replica';
import { rdsClusterSnapshotRule, rdsSnapshotRule } from './rds-snapshot';
import { rdsTlsRule } from './rds-tls';
import { redshiftClusterRule } from './redshift-cluster';
import { redshiftSnapshotRule } from './redshift-snapshot';
import { redshiftSnapshotCopyRule } from './redshift-snapshot-copy';
import { redshiftTlsRule } from './redshift-tls';
import { s3BucketRule } from './s3-bucket';
import { s3ReplicationRule } from './s3-replication';
import { s3TlsRule } from './s3-tls';
import type { ResourceType } from './type-ids';

/** Every rule the service runs. A new type is one import and one line here. */
export const RULES: readonly AnyRule[] = [
  s3BucketRule,
  emrSecurityConfigurationRule,
  emrClusterRule,
  rdsSnapshotRule,
  rdsClusterSnapshotRule,
  redshiftClusterRule,
  redshiftSnapshotRule,
  s3ReplicationRule,
  redshiftSnapshotCopyRule,
  rdsReadReplicaRule,
  rdsBackupReplicationRule,
  kmsKeyRule,
  s3TlsRule,
  rdsTlsRule,
  redshiftTlsRule,
  rdsInstanceRule,
  rdsClusterRule,
];

export const ruleFor = (type: ResourceType): AnyRule | undefined => RULES.find((r) => r.type === type);
