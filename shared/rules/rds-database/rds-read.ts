import {
  type DBCluster,
  type DBInstance,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  paginateDescribeDBClusters,
  paginateDescribeDBInstances,
  RDSClient,
} from '@aws-sdk/client-rds';
import { isAwsNotFound, translateAwsError } from '../../aws/errors';
import { itemsOf } from '../../aws/paginate';
import { tagRecord } from '../../aws/tags';
import { observeKeyOf } from '../../kms/owned-key';
import type { RuleContext } from '../contract';
import type { RdsDatabaseState } from './evaluate';

export const rds = (ctx: Pick<RuleContext, 'clients' | 'scope'>): RDSClient => ctx.clients.get(RDSClient, ctx.scope);

/** The emulator reports `default_kms_key_id` where AWS names the aws/rds key; both mean the AWS-managed key. */
const keyRefOf = (encrypted: boolean, kmsKeyId: string | undefined): string | undefined => {
  if (!encrypted) return undefined;
  return !kmsKeyId || kmsKeyId === 'default_kms_key_id' ? 'alias/aws/rds' : kmsKeyId;
};

// AWS Config names an instance by its resource id (db-…) in compliance events, a cluster by cluster-….
const DBI_RESOURCE_ID = /^db-[A-Z0-9]{20,}$/;
const CLUSTER_RESOURCE_ID = /^cluster-[A-Z0-9]{20,}$/;

const findInstance = async (id: string, ctx: RuleContext): Promise<DBInstance | undefined> => {
  try {
    const input = DBI_RESOURCE_ID.test(id)
      ? { Filters: [{ Name: 'dbi-resource-id', Values: [id] }] }
      : { DBInstanceIdentifier: id };
    const out = await rds(ctx).send(new DescribeDBInstancesCommand(input));
    return out.DBInstances?.find((d) => d.DBInstanceIdentifier === id || d.DbiResourceId === id);
  } catch (e) {
    if (isAwsNotFound(e, 'rds:DescribeDBInstances')) return undefined;
    throw translateAwsError(e, 'rds:DescribeDBInstances', id);
  }
};

const findCluster = async (id: string, ctx: RuleContext): Promise<DBCluster | undefined> => {
  try {
    if (CLUSTER_RESOURCE_ID.test(id)) {
      for await (const c of allClusters(ctx)) if (c.DbClusterResourceId === id) return c;
      return undefined;
    }
    const out = await rds(ctx).send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
    return out.DBClusters?.find((c) => c.DBClusterIdentifier === id);
  } catch (e) {
    if (isAwsNotFound(e, 'rds:DescribeDBClusters')) return undefined;
    throw translateAwsError(e, 'rds:DescribeDBClusters', id);
  }
};

const allInstances = (ctx: Pick<RuleContext, 'clients' | 'scope'>): AsyncIterable<DBInstance> =>
  itemsOf(
    paginateDescribeDBInstances({ client: rds(ctx), pageSize: 100 }, {}),
    (p) => p.DBInstances,
    'rds:DescribeDBInstances',
  );
const allClusters = (ctx: Pick<RuleContext, 'clients' | 'scope'>): AsyncIterable<DBCluster> =>
  itemsOf(
    paginateDescribeDBClusters({ client: rds(ctx), pageSize: 100 }, {}),
    (p) => p.DBClusters,
    'rds:DescribeDBClusters',
  );

export async function* listIds(ctx: RuleContext, kind: 'instance' | 'cluster'): AsyncIterable<string> {
  if (kind === 'instance') {
    for await (const d of allInstances(ctx)) if (d.DBInstanceIdentifier) yield d.DBInstanceIdentifier;
  } else {
    for await (const c of allClusters(ctx)) if (c.DBClusterIdentifier) yield c.DBClusterIdentifier;
  }
}

const rolesOf = (roles: { RoleArn?: string; FeatureName?: string }[] | undefined) =>
  (roles ?? [])
    .filter((r): r is { RoleArn: string; FeatureName?: string } => !!r.RoleArn)
    .map((r) => ({ roleArn: r.RoleArn, ...(r.FeatureName ? { featureName: r.FeatureName } : {}) }));

