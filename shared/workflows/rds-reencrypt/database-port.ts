import {
  AddRoleToDBClusterCommand,
  AddRoleToDBInstanceCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterCommand,
  type ModifyDBClusterCommandInput,
  ModifyDBInstanceCommand,
  type ModifyDBInstanceCommandInput,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  type Tag,
} from '@aws-sdk/client-rds';
import { awsCall, isAwsNotFound, translateAwsError } from '../../aws/errors';
import { fitTags } from '../../aws/rds-tags';
import type { RuleContext } from '../../rules/contract';
import type { RdsConfig, RdsKind } from '../../rules/rds-database/evaluate';
import { describeInstance, rds } from '../../rules/rds-database/rds-read';
import { clusterAfterRestore, clusterRestoreSettings, instanceAfterRestore, instanceRestoreSettings } from './carry';
import { createMissingEndpoints, customEndpoints, endpointCopyId } from './extras';
import { memberTargetId, REENCRYPTED_FROM_TAG, WORKFLOW_TAG } from './names';
import type { ReencryptState } from './state';

/**
 * The one place the workflow picks between the RDS instance and cluster twin APIs (CreateDBSnapshot /
 * CreateDBClusterSnapshot, ...): a step asks `databasePort(s.kind)` and calls the operation, not the API.
 * Logic that exists for one kind only (Aurora member instances, custom endpoints) lives in its adapter.
 */

/** Engine defaults (`default.mysql8.0`, `default:mysql-8-0`) are what a restore gets anyway; naming them can only fail.
 * */
export const custom = (group: string | undefined): string | undefined =>
  group && !/^default[.:]/.test(group) ? group : undefined;

/** Members common to RestoreDBInstanceFromDBSnapshot and RestoreDBClusterFromSnapshot. */
export interface CommonRestore {
  VpcSecurityGroupIds?: string[];
  Port?: number;
  DeletionProtection?: boolean;
  EnableIAMDatabaseAuthentication?: boolean;
  BackupRetentionPeriod?: number;
  Tags: Tag[];
  CopyTagsToSnapshot: boolean;
}

/** What the kind-specific tail of `configure` found: READY, or WAIT with what it is waiting for. */
export interface ConfigureTail {
  ready: boolean;
  detail: string;
  dropped: string[];
  endpoints?: { original: string; copy: string }[];
}

export interface CustomEndpointPair {
  original: { id: string; type: string; staticMembers: string[]; excludedMembers: string[] };
  copy: string;
}

export interface DatabasePort {
  readonly kind: RdsKind;
  /** "Instance" / "Cluster", at the start of a sentence. */
  readonly label: string;
  /** "instance" / "Aurora cluster", inside a sentence. */
  readonly noun: string;
  readonly ruleType: 'rds-instance' | 'rds-cluster';
  /** The AWS CLI command and flags an operator renames with. */
  readonly cliModify: string;
  readonly cliRenameFlag: string;
  /** Whether a database in this status can be snapshotted now. */
  snapshottable(status: string | undefined): boolean;
  /** A manual snapshot's status, or undefined when it does not exist. */
  snapshotStatus(id: string, ctx: RuleContext): Promise<string | undefined>;
  createSnapshot(sourceId: string, snapshotId: string, tags: Tag[], ctx: RuleContext): Promise<void>;
  deleteSnapshot(id: string, ctx: RuleContext): Promise<void>;
  /** The snapshot the restore reads (an instance's is the CMK copy; a cluster is re-keyed by the restore itself). */
  restoreSource(s: ReencryptState): { id: string; label: string };
  restore(s: ReencryptState, c: RdsConfig, common: CommonRestore, ctx: RuleContext): Promise<void>;
  /** Settings the restore could not take, as the Modify call's members (empty: nothing to change). */
  afterRestore(source: RdsConfig, target: RdsConfig, cmkArn: string): Record<string, unknown>;
  modify(id: string, change: Record<string, unknown>, ctx: RuleContext): Promise<void>;
  disableDeletionProtection(id: string, ctx: RuleContext): Promise<void>;
  /** Associate one IAM role of the original with the copy; false when this kind cannot take it. */
  addRole(id: string, role: { roleArn: string; featureName?: string }, ctx: RuleContext): Promise<boolean>;
  /** What `configure` does after settings and roles: nothing for an instance; members and endpoints for Aurora. */
  configureTail(s: ReencryptState, c: RdsConfig, ctx: RuleContext): Promise<ConfigureTail>;
  /** The original's custom endpoints and their copies' names (Aurora only). */
  customEndpointPairs(
    sourceId: string,
    targetId: string,
    ctx: RuleContext,
  ): Promise<{ pairs: CustomEndpointPair[]; have: Set<string> }>;
  /**
   * Delete with a final snapshot. A cluster's members go first (RDS refuses a cluster that has any): returns how many
   * were asked to go; the cluster itself is deleted on a later call, once none is left.
   */
  deleteWithFinalSnapshot(
    id: string,
    config: RdsConfig,
    finalSnapshot: string,
    ctx: RuleContext,
    opts?: { keepAutomatedBackups?: boolean },
  ): Promise<{ membersDeleting: number }>;
}

