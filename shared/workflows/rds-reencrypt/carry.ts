/**
 * Pure: what the snapshot-and-restore fallback must carry from the original database to its re-encrypted copy, on
 * the restore request, after it, and what it must report when it cannot.
 *
 * Sources (RDS API reference, read 2026-12-01):
 * - https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceFromDBSnapshot.html
 *   "created from the source database restore point with most of the source's original configuration, including
 *   the default security group and DB parameter group. By default, the new DB instance is created as a Single-AZ
 *   deployment"; PreferredBackupWindow "The default is a 30-minute window selected at random";
 *   EngineLifecycleSupport "By default ... open-source-rds-extended-support, which enrolls your DB instance into
 *   Amazon RDS Extended Support"; StorageType "Default: io1 if the Iops parameter is
 *   specified, otherwise gp3"; ManageMasterUserPassword "Applies to RDS for Oracle only". No member for Performance
 *   Insights, MaxAllocatedStorage, the maintenance window, monitoring or IAM roles: ModifyDBInstance and
 *   AddRoleToDBInstance afterwards. "Most of" is not a list: every member that holds a setting of the original is
 *   passed, so nothing depends on which ones a restore happens to keep.
 * - https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBClusterFromSnapshot.html
 *   "created from the source DB snapshot with a default configuration"; StorageType aurora | aurora-iopt1;
 *   BacktrackWindow (Aurora MySQL); ServerlessV2ScalingConfiguration; no member for IAM roles (AddRoleToDBCluster),
 *   custom endpoints (CreateDBClusterEndpoint) or the maintenance window (ModifyDBCluster).
 * - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html#gp3-storage
 *   gp3 below 400 GiB (200 GiB for Oracle, 20 GiB for SQL Server) runs at its baseline: IOPS and throughput can
 *   be set only from that size up, so they are passed only then.
 */
import type {
  ModifyDBInstanceMessage,
  RestoreDBClusterFromSnapshotMessage,
  RestoreDBInstanceFromDBSnapshotMessage,
} from '@aws-sdk/client-rds';
import type { RdsConfig } from '../../rules/rds-database/evaluate';

const GP3_CONFIGURABLE_GIB = (engine: string | undefined): number =>
  engine?.startsWith('oracle') ? 200 : engine?.startsWith('sqlserver') ? 20 : 400;

const nonEmpty = <T>(xs: T[] | undefined): T[] | undefined => (xs?.length ? xs : undefined);

/** Storage members of a restore: the type always (else gp3), IOPS and throughput where the type takes them. */
const storageOf = (c: RdsConfig) => {
  const type = c.storageType;
  if (!type) return {};
  const provisioned = type === 'io1' || type === 'io2';
  const gp3Configurable = type === 'gp3' && (c.allocatedStorage ?? 0) >= GP3_CONFIGURABLE_GIB(c.engine);
  return {
    StorageType: type,
    ...((provisioned || gp3Configurable) && c.iops ? { Iops: c.iops } : {}),
    ...(gp3Configurable && c.storageThroughput ? { StorageThroughput: c.storageThroughput } : {}),
  };
};

const domainOf = (c: RdsConfig) =>
  c.domain ? { Domain: c.domain, ...(c.domainIamRoleName ? { DomainIAMRoleName: c.domainIamRoleName } : {}) } : {};

/** RestoreDBInstanceFromDBSnapshot members a restore would otherwise set to its defaults. */
export const instanceRestoreSettings = (c: RdsConfig): Partial<RestoreDBInstanceFromDBSnapshotMessage> => ({
  EnableCloudwatchLogsExports: nonEmpty(c.cloudwatchLogsExports),
  CACertificateIdentifier: c.caCertificate,
  AutoMinorVersionUpgrade: c.autoMinorVersionUpgrade,
  NetworkType: c.networkType,
  PreferredBackupWindow: c.preferredBackupWindow,
  EngineLifecycleSupport: c.engineLifecycleSupport,
  CopyTagsToSnapshot: c.copyTagsToSnapshot,
  ...domainOf(c),
  ...storageOf(c),
});

/** RestoreDBClusterFromSnapshot members (Aurora) a restore would otherwise set to its defaults. */
export const clusterRestoreSettings = (c: RdsConfig): Partial<RestoreDBClusterFromSnapshotMessage> => ({
  EnableCloudwatchLogsExports: nonEmpty(c.cloudwatchLogsExports),
  BacktrackWindow: c.backtrackWindow || undefined,
  // Aurora storage is `aurora` (Standard) or `aurora-iopt1` (I/O-Optimized); anything else is not Aurora's to pass.
  StorageType: c.storageType?.startsWith('aurora') ? c.storageType : undefined,
  PreferredBackupWindow: c.preferredBackupWindow,
  EngineLifecycleSupport: c.engineLifecycleSupport,
  NetworkType: c.networkType,
  CopyTagsToSnapshot: c.copyTagsToSnapshot,
  // Needed before any db.serverless member can be created in the new cluster.
  ServerlessV2ScalingConfiguration: c.serverlessV2
    ? { MinCapacity: c.serverlessV2.min, MaxCapacity: c.serverlessV2.max }
    : undefined,
  ...domainOf(c),
});