const time = (d: Date | string | undefined): number | undefined => (d ? new Date(d).getTime() : undefined);

export const describeInstance = async (id: string, ctx: RuleContext): Promise<RdsDatabaseState | undefined> => {
  const d = await findInstance(id, ctx);
  if (!d?.DBInstanceIdentifier) return undefined;
  const encrypted = d.StorageEncrypted === true;
  const keyRef = keyRefOf(encrypted, d.KmsKeyId);
  return {
    kind: 'instance',
    id: d.DBInstanceIdentifier,
    arn: d.DBInstanceArn ?? `arn:aws:rds:${ctx.scope.region}:${ctx.scope.account ?? ''}:db:${d.DBInstanceIdentifier}`,
    region: ctx.scope.region,
    account: d.DBInstanceArn?.split(':')[4] ?? ctx.scope.account ?? '',
    status: d.DBInstanceStatus ?? 'unknown',
    storageEncrypted: encrypted,
    encryptionType: d.StorageEncryptionType,
    keyRef,
    observedKey: await observeKeyOf(
      ctx.keys,
      keyRef,
      ctx.scope.region,
      d.DBInstanceArn?.split(':')[4] ?? ctx.scope.account,
    ),
    replicaSource: d.ReadReplicaSourceDBInstanceIdentifier || d.ReadReplicaSourceDBClusterIdentifier || undefined,
    clusterId: d.DBClusterIdentifier || undefined,
    createdAt: time(d.InstanceCreateTime),
    tags: tagRecord(d.TagList),
    config: {
      instanceClass: d.DBInstanceClass,
      subnetGroup: d.DBSubnetGroup?.DBSubnetGroupName,
      securityGroupIds: (d.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId).filter((g): g is string => !!g),
      parameterGroup: d.DBParameterGroups?.[0]?.DBParameterGroupName,
      optionGroup: d.OptionGroupMemberships?.[0]?.OptionGroupName,
      multiAz: d.MultiAZ,
      port: d.Endpoint?.Port ?? d.DbInstancePort,
      deletionProtection: d.DeletionProtection,
      backupRetention: d.BackupRetentionPeriod,
      iamAuth: d.IAMDatabaseAuthenticationEnabled,
      monitoringInterval: d.MonitoringInterval,
      monitoringRoleArn: d.MonitoringRoleArn,
      publiclyAccessible: d.PubliclyAccessible,
      engine: d.Engine,
      engineVersion: d.EngineVersion,
      managedMasterSecret: !!d.MasterUserSecret?.SecretArn,
      readReplicas: d.ReadReplicaDBInstanceIdentifiers ?? [],
      cloudwatchLogsExports: d.EnabledCloudwatchLogsExports ?? [],
      caCertificate: d.CACertificateIdentifier,
      autoMinorVersionUpgrade: d.AutoMinorVersionUpgrade,
      networkType: d.NetworkType,
      domain: d.DomainMemberships?.[0]?.Domain,
      domainIamRoleName: d.DomainMemberships?.[0]?.IAMRoleName,
      preferredBackupWindow: d.PreferredBackupWindow,
      preferredMaintenanceWindow: d.PreferredMaintenanceWindow,
      storageType: d.StorageType,
      allocatedStorage: d.AllocatedStorage,
      iops: d.Iops,
      storageThroughput: d.StorageThroughput,
      maxAllocatedStorage: d.MaxAllocatedStorage,
      engineLifecycleSupport: d.EngineLifecycleSupport,
      performanceInsights: d.PerformanceInsightsEnabled === true,
      performanceInsightsKmsKeyId: d.PerformanceInsightsEnabled ? d.PerformanceInsightsKMSKeyId : undefined,
      performanceInsightsRetention: d.PerformanceInsightsEnabled ? d.PerformanceInsightsRetentionPeriod : undefined,
      copyTagsToSnapshot: d.CopyTagsToSnapshot,
      iamRoles: rolesOf(d.AssociatedRoles),
      resourceId: d.DbiResourceId,
    },
  };
};