const describeStatus = async (
  action: string,
  id: string,
  call: () => Promise<string | undefined>,
): Promise<string | undefined> => {
  try {
    return await call();
  } catch (e) {
    if (isAwsNotFound(e, action)) return undefined;
    throw translateAwsError(e, action, id);
  }
};

const keepBackups = (opts?: { keepAutomatedBackups?: boolean }) =>
  opts?.keepAutomatedBackups ? { DeleteAutomatedBackups: false } : {};

export const instanceDatabase: DatabasePort = {
  kind: 'instance',
  label: 'Instance',
  noun: 'instance',
  ruleType: 'rds-instance',
  cliModify: 'aws rds modify-db-instance --db-instance-identifier',
  cliRenameFlag: '--new-db-instance-identifier',
  // A stopped instance can be snapshotted (it is not started).
  snapshottable: (status) => status === 'available' || status === 'stopped',
  snapshotStatus: (id, ctx) =>
    describeStatus('rds:DescribeDBSnapshots', id, async () => {
      const out = await rds(ctx).send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }));
      return out.DBSnapshots?.[0]?.Status ?? undefined;
    }),
  createSnapshot: async (sourceId, snapshotId, Tags, ctx) => {
    await awsCall('rds:CreateDBSnapshot', snapshotId, () =>
      rds(ctx).send(
        new CreateDBSnapshotCommand({ DBInstanceIdentifier: sourceId, DBSnapshotIdentifier: snapshotId, Tags }),
      ),
    );
  },
  deleteSnapshot: async (id, ctx) => {
    await awsCall('rds:DeleteDBSnapshot', id, () =>
      rds(ctx).send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id })),
    );
  },
  restoreSource: (s) => ({ id: s.names.copy, label: 'Snapshot' }),
  restore: async (s, c, common, ctx) => {
    await awsCall('rds:RestoreDBInstanceFromDBSnapshot', s.names.target, () =>
      rds(ctx).send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          ...common,
          DBInstanceIdentifier: s.names.target,
          DBSnapshotIdentifier: s.names.copy,
          DBInstanceClass: c.instanceClass,
          DBSubnetGroupName: c.subnetGroup,
          DBParameterGroupName: custom(c.parameterGroup),
          OptionGroupName: custom(c.optionGroup),
          MultiAZ: c.multiAz,
          PubliclyAccessible: c.publiclyAccessible,
          ...instanceRestoreSettings(c),
        }),
      ),
    );
  },
  // Settings RestoreDBInstanceFromDBSnapshot has no member for: ModifyDBInstance, then AddRoleToDBInstance.
  afterRestore: (source, target, cmkArn) => instanceAfterRestore(source, target, cmkArn),
  modify: async (id, change, ctx) => {
    await awsCall('rds:ModifyDBInstance', id, () =>
      rds(ctx).send(
        new ModifyDBInstanceCommand({
          DBInstanceIdentifier: id,
          ApplyImmediately: true,
          ...(change as Partial<ModifyDBInstanceCommandInput>),
        }),
      ),
    );
  },
  disableDeletionProtection: async (id, ctx) => {
    await awsCall('rds:ModifyDBInstance', id, () =>
      rds(ctx).send(
        new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, DeletionProtection: false, ApplyImmediately: true }),
      ),
    );
  },
  addRole: async (id, r, ctx) => {
    // AddRoleToDBInstance requires FeatureName: a role without one cannot be re-added (verify reports it).
    if (!r.featureName) return false;
    await awsCall('rds:AddRoleToDBInstance', id, () =>
      rds(ctx).send(
        new AddRoleToDBInstanceCommand({ DBInstanceIdentifier: id, RoleArn: r.roleArn, FeatureName: r.featureName }),
      ),
    );
    return true;
  },
  configureTail: async (s) => ({
    ready: true,
    detail: `${s.names.target} carries the original's settings`,
    dropped: [],
  }),
  customEndpointPairs: async () => ({ pairs: [], have: new Set() }),
  deleteWithFinalSnapshot: async (id, _config, finalSnapshot, ctx, opts) => {
    await awsCall('rds:DeleteDBInstance', id, () =>
      rds(ctx).send(
        new DeleteDBInstanceCommand({
          DBInstanceIdentifier: id,
          FinalDBSnapshotIdentifier: finalSnapshot,
          ...keepBackups(opts),
        }),
      ),
    );
    return { membersDeleting: 0 };
  },
};