/**
 * ModifyDBInstance members that bring the restored instance to the original's settings; empty when it has them.
 * Performance Insights is kept on, with the regional CMK as its key (its data is data at rest too).
 */
export const instanceAfterRestore = (
  source: RdsConfig,
  target: RdsConfig,
  cmk: string,
): Partial<ModifyDBInstanceMessage> => ({
  ...(source.backupRetention !== undefined && source.backupRetention !== target.backupRetention
    ? { BackupRetentionPeriod: source.backupRetention }
    : {}),
  ...(source.monitoringInterval &&
  (source.monitoringInterval !== target.monitoringInterval || source.monitoringRoleArn !== target.monitoringRoleArn)
    ? { MonitoringInterval: source.monitoringInterval, MonitoringRoleArn: source.monitoringRoleArn }
    : {}),
  ...(source.performanceInsights &&
  (!target.performanceInsights ||
    target.performanceInsightsKmsKeyId !== cmk ||
    (source.performanceInsightsRetention !== undefined &&
      source.performanceInsightsRetention !== target.performanceInsightsRetention))
    ? {
        EnablePerformanceInsights: true,
        PerformanceInsightsKMSKeyId: cmk,
        ...(source.performanceInsightsRetention
          ? { PerformanceInsightsRetentionPeriod: source.performanceInsightsRetention }
          : {}),
      }
    : {}),
  ...(source.maxAllocatedStorage && source.maxAllocatedStorage !== target.maxAllocatedStorage
    ? { MaxAllocatedStorage: source.maxAllocatedStorage }
    : {}),
  ...(source.preferredMaintenanceWindow && source.preferredMaintenanceWindow !== target.preferredMaintenanceWindow
    ? { PreferredMaintenanceWindow: source.preferredMaintenanceWindow }
    : {}),
});

/** ModifyDBCluster members after an Aurora restore (the maintenance window is not a restore member). */
export const clusterAfterRestore = (source: RdsConfig, target: RdsConfig) =>
  source.preferredMaintenanceWindow && source.preferredMaintenanceWindow !== target.preferredMaintenanceWindow
    ? { PreferredMaintenanceWindow: source.preferredMaintenanceWindow }
    : {};

const roleKey = (r: { roleArn: string; featureName?: string }) => `${r.roleArn}#${r.featureName ?? ''}`;

/** IAM role associations of the original the copy lacks (AddRoleToDBInstance / AddRoleToDBCluster). */
export const missingRoles = (source: RdsConfig, target: RdsConfig) => {
  const have = new Set((target.iamRoles ?? []).map(roleKey));
  return (source.iamRoles ?? []).filter((r) => !have.has(roleKey(r)));
};

type Show = (v: unknown) => string;
const plain: Show = (v) => (v === undefined ? '(none)' : Array.isArray(v) ? v.join(',') || '(none)' : String(v));
const sorted = (v: unknown): unknown => (Array.isArray(v) ? [...(v as unknown[]).map(String)].sort().join(',') : v);

/** Every setting compared between the original and its copy; the key, where the copy's value is expected. */
const COMPARED: { key: keyof RdsConfig; kinds: ('instance' | 'cluster')[] }[] = [
  { key: 'instanceClass', kinds: ['instance'] },
  { key: 'subnetGroup', kinds: ['instance', 'cluster'] },
  { key: 'parameterGroup', kinds: ['instance', 'cluster'] },
  { key: 'optionGroup', kinds: ['instance'] },
  { key: 'multiAz', kinds: ['instance'] },
  { key: 'port', kinds: ['instance', 'cluster'] },
  { key: 'deletionProtection', kinds: ['instance', 'cluster'] },
  { key: 'backupRetention', kinds: ['instance', 'cluster'] },
  { key: 'iamAuth', kinds: ['instance', 'cluster'] },
  { key: 'monitoringInterval', kinds: ['instance'] },
  { key: 'monitoringRoleArn', kinds: ['instance'] },
  { key: 'publiclyAccessible', kinds: ['instance'] },
  { key: 'cloudwatchLogsExports', kinds: ['instance', 'cluster'] },
  { key: 'caCertificate', kinds: ['instance'] },
  { key: 'autoMinorVersionUpgrade', kinds: ['instance'] },
  { key: 'networkType', kinds: ['instance', 'cluster'] },
  { key: 'domain', kinds: ['instance', 'cluster'] },
  { key: 'preferredBackupWindow', kinds: ['instance', 'cluster'] },
  { key: 'preferredMaintenanceWindow', kinds: ['instance', 'cluster'] },
  { key: 'storageType', kinds: ['instance', 'cluster'] },
  { key: 'iops', kinds: ['instance'] },
  { key: 'storageThroughput', kinds: ['instance'] },
  { key: 'maxAllocatedStorage', kinds: ['instance'] },
  { key: 'engineLifecycleSupport', kinds: ['instance', 'cluster'] },
  { key: 'performanceInsights', kinds: ['instance'] },
  { key: 'performanceInsightsRetention', kinds: ['instance'] },
  { key: 'copyTagsToSnapshot', kinds: ['instance', 'cluster'] },
  { key: 'backtrackWindow', kinds: ['cluster'] },
];

