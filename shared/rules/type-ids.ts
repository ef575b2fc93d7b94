/**
 * Every resource type the service knows, by the id used in the policy, alerts and
 * reports. A new rule adds its id here and its module to the registry.
 */
export const RESOURCE_TYPES = [
  's3-bucket',
  'emr-security-configuration',
  'emr-cluster',
  'rds-snapshot',
  'rds-cluster-snapshot',
  'redshift-cluster',
  'redshift-snapshot',
  's3-replication',
  'rds-read-replica',
  'rds-backup-replication',
  'redshift-snapshot-copy',
  'kms-key',
  's3-tls',
  'rds-tls',
  'redshift-tls',
  'rds-instance',
  'rds-cluster',
  'dynamodb-table',
  'kinesis-stream',
  'ebs-default',
  'glue-catalog',
  'firehose-stream',
  'athena-workgroup',
  'log-group',
] as const;

export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const isResourceType = (s: string): s is ResourceType => (RESOURCE_TYPES as readonly string[]).includes(s);