/**
 * Aurora: one new instance per original member, same class, in the new cluster. The first instance created in a
 * cluster is its writer (Aurora User Guide, "Aurora DB clusters"): the original's writer is created first, alone,
 * and the readers only once it is available. Custom endpoints name members: re-created once every member exists.
 */
const createMembers = async (s: ReencryptState, c: RdsConfig, ctx: RuleContext): Promise<ConfigureTail> => {
  const members = [...(c.members ?? [])].sort((a, b) => Number(b.writer) - Number(a.writer));
  let pending = 0;
  const dropped: string[] = [];
  for (const [i, m] of members.entries()) {
    const id = memberTargetId(m.id);
    const existing = await describeInstance(id, ctx);
    if (!existing) {
      const orig = await describeInstance(m.id, ctx);
      const oc = orig?.config;
      const memberTags = fitTags(orig?.tags ?? {}, { [WORKFLOW_TAG]: s.execution, [REENCRYPTED_FROM_TAG]: m.id });
      dropped.push(...memberTags.dropped);
      await awsCall('rds:CreateDBInstance', id, () =>
        rds(ctx).send(
          new CreateDBInstanceCommand({
            DBInstanceIdentifier: id,
            DBClusterIdentifier: s.names.target,
            Engine: c.engine as string,
            DBInstanceClass: m.instanceClass ?? oc?.instanceClass,
            DBParameterGroupName: custom(oc?.parameterGroup),
            PubliclyAccessible: oc?.publiclyAccessible,
            MonitoringInterval: oc?.monitoringInterval || undefined,
            MonitoringRoleArn: oc?.monitoringInterval ? oc.monitoringRoleArn : undefined,
            PromotionTier: m.promotionTier,
            AutoMinorVersionUpgrade: oc?.autoMinorVersionUpgrade,
            CACertificateIdentifier: oc?.caCertificate,
            // Performance Insights is per member in Aurora; its data is kept under the regional CMK.
            ...(oc?.performanceInsights
              ? {
                  EnablePerformanceInsights: true,
                  PerformanceInsightsKMSKeyId: s.cmkArn,
                  PerformanceInsightsRetentionPeriod: oc.performanceInsightsRetention,
                }
              : {}),
            Tags: memberTags.tags,
          }),
        ),
      );
      pending++;
    } else if (existing.status !== 'available') {
      pending++;
    }
    if (i === 0 && pending)
      return { ready: false, detail: `writer ${id} of ${s.names.target} is being created: readers follow`, dropped };
  }
  if (pending)
    return {
      ready: false,
      detail: `${pending} member instance(s) of ${s.names.target} not available yet`,
      dropped,
    };
  const endpoints = await createMissingEndpoints(s.sourceId, s.names.target, ctx);
  return {
    ready: true,
    detail: `${s.names.target} has its member instances and custom endpoints`,
    dropped,
    endpoints: endpoints.map((e) => ({ original: e.original.id, copy: e.copy })),
  };
};

