import { fitTags } from '../../aws/rds-tags';
import type { CreateDBInstanceReadReplicaMessage, DBInstance } from '@aws-sdk/client-rds';

/**
 * The settings of a cross-Region read replica its replacement must carry. CreateDBInstanceReadReplica creates a
 * replica in the destination Region with that Region's defaults for what it is not given (default DB subnet group,
 * default security group, default parameter and option groups: API_CreateDBInstanceReadReplica.html, members
 * DBSubnetGroupName, VpcSecurityGroupIds, DBParameterGroupName, OptionGroupName), so they are read from the
 * replica being replaced, which lives in the same Region, and passed. Performance Insights keeps its data under
 * the destination Region's CMK (PerformanceInsightsKMSKeyId: "the KMS key ... in the destination Region").
 */
export interface ReplicaSettings {
  subnetGroup?: string;
  securityGroupIds: string[];
  parameterGroup?: string;
  optionGroup?: string;
  multiAz?: boolean;
  storageType?: string;
  allocatedStorage?: number;
  iops?: number;
  storageThroughput?: number;
  maxAllocatedStorage?: number;
  monitoringInterval?: number;
  monitoringRoleArn?: string;
  performanceInsights?: boolean;
  performanceInsightsRetention?: number;
  port?: number;
  publiclyAccessible?: boolean;
  deletionProtection?: boolean;
}

export const replicaSettingsOf = (db: DBInstance): ReplicaSettings => ({
  subnetGroup: db.DBSubnetGroup?.DBSubnetGroupName,
  securityGroupIds: (db.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId).filter((g): g is string => !!g),
  parameterGroup: db.DBParameterGroups?.[0]?.DBParameterGroupName,
  optionGroup: db.OptionGroupMemberships?.[0]?.OptionGroupName,
  multiAz: db.MultiAZ,
  storageType: db.StorageType,
  allocatedStorage: db.AllocatedStorage,
  iops: db.Iops,
  storageThroughput: db.StorageThroughput,
  maxAllocatedStorage: db.MaxAllocatedStorage,
  monitoringInterval: db.MonitoringInterval,
  monitoringRoleArn: db.MonitoringRoleArn,
  performanceInsights: db.PerformanceInsightsEnabled === true,
  performanceInsightsRetention: db.PerformanceInsightsEnabled ? db.PerformanceInsightsRetentionPeriod : undefined,
  port: db.Endpoint?.Port ?? db.DbInstancePort,
  publiclyAccessible: db.PubliclyAccessible,
  deletionProtection: db.DeletionProtection,
});

/** Engine defaults (`default.mysql8.0`, `default:mysql-8-0`) are what a replica gets anyway: naming them can only
 * fail. */
const custom = (group: string | undefined): string | undefined =>
  group && !/^default[.:]/.test(group) ? group : undefined;

/** gp3 takes IOPS and throughput from 400 GiB (200 for Oracle, 20 for SQL Server): CHAP_Storage.html#gp3-storage. */
const gp3Configurable = (s: ReplicaSettings) => s.storageType === 'gp3' && (s.allocatedStorage ?? 0) >= 400;

/** CreateDBInstanceReadReplica members for the replacement of a replica with these settings. */
export const replicaCreateSettings = (s: ReplicaSettings, cmk: string): Partial<CreateDBInstanceReadReplicaMessage> => {
  const provisioned = s.storageType === 'io1' || s.storageType === 'io2';
  return {
    DBSubnetGroupName: s.subnetGroup && s.subnetGroup !== 'default' ? s.subnetGroup : undefined,
    VpcSecurityGroupIds: s.securityGroupIds.length ? s.securityGroupIds : undefined,
    DBParameterGroupName: custom(s.parameterGroup),
    OptionGroupName: custom(s.optionGroup),
    MultiAZ: s.multiAz,
    StorageType: s.storageType,
    Iops: (provisioned || gp3Configurable(s)) && s.iops ? s.iops : undefined,
    StorageThroughput: gp3Configurable(s) && s.storageThroughput ? s.storageThroughput : undefined,
    MaxAllocatedStorage: s.maxAllocatedStorage,
    MonitoringInterval: s.monitoringInterval || undefined,
    MonitoringRoleArn: s.monitoringInterval ? s.monitoringRoleArn : undefined,
    ...(s.performanceInsights
      ? {
          EnablePerformanceInsights: true,
          PerformanceInsightsKMSKeyId: cmk,
          PerformanceInsightsRetentionPeriod: s.performanceInsightsRetention,
        }
      : {}),
    Port: s.port,
    PubliclyAccessible: s.publiclyAccessible,
    DeletionProtection: s.deletionProtection,
  };
};

/** `setting: replaced -> replacement` for each carried setting the replacement lacks (its PI key must be the CMK). */
export const replicaDifferences = (was: ReplicaSettings, now: DBInstance, cmk: string): string[] => {
  const n = replicaSettingsOf(now);
  const out: string[] = [];
  const keys: (keyof ReplicaSettings)[] = [
    'subnetGroup',
    'parameterGroup',
    'optionGroup',
    'multiAz',
    'storageType',
    'maxAllocatedStorage',
    'monitoringInterval',
    'monitoringRoleArn',
    'performanceInsights',
    'port',
  ];
  for (const k of keys)
    if (was[k] !== undefined && was[k] !== n[k]) out.push(`${k}: ${String(was[k])} -> ${String(n[k])}`);
  if ([...was.securityGroupIds].sort().join() !== [...n.securityGroupIds].sort().join())
    out.push(`securityGroupIds: ${was.securityGroupIds.join(',')} -> ${n.securityGroupIds.join(',')}`);
  if (was.performanceInsights && now.PerformanceInsightsKMSKeyId !== cmk)
    out.push(`performanceInsightsKmsKeyId: expected ${cmk} -> ${now.PerformanceInsightsKMSKeyId ?? '(none)'}`);
  return out;
};

/** The replaced replica's tags (less a quarantine mark) and the replacement's own, within the 50-tag limit. */
export const replacementTags = (
  s: { id: string; tags: Record<string, string> },
  quarantineTag: string,
): { Key: string; Value: string }[] =>
  fitTags(Object.fromEntries(Object.entries(s.tags).filter(([k]) => k !== quarantineTag)), {
    'cmk-sentinel:replaces': s.id,
  }).tags;