/** `setting: original -> copy` for each setting of the original the copy does not have. */
export const restoreDifferences = (
  kind: 'instance' | 'cluster',
  source: RdsConfig,
  target: RdsConfig,
  cmk: string,
): string[] => {
  const out: string[] = [];
  for (const { key, kinds } of COMPARED) {
    if (!kinds.includes(kind)) continue;
    const a = source[key];
    if (a === undefined) continue;
    if (sorted(a) !== sorted(target[key])) out.push(`${key}: ${plain(a)} -> ${plain(target[key])}`);
  }
  if (sorted(source.securityGroupIds) !== sorted(target.securityGroupIds))
    out.push(`securityGroupIds: ${plain(source.securityGroupIds)} -> ${plain(target.securityGroupIds)}`);
  if (kind === 'instance' && source.performanceInsights && target.performanceInsightsKmsKeyId !== cmk)
    out.push(`performanceInsightsKmsKeyId: expected the CMK ${cmk} -> ${plain(target.performanceInsightsKmsKeyId)}`);
  const roles = missingRoles(source, target).map(roleKey);
  if (roles.length) out.push(`iamRoles: missing ${roles.join(', ')}`);
  if (kind === 'cluster') {
    const sv2 = (v: RdsConfig['serverlessV2']) => (v ? `${v.min ?? '?'}-${v.max ?? '?'} ACU` : undefined);
    if (source.serverlessV2 && sv2(source.serverlessV2) !== sv2(target.serverlessV2))
      out.push(`serverlessV2: ${plain(sv2(source.serverlessV2))} -> ${plain(sv2(target.serverlessV2))}`);
    const members = (c: RdsConfig) => (c.members ?? []).map((m) => `${m.instanceClass ?? '?'}${m.writer ? '*' : ''}`);
    if (sorted(members(source)) !== sorted(members(target)))
      out.push(`members (class, * = writer): ${plain(members(source))} -> ${plain(members(target))}`);
  }
  return out;
};

export interface EndpointSpec {
  id: string;
  type: string;
  staticMembers: string[];
  excludedMembers: string[];
}

/**
 * What the operator must move by hand: things that name the original or live beside it, which no restore carries.
 * IAM database authentication names the DbiResourceId (`rds-db:connect` on `dbuser:<resource id>/<user>`:
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html), which is new.
 */
export const operatorChecklist = (
  kind: 'instance' | 'cluster',
  source: RdsConfig,
  target: RdsConfig,
  endpoints: { original: EndpointSpec; copy: string }[] = [],
): string[] => {
  const out: string[] = [];
  if (source.iamAuth || source.resourceId)
    out.push(
      `IAM database-auth policies: rds-db:connect names the resource id ${source.resourceId ?? '(unknown)'}; the copy's is ${target.resourceId ?? '(unknown)'}`,
    );
  out.push(
    source.managedMasterSecret
      ? "the master-user secret: the original keeps its Secrets Manager secret; set the copy's (ModifyDB" +
          (kind === 'cluster' ? 'Cluster' : 'Instance') +
          ' ManageMasterUserPassword) and repoint its readers'
      : "the master-user password and any secret holding it: the copy has the snapshot's password",
  );
  out.push('CloudWatch alarms, event subscriptions and dashboards on the original identifier');
  const replicas = source.readReplicas ?? [];
  out.push(
    replicas.length
      ? `read replicas ${replicas.join(', ')} replicate from the original: re-create them from the copy`
      : 'read replicas: none',
  );
  for (const e of endpoints)
    out.push(
      `custom endpoint ${e.original.id} re-created as ${e.copy} (endpoint identifiers are unique per Region: the original keeps its name)`,
    );
  return out;
};