export const clusterDatabase: DatabasePort = {
  kind: 'cluster',
  label: 'Cluster',
  noun: 'Aurora cluster',
  ruleType: 'rds-cluster',
  cliModify: 'aws rds modify-db-cluster --db-cluster-identifier',
  cliRenameFlag: '--new-db-cluster-identifier',
  // A cluster still being created or modified cannot be snapshotted yet.
  snapshottable: (status) => status === 'available',
  snapshotStatus: (id, ctx) =>
    describeStatus('rds:DescribeDBClusterSnapshots', id, async () => {
      const out = await rds(ctx).send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }));
      return out.DBClusterSnapshots?.[0]?.Status ?? undefined;
    }),
  createSnapshot: async (sourceId, snapshotId, Tags, ctx) => {
    await awsCall('rds:CreateDBClusterSnapshot', snapshotId, () =>
      rds(ctx).send(
        new CreateDBClusterSnapshotCommand({
          DBClusterIdentifier: sourceId,
          DBClusterSnapshotIdentifier: snapshotId,
          Tags,
        }),
      ),
    );
  },
  deleteSnapshot: async (id, ctx) => {
    await awsCall('rds:DeleteDBClusterSnapshot', id, () =>
      rds(ctx).send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: id })),
    );
  },
  restoreSource: (s) => ({ id: s.names.snapshot, label: 'Cluster snapshot' }),
  restore: async (s, c, common, ctx) => {
    await awsCall('rds:RestoreDBClusterFromSnapshot', s.names.target, () =>
      rds(ctx).send(
        new RestoreDBClusterFromSnapshotCommand({
          ...common,
          DBClusterIdentifier: s.names.target,
          SnapshotIdentifier: s.names.snapshot,
          Engine: c.engine as string,
          EngineVersion: c.engineVersion,
          // Aurora encrypts (or re-keys) on restore: the KMS key is given here, not by a copy.
          KmsKeyId: s.cmkArn,
          DBSubnetGroupName: c.subnetGroup,
          DBClusterParameterGroupName: custom(c.parameterGroup),
          ...clusterRestoreSettings(c),
        }),
      ),
    );
  },
  afterRestore: (source, target) => clusterAfterRestore(source, target),
  modify: async (id, change, ctx) => {
    await awsCall('rds:ModifyDBCluster', id, () =>
      rds(ctx).send(
        new ModifyDBClusterCommand({
          DBClusterIdentifier: id,
          ApplyImmediately: true,
          ...(change as Partial<ModifyDBClusterCommandInput>),
        }),
      ),
    );
  },
  disableDeletionProtection: async (id, ctx) => {
    await awsCall('rds:ModifyDBCluster', id, () =>
      rds(ctx).send(
        new ModifyDBClusterCommand({ DBClusterIdentifier: id, DeletionProtection: false, ApplyImmediately: true }),
      ),
    );
  },
  addRole: async (id, r, ctx) => {
    await awsCall('rds:AddRoleToDBCluster', id, () =>
      rds(ctx).send(
        new AddRoleToDBClusterCommand({ DBClusterIdentifier: id, RoleArn: r.roleArn, FeatureName: r.featureName }),
      ),
    );
    return true;
  },
  configureTail: createMembers,
  customEndpointPairs: async (sourceId, targetId, ctx) => {
    const [originals, copies] = await Promise.all([customEndpoints(sourceId, ctx), customEndpoints(targetId, ctx)]);
    return {
      pairs: originals.map((original) => ({ original, copy: endpointCopyId(original.id) })),
      have: new Set(copies.map((e) => e.id)),
    };
  },
  deleteWithFinalSnapshot: async (id, config, finalSnapshot, ctx, opts) => {
    const members = config.members ?? [];
    for (const m of members) {
      await awsCall('rds:DeleteDBInstance', m.id, () =>
        rds(ctx)
          .send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: m.id }))
          .catch((e: unknown) => {
            if (!isAwsNotFound(e, 'rds:DeleteDBInstance')) throw e;
          }),
      );
    }
    if (members.length) return { membersDeleting: members.length };
    await awsCall('rds:DeleteDBCluster', id, () =>
      rds(ctx).send(
        new DeleteDBClusterCommand({
          DBClusterIdentifier: id,
          FinalDBSnapshotIdentifier: finalSnapshot,
          ...keepBackups(opts),
        }),
      ),
    );
    return { membersDeleting: 0 };
  },
};

/** The adapter for a kind: chosen once, from `s.kind`. */
export const databasePort = (kind: RdsKind): DatabasePort => (kind === 'cluster' ? clusterDatabase : instanceDatabase);
