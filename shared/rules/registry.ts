import type { AnyRule, RuleMeta } from './contract';
import { athenaWorkgroupMeta } from './athena-workgroup/meta';
import { dynamodbTableMeta } from './dynamodb-table/meta';
import { ebsDefaultMeta } from './ebs-default/meta';
import { emrClusterMeta } from './emr-cluster/meta';
import { emrSecurityConfigurationMeta } from './emr-security-configuration/meta';
import { firehoseStreamMeta } from './firehose-stream/meta';
import { glueCatalogMeta } from './glue-catalog/meta';
import { kinesisStreamMeta } from './kinesis-stream/meta';
import { kmsKeyMeta } from './kms-key/meta';
import { logGroupMeta } from './log-group/meta';
import { rdsBackupReplicationMeta } from './rds-backup-replication/meta';
import { rdsClusterMeta } from './rds-cluster/meta';
import { rdsInstanceMeta } from './rds-instance/meta';
import { rdsReadReplicaMeta } from './rds-read-replica/meta';
import { rdsClusterSnapshotMeta, rdsSnapshotMeta } from './rds-snapshot/meta';
import { rdsTlsMeta } from './rds-tls/meta';
import { redshiftClusterMeta } from './redshift-cluster/meta';
import { redshiftSnapshotMeta } from './redshift-snapshot/meta';
import { redshiftSnapshotCopyMeta } from './redshift-snapshot-copy/meta';
import { redshiftTlsMeta } from './redshift-tls/meta';
import { s3BucketMeta } from './s3-bucket/meta';
import { s3ReplicationMeta } from './s3-replication/meta';
import { s3TlsMeta } from './s3-tls/meta';
import type { ResourceType } from './type-ids';

/** A rule's metadata, and its implementation (with its SDK client) loaded on first use. */
export interface RuleEntry extends RuleMeta {
  load(): Promise<AnyRule>;
}

/**
 * Every rule the service runs. A new type is one import (its meta) and one line here.
 * The implementation is a dynamic import: esbuild keeps it in the same bundle but
 * initialises it (and its SDK client) only when loaded, so a cold start pays for no rule
 * until an event names one.
 */
export const RULES: readonly RuleEntry[] = [
  { ...s3BucketMeta, load: () => import('./s3-bucket').then((m) => m.s3BucketRule) },
  {
    ...emrSecurityConfigurationMeta,
    load: () => import('./emr-security-configuration').then((m) => m.emrSecurityConfigurationRule),
  },
  { ...emrClusterMeta, load: () => import('./emr-cluster').then((m) => m.emrClusterRule) },
  { ...rdsSnapshotMeta, load: () => import('./rds-snapshot').then((m) => m.rdsSnapshotRule) },
  { ...rdsClusterSnapshotMeta, load: () => import('./rds-snapshot').then((m) => m.rdsClusterSnapshotRule) },
  { ...redshiftClusterMeta, load: () => import('./redshift-cluster').then((m) => m.redshiftClusterRule) },
  { ...redshiftSnapshotMeta, load: () => import('./redshift-snapshot').then((m) => m.redshiftSnapshotRule) },
  { ...s3ReplicationMeta, load: () => import('./s3-replication').then((m) => m.s3ReplicationRule) },
  {
    ...redshiftSnapshotCopyMeta,
    load: () => import('./redshift-snapshot-copy').then((m) => m.redshiftSnapshotCopyRule),
  },
  { ...rdsReadReplicaMeta, load: () => import('./rds-read-replica').then((m) => m.rdsReadReplicaRule) },
  {
    ...rdsBackupReplicationMeta,
    load: () => import('./rds-backup-replication').then((m) => m.rdsBackupReplicationRule),
  },
  { ...kmsKeyMeta, load: () => import('./kms-key').then((m) => m.kmsKeyRule) },
  { ...s3TlsMeta, load: () => import('./s3-tls').then((m) => m.s3TlsRule) },
  { ...rdsTlsMeta, load: () => import('./rds-tls').then((m) => m.rdsTlsRule) },
  { ...redshiftTlsMeta, load: () => import('./redshift-tls').then((m) => m.redshiftTlsRule) },
  { ...rdsInstanceMeta, load: () => import('./rds-instance').then((m) => m.rdsInstanceRule) },
  { ...rdsClusterMeta, load: () => import('./rds-cluster').then((m) => m.rdsClusterRule) },
  { ...dynamodbTableMeta, load: () => import('./dynamodb-table').then((m) => m.dynamodbTableRule) },
  { ...kinesisStreamMeta, load: () => import('./kinesis-stream').then((m) => m.kinesisStreamRule) },
  { ...ebsDefaultMeta, load: () => import('./ebs-default').then((m) => m.ebsDefaultRule) },
  { ...glueCatalogMeta, load: () => import('./glue-catalog').then((m) => m.glueCatalogRule) },
  { ...firehoseStreamMeta, load: () => import('./firehose-stream').then((m) => m.firehoseStreamRule) },
  { ...athenaWorkgroupMeta, load: () => import('./athena-workgroup').then((m) => m.athenaWorkgroupRule) },
  { ...logGroupMeta, load: () => import('./log-group').then((m) => m.logGroupRule) },
];

export const ruleMeta = (type: ResourceType): RuleEntry | undefined => RULES.find((r) => r.type === type);

/** The rule's implementation, loaded on first use; undefined for a type the registry does not know. */
export const loadRule = async (type: ResourceType): Promise<AnyRule | undefined> => ruleMeta(type)?.load();