export const describeCluster = async (id: string, ctx: RuleContext): Promise<RdsDatabaseState | undefined> => {
  const c = await findCluster(id, ctx);
  if (!c?.DBClusterIdentifier) return undefined;
  const encrypted = c.StorageEncrypted === true;
  const keyRef = keyRefOf(encrypted, c.KmsKeyId);
  const members = await Promise.all(
    (c.DBClusterMembers ?? [])
      .filter((m) => m.DBInstanceIdentifier)
      .map(async (m) => {
        const inst = await findInstance(m.DBInstanceIdentifier as string, ctx);
        return {
          id: m.DBInstanceIdentifier as string,
          instanceClass: inst?.DBInstanceClass,
          writer: m.IsClusterWriter === true,
          promotionTier: m.PromotionTier,
        };
      }),
  );
  return {
    kind: 'cluster',
    id: c.DBClusterIdentifier,
    arn:
      c.DBClusterArn ?? `arn:aws:rds:${ctx.scope.region}:${ctx.scope.account ?? ''}:cluster:${c.DBClusterIdentifier}`,
    region: ctx.scope.region,
    account: c.DBClusterArn?.split(':')[4] ?? ctx.scope.account ?? '',
    status: c.Status ?? 'unknown',
    storageEncrypted: encrypted,
    encryptionType: c.StorageEncryptionType,
    keyRef,
    observedKey: await observeKeyOf(
      ctx.keys,
      keyRef,
      ctx.scope.region,
      c.DBClusterArn?.split(':')[4] ?? ctx.scope.account,
    ),
    replicaSource: c.ReplicationSourceIdentifier || undefined,
    createdAt: time(c.ClusterCreateTime),
    tags: tagRecord(c.TagList),
    config: {
      subnetGroup: c.DBSubnetGroup,
      securityGroupIds: (c.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId).filter((g): g is string => !!g),
      parameterGroup: c.DBClusterParameterGroup,
      port: c.Port,
      deletionProtection: c.DeletionProtection,
      backupRetention: c.BackupRetentionPeriod,
      iamAuth: c.IAMDatabaseAuthenticationEnabled,
      monitoringInterval: c.MonitoringInterval,
      monitoringRoleArn: c.MonitoringRoleArn,
      publiclyAccessible: c.PubliclyAccessible,
      engine: c.Engine,
      engineVersion: c.EngineVersion,
      managedMasterSecret: !!c.MasterUserSecret?.SecretArn,
      readReplicas: c.ReadReplicaIdentifiers ?? [],
      members,
      cloudwatchLogsExports: c.EnabledCloudwatchLogsExports ?? [],
      networkType: c.NetworkType,
      domain: c.DomainMemberships?.[0]?.Domain,
      domainIamRoleName: c.DomainMemberships?.[0]?.IAMRoleName,
      preferredBackupWindow: c.PreferredBackupWindow,
      preferredMaintenanceWindow: c.PreferredMaintenanceWindow,
      storageType: c.StorageType,
      engineLifecycleSupport: c.EngineLifecycleSupport,
      copyTagsToSnapshot: c.CopyTagsToSnapshot,
      iamRoles: rolesOf(c.AssociatedRoles),
      resourceId: c.DbClusterResourceId,
      backtrackWindow: c.BacktrackWindow,
      serverlessV2: c.ServerlessV2ScalingConfiguration
        ? { min: c.ServerlessV2ScalingConfiguration.MinCapacity, max: c.ServerlessV2ScalingConfiguration.MaxCapacity }
        : undefined,
      globalCluster: c.GlobalClusterIdentifier || undefined,
      clusterInstanceClass: c.DBClusterInstanceClass,
    },
  };
};

export const describeDatabase = (
  kind: 'instance' | 'cluster',
  id: string,
  ctx: RuleContext,
): Promise<RdsDatabaseState | undefined> =>
  kind === 'instance' ? describeInstance(id, ctx) : describeCluster(id, ctx);
