import {
  CopyDBSnapshotCommand,
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
  ModifyDBInstanceCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { type Outcome, toAlert } from '../../alerts/alert';
import { isAwsNotFound, translateAwsError } from '../../aws/errors';
import { fitTags } from '../../aws/rds-tags';
import { SentinelError } from '../../errors';
import type { TriggerInfo } from '../../events/normalise';
import type { PipelineDeps } from '../../pipeline/context';
import { ruleContext } from '../../pipeline/scope';
import { reportInvalidEvent } from '../../pipeline/process';
import type { RuleContext } from '../../rules/contract';
import type { RdsDatabaseState } from '../../rules/rds-database/evaluate';
import { describeDatabase, describeInstance, rds } from '../../rules/rds-database/rds-read';
import { endedDetail, endedTrigger, type ExecutionEnd, needsAlert, parseExecutionEnd } from './ended';
import { memberTargetId, RDS_REENCRYPT, REENCRYPTED_FROM_TAG, WORKFLOW_TAG } from './names';
import type { ReencryptState, StepOutcome } from './state';
import {
  clusterAfterRestore,
  clusterRestoreSettings,
  instanceAfterRestore,
  instanceRestoreSettings,
  operatorChecklist,
  restoreDifferences,
} from './carry';
import { addMissingRoles, createMissingEndpoints, customEndpoints, endpointCopyId } from './extras';
import {
  approvalEnded,
  createGreen,
  deleteBlue,
  requestApproval,
  route,
  switchover,
  switchoverPlan,
  verifyGreen,
  verifySwitchover,
} from './blue-green';

type Step = (s: ReencryptState, deps: PipelineDeps) => Promise<ReencryptState>;

const ctxOf = (s: ReencryptState, deps: PipelineDeps): RuleContext => ruleContext(deps, s.account, s.region);

const done = (
  s: ReencryptState,
  step: string,
  outcome: StepOutcome,
  detail?: string,
  extra: Partial<ReencryptState> = {},
): ReencryptState => ({ ...s, ...extra, step, outcome, ...(detail !== undefined ? { detail } : {}) });

/** Tags the 50-tag limit left off (fitTags: the workflow's own tags are kept), added to what the state has. */
const dropping = (s: ReencryptState, dropped: string[]): Partial<ReencryptState> =>
  dropped.length ? { droppedTags: [...new Set([...(s.droppedTags ?? []), ...dropped])].sort() } : {};

/** Engine defaults (`default.mysql8.0`, `default:mysql-8-0`) are what a restore gets anyway; naming them can only fail.
 * */
const custom = (group: string | undefined): string | undefined =>
  group && !/^default[.:]/.test(group) ? group : undefined;

const isReady = (status: string | undefined) => status === 'available';
const isBroken = (status: string | undefined) =>
  status !== undefined && /failed|error|incompatible|inaccessible/.test(status);

const send = async <T>(action: string, resource: string, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (e) {
    throw translateAwsError(e, action, resource);
  }
};

/** A manual snapshot's status (instance or cluster snapshot), or undefined when it does not exist. */
const snapshotStatus = async (
  s: ReencryptState,
  id: string,
  ctx: RuleContext,
  cluster = s.kind === 'cluster',
): Promise<string | undefined> => {
  try {
    if (cluster) {
      const out = await rds(ctx).send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }));
      return out.DBClusterSnapshots?.[0]?.Status ?? undefined;
    }
    const out = await rds(ctx).send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }));
    return out.DBSnapshots?.[0]?.Status ?? undefined;
  } catch (e) {
    if (isAwsNotFound(e, cluster ? 'rds:DescribeDBClusterSnapshots' : 'rds:DescribeDBSnapshots')) return undefined;
    throw translateAwsError(e, cluster ? 'rds:DescribeDBClusterSnapshots' : 'rds:DescribeDBSnapshots', id);
  }
};

const snapshotOutcome = (status: string | undefined): StepOutcome =>
  isReady(status) ? 'READY' : isBroken(status) ? 'FAILED' : 'WAIT';

const gone = (s: ReencryptState, step: string, what: string) =>
  done(
    s,
    step,
    'GONE',
    `${what} no longer exists: the workflow stopped at "${step}" without creating anything further`,
  );

/** 1. Manual snapshot of the original; the original itself is only read. */
export const snapshot: Step = async (s, deps) => {
  const ctx = ctxOf(s, deps);
  const source = await describeDatabase(s.kind, s.sourceId, ctx);
  if (!source) return gone(s, 'snapshot', `${s.kind === 'cluster' ? 'Cluster' : 'Instance'} ${s.sourceId}`);
  let status = await snapshotStatus(s, s.names.snapshot, ctx);
  let extra: Partial<ReencryptState> = {};
  if (status === undefined) {
    // A database still being created or modified cannot be snapshotted yet; a stopped instance can (it is not started).
    const snapshottable = isReady(source.status) || (s.kind === 'instance' && source.status === 'stopped');
    if (!snapshottable) return done(s, 'snapshot', 'WAIT', `${s.sourceId} is ${source.status}`);
    const { tags: Tags, dropped } = fitTags(source.tags, { [WORKFLOW_TAG]: s.execution });
    extra = dropping(s, dropped);
    if (s.kind === 'cluster') {
      await send('rds:CreateDBClusterSnapshot', s.names.snapshot, () =>
        rds(ctx).send(
          new CreateDBClusterSnapshotCommand({
            DBClusterIdentifier: s.sourceId,
            DBClusterSnapshotIdentifier: s.names.snapshot,
            Tags,
          }),
        ),
      );
    } else {
      await send('rds:CreateDBSnapshot', s.names.snapshot, () =>
        rds(ctx).send(
          new CreateDBSnapshotCommand({
            DBInstanceIdentifier: s.sourceId,
            DBSnapshotIdentifier: s.names.snapshot,
            Tags,
          }),
        ),
      );
    }
    status = await snapshotStatus(s, s.names.snapshot, ctx);
  }
  return done(s, 'snapshot', snapshotOutcome(status), `snapshot ${s.names.snapshot} is ${status ?? 'missing'}`, extra);
};

/** 2 (instance). Copy the snapshot under the CMK: the only way RDS adds or changes an instance's key. */
export const copy: Step = async (s, deps) => {
  const ctx = ctxOf(s, deps);
  let status = await snapshotStatus(s, s.names.copy, ctx, false);
  if (status === undefined) {
    if (!(await describeInstance(s.sourceId, ctx))) return gone(s, 'copy', `Instance ${s.sourceId}`);
    if ((await snapshotStatus(s, s.names.snapshot, ctx, false)) === undefined)
      return gone(s, 'copy', `Snapshot ${s.names.snapshot}`);
    await send('rds:CopyDBSnapshot', s.names.copy, () =>
      rds(ctx).send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: s.names.snapshot,
          TargetDBSnapshotIdentifier: s.names.copy,
          KmsKeyId: s.cmkArn,
          CopyTags: true,
        }),
      ),
    );
    status = await snapshotStatus(s, s.names.copy, ctx, false);
  }
  return done(s, 'copy', snapshotOutcome(status), `encrypted copy ${s.names.copy} is ${status ?? 'missing'}`);
};

/** The original's tags, less a quarantine mark (the copy is the fix), plus the workflow's own. */
const targetTags = (s: ReencryptState, source: RdsDatabaseState, quarantineTag: string) => {
  const kept = Object.fromEntries(Object.entries(source.tags).filter(([k]) => k !== quarantineTag));
  return fitTags(kept, { [WORKFLOW_TAG]: s.execution, [REENCRYPTED_FROM_TAG]: s.sourceId });
};

/** 3. Restore a new database under the CMK, carrying over the configuration that matters. */
export const restore: Step = async (s, deps) => {
  const ctx = ctxOf(s, deps);
  let target = await describeDatabase(s.kind, s.names.target, ctx);
  let extra: Partial<ReencryptState> = {};
  if (!target) {
    const source = await describeDatabase(s.kind, s.sourceId, ctx);
    if (!source) return gone(s, 'restore', `${s.kind === 'cluster' ? 'Cluster' : 'Instance'} ${s.sourceId}`);
    const c = source.config;
    const tags = targetTags(s, source, deps.policy.doc.quarantineTag);
    extra = dropping(s, tags.dropped);
    const common = {
      VpcSecurityGroupIds: c.securityGroupIds.length ? c.securityGroupIds : undefined,
      Port: c.port,
      DeletionProtection: c.deletionProtection,
      EnableIAMDatabaseAuthentication: c.iamAuth,
      BackupRetentionPeriod: c.backupRetention || undefined,
      Tags: tags.tags,
      CopyTagsToSnapshot: true,
    };
    if (s.kind === 'cluster') {
      if ((await snapshotStatus(s, s.names.snapshot, ctx)) === undefined)
        return gone(s, 'restore', `Cluster snapshot ${s.names.snapshot}`);
      await send('rds:RestoreDBClusterFromSnapshot', s.names.target, () =>
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
    } else {
      if ((await snapshotStatus(s, s.names.copy, ctx)) === undefined)
        return gone(s, 'restore', `Snapshot ${s.names.copy}`);
      await send('rds:RestoreDBInstanceFromDBSnapshot', s.names.target, () =>
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
    }
    target = await describeDatabase(s.kind, s.names.target, ctx);
  }
  if (!target) return done(s, 'restore', 'WAIT', `${s.names.target} not visible yet`, extra);
  return done(
    s,
    'restore',
    isReady(target.status) ? 'READY' : isBroken(target.status) ? 'FAILED' : 'WAIT',
    `${s.names.target} is ${target.status}`,
    extra,
  );
};

/**
 * 4. Settings a restore cannot take (monitoring on an instance; the member instances of an
 * Aurora cluster) are applied to the NEW database only.
 */
export const configure: Step = async (s, deps) => {
  const ctx = ctxOf(s, deps);
  const [source, target] = await Promise.all([
    describeDatabase(s.kind, s.sourceId, ctx),
    describeDatabase(s.kind, s.names.target, ctx),
  ]);
  if (!source) return gone(s, 'configure', `${s.kind === 'cluster' ? 'Cluster' : 'Instance'} ${s.sourceId}`);
  if (!target) return gone(s, 'configure', `Re-encrypted ${s.kind} ${s.names.target}`);
  if (!isReady(target.status)) return done(s, 'configure', 'WAIT', `${s.names.target} is ${target.status}`);
  const c = source.config;
  if (s.kind === 'instance') {
    // Settings RestoreDBInstanceFromDBSnapshot has no member for: ModifyDBInstance, then AddRoleToDBInstance.
    const change = instanceAfterRestore(c, target.config, s.cmkArn);
    if (Object.keys(change).length) {
      await send('rds:ModifyDBInstance', s.names.target, () =>
        rds(ctx).send(
          new ModifyDBInstanceCommand({ DBInstanceIdentifier: s.names.target, ApplyImmediately: true, ...change }),
        ),
      );
      return done(s, 'configure', 'WAIT', `applied ${Object.keys(change).join(', ')} to ${s.names.target}`);
    }
    const roles = await addMissingRoles('instance', s.names.target, c, target.config, ctx);
    if (roles.length) return done(s, 'configure', 'WAIT', `associated ${roles.join(', ')} with ${s.names.target}`);
    return done(s, 'configure', 'READY', `${s.names.target} carries the original's settings`);
  }
  const clusterChange = clusterAfterRestore(c, target.config);
  if (Object.keys(clusterChange).length) {
    await send('rds:ModifyDBCluster', s.names.target, () =>
      rds(ctx).send(
        new ModifyDBClusterCommand({ DBClusterIdentifier: s.names.target, ApplyImmediately: true, ...clusterChange }),
      ),
    );
    return done(s, 'configure', 'WAIT', `applied ${Object.keys(clusterChange).join(', ')} to ${s.names.target}`);
  }
  const roles = await addMissingRoles('cluster', s.names.target, c, target.config, ctx);
  if (roles.length) return done(s, 'configure', 'WAIT', `associated ${roles.join(', ')} with ${s.names.target}`);
  // Aurora: one new instance per original member, same class, in the new cluster. The first instance created in a
  // cluster is its writer (Aurora User Guide, "Aurora DB clusters"): the original's writer is created first, alone,
  // and the readers only once it is available.
  const members = [...(c.members ?? [])].sort((a, b) => Number(b.writer) - Number(a.writer));
  let pending = 0;
  const memberDropped: string[] = [];
  for (const [i, m] of members.entries()) {
    const id = memberTargetId(m.id);
    const existing = await describeInstance(id, ctx);
    if (!existing) {
      const orig = await describeInstance(m.id, ctx);
      const oc = orig?.config;
      const memberTags = fitTags(orig?.tags ?? {}, { [WORKFLOW_TAG]: s.execution, [REENCRYPTED_FROM_TAG]: m.id });
      memberDropped.push(...memberTags.dropped);
      await send('rds:CreateDBInstance', id, () =>
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
    } else if (!isReady(existing.status)) {
      pending++;
    }
    if (i === 0 && pending)
      return done(
        s,
        'configure',
        'WAIT',
        `writer ${id} of ${s.names.target} is being created: readers follow`,
        dropping(s, memberDropped),
      );
  }
  if (pending)
    return done(
      s,
      'configure',
      'WAIT',
      `${pending} member instance(s) of ${s.names.target} not available yet`,
      dropping(s, memberDropped),
    );
  // Custom endpoints name members: re-created once every member exists.
  const endpoints = await createMissingEndpoints(s.sourceId, s.names.target, ctx);
  return done(s, 'configure', 'READY', `${s.names.target} has its member instances and custom endpoints`, {
    endpoints: endpoints.map((e) => ({ original: e.original.id, copy: e.copy })),
  });
};

/** 5. Fresh read of the new database: available, encrypted, and the key is the regional CMK. */
export const verify: Step = async (s, deps) => {
  const ctx = ctxOf(s, deps);
  const target = await describeDatabase(s.kind, s.names.target, ctx);
  if (!target) return gone(s, 'verify', `Re-encrypted ${s.kind} ${s.names.target}`);
  if (!isReady(target.status)) return done(s, 'verify', 'WAIT', `${s.names.target} is ${target.status}`);
  const cmk = await ctx.keys.regionalCmk(s.region);
  const key = target.observedKey?.info?.arn;
  if (!target.storageEncrypted || key !== cmk.arn) {
    return done(
      s,
      'verify',
      'FAILED',
      `${s.names.target} is ${target.storageEncrypted ? `encrypted with ${key ?? target.keyRef}` : 'not encrypted'}, expected ${cmk.arn}`,
      { verified: false },
    );
  }
  const source = await describeDatabase(s.kind, s.sourceId, ctx);
  const differences = source ? restoreDifferences(s.kind, source.config, target.config, cmk.arn) : [];
  let endpoints: {
    original: { id: string; type: string; staticMembers: string[]; excludedMembers: string[] };
    copy: string;
  }[] = [];
  if (s.kind === 'cluster' && source) {
    const [originals, copies] = await Promise.all([
      customEndpoints(s.sourceId, ctx),
      customEndpoints(s.names.target, ctx),
    ]);
    const have = new Set(copies.map((e) => e.id));
    endpoints = originals.map((original) => ({ original, copy: endpointCopyId(original.id) }));
    for (const e of endpoints)
      if (!have.has(e.copy)) differences.push(`custom endpoint ${e.original.id}: not re-created`);
  }
  return done(s, 'verify', 'READY', `${s.names.target} is available and encrypted with ${cmk.arn}`, {
    verified: true,
    differences,
    operatorTodo: source ? operatorChecklist(s.kind, source.config, target.config, endpoints) : [],
  });
};

const isReencrypted = (d: RdsDatabaseState | undefined, s: ReencryptState) =>
  d?.tags[REENCRYPTED_FROM_TAG] === s.sourceId && d.storageEncrypted;

/**
 * 6. Gate `cutOver`: rename the original to `<id>-pre-cmk`, then the new one to `<id>`,
 * so clients of the old endpoint name reach the re-encrypted data. Resumable at each half.
 */
export const cutOver: Step = async (s) => {
  if (!s.verified)
    return done(s, 'cutOver', 'FAILED', 'refusing to cut over: the re-encrypted database was not verified');
  // The restore path cannot fence writes: every write between the snapshot and a rename would stay on the original.
  // It never cuts over on its own, gates.cutOver or not; the operator follows the runbook in the alert.
  return done(s, 'cutOver', 'READY', 'the restore path never cuts over automatically: see the runbook', {
    cutOver: 'SKIPPED',
  });
};

/**
 * 7. Gate `deleteOriginals`, and only after a verified cut-over: delete the retired original
 * (with a final snapshot, so writes made after the workflow's snapshot are kept) and the
 * unencrypted intermediate snapshot.
 */
export const deleteOriginal: Step = async (s, deps) => {
  if (!deps.policy.gates.deleteOriginals) return done(s, 'deleteOriginal', 'READY', undefined, { deleted: 'SKIPPED' });
  if (!s.verified || s.cutOver !== 'DONE') {
    // Deleting an original that still serves its endpoint would take the data away from its users.
    return done(s, 'deleteOriginal', 'READY', 'deleteOriginals is on but the original was not cut over: kept', {
      deleted: 'SKIPPED',
    });
  }
  const ctx = ctxOf(s, deps);
  // Safety: re-check the database now at the original name before anything is deleted.
  const live = await describeDatabase(s.kind, s.sourceId, ctx);
  const cmk = await ctx.keys.regionalCmk(s.region);
  if (!isReencrypted(live, s) || live?.observedKey?.info?.arn !== cmk.arn) {
    return done(
      s,
      'deleteOriginal',
      'FAILED',
      `refusing to delete: ${s.sourceId} is not the verified re-encrypted ${s.kind}`,
    );
  }
  const retired = await describeDatabase(s.kind, s.names.retired, ctx);
  if (retired) {
    if (retired.status === 'deleting') return done(s, 'deleteOriginal', 'WAIT', `${s.names.retired} is being deleted`);
    if (!isReady(retired.status)) return done(s, 'deleteOriginal', 'WAIT', `${s.names.retired} is ${retired.status}`);
    if (retired.config.deletionProtection) {
      if (s.kind === 'cluster')
        await send('rds:ModifyDBCluster', s.names.retired, () =>
          rds(ctx).send(
            new ModifyDBClusterCommand({
              DBClusterIdentifier: s.names.retired,
              DeletionProtection: false,
              ApplyImmediately: true,
            }),
          ),
        );
      else
        await send('rds:ModifyDBInstance', s.names.retired, () =>
          rds(ctx).send(
            new ModifyDBInstanceCommand({
              DBInstanceIdentifier: s.names.retired,
              DeletionProtection: false,
              ApplyImmediately: true,
            }),
          ),
        );
      return done(s, 'deleteOriginal', 'WAIT', `turned deletion protection off on ${s.names.retired}`);
    }
    if (s.kind === 'cluster') {
      const members = retired.config.members ?? [];
      for (const m of members) {
        await send('rds:DeleteDBInstance', m.id, () =>
          rds(ctx)
            .send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: m.id }))
            .catch((e: unknown) => {
              if (!isAwsNotFound(e, 'rds:DeleteDBInstance')) throw e;
            }),
        );
      }
      if (members.length)
        return done(s, 'deleteOriginal', 'WAIT', `deleting the ${members.length} member(s) of ${s.names.retired}`);
      await send('rds:DeleteDBCluster', s.names.retired, () =>
        rds(ctx).send(
          new DeleteDBClusterCommand({
            DBClusterIdentifier: s.names.retired,
            FinalDBSnapshotIdentifier: s.names.final,
          }),
        ),
      );
    } else {
      await send('rds:DeleteDBInstance', s.names.retired, () =>
        rds(ctx).send(
          new DeleteDBInstanceCommand({
            DBInstanceIdentifier: s.names.retired,
            FinalDBSnapshotIdentifier: s.names.final,
          }),
        ),
      );
    }
    return done(s, 'deleteOriginal', 'WAIT', `deleting ${s.names.retired} (final snapshot ${s.names.final})`);
  }
  if ((await snapshotStatus(s, s.names.snapshot, ctx)) !== undefined) {
    if (s.kind === 'cluster')
      await send('rds:DeleteDBClusterSnapshot', s.names.snapshot, () =>
        rds(ctx).send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: s.names.snapshot })),
      );
    else
      await send('rds:DeleteDBSnapshot', s.names.snapshot, () =>
        rds(ctx).send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: s.names.snapshot })),
      );
  }
  return done(
    s,
    'deleteOriginal',
    'READY',
    `deleted ${s.names.retired} (final snapshot ${s.names.final}) and ${s.names.snapshot}`,
    { deleted: 'DONE' },
  );
};

const TRIGGER = (s: ReencryptState): TriggerInfo => ({
  eventId: s.execution,
  eventName: 'RdsReencryptWorkflow',
  source: 'cmk-sentinel',
});

const ruleType = (s: ReencryptState): 'rds-cluster' | 'rds-instance' =>
  s.kind === 'cluster' ? 'rds-cluster' : 'rds-instance';

/** The workflow's one alert shape: the database, why it was re-encrypted, and what became of it. */
export const publishWorkflowAlert = async (
  s: ReencryptState,
  deps: PipelineDeps,
  o: Pick<Outcome, 'result' | 'actionDetail' | 'error'>,
  trigger: TriggerInfo = TRIGGER(s),
): Promise<void> => {
  const outcome: Outcome = {
    ref: { type: ruleType(s), account: s.account, region: s.region, id: s.sourceId },
    arn: s.sourceArn,
    status: 'NON_COMPLIANT',
    reason: s.reason,
    observedKey: s.observedKey,
    expectedKey: s.cmkArn,
    action: 'REMEDIATE',
    ...o,
  };
  await deps.alerts.publish(toAlert(outcome, trigger, deps.now()));
  // `step` alone read "deleteOriginal VERIFIED" with the gate off: say what became of the original.
  deps.log.info('rds re-encryption workflow alert', {
    workflow: RDS_REENCRYPT,
    execution: s.execution,
    result: o.result,
    lastStep: s.step,
    cutOver: s.cutOver === 'DONE' ? 'done' : 'not done (gates.cutOver off, or not reached)',
    original: s.deleted === 'DONE' ? 'deleted' : 'kept',
  });
};

/** What an operator must do to cut over by hand (gates off). */
export const cutOverInstructions = (s: ReencryptState): string => {
  const cli =
    s.kind === 'cluster'
      ? 'aws rds modify-db-cluster --db-cluster-identifier'
      : 'aws rds modify-db-instance --db-instance-identifier';
  const flag = s.kind === 'cluster' ? '--new-db-cluster-identifier' : '--new-db-instance-identifier';
  return (
    `To cut over: stop writes to ${s.sourceId}; writes made after snapshot ${s.names.snapshot} are not in ${s.names.target} (re-run the workflow, or copy them, if they matter); ` +
    `\`${cli} ${s.sourceId} ${flag} ${s.names.retired} --apply-immediately\`, wait until available, then \`${cli} ${s.names.target} ${flag} ${s.sourceId} --apply-immediately\` ` +
    `so the old endpoint name reaches the re-encrypted ${s.kind}; check the application; then delete ${s.names.retired} when you no longer need it. ` +
    'Move to the copy by hand what a restore cannot carry: IAM database-auth policies (new DbiResourceId), the master-user secret, alarms, read replicas. ' +
    'This path never cuts over on its own: it cannot stop writes to the original.'
  );
};

const blueGreenSummary = (s: ReencryptState): string => {
  const green = (s.greens ?? []).map((p) => p.green).join(', ');
  if (s.switchedOver) {
    return `Blue/Green switchover of ${s.names.blueGreen} done and verified: ${s.sourceId} is encrypted with ${s.cmkArn}; blue is ${s.deleted === 'DONE' ? `deleted (final snapshot ${s.names.final}, automated backups kept)` : `kept as ${s.sourceId}-old1 (gates.deleteOriginals deletes it)`}.`;
  }
  const why =
    s.approval?.decision === 'REJECTED'
      ? `the switchover was rejected (${s.approval.detail ?? ''})`
      : s.approval?.decision === 'TIMED_OUT'
        ? `no approval came (${s.approval.detail ?? 'timed out'})`
        : 'gates.cutOver is off';
  return `Green ${green} of Blue/Green deployment ${s.names.blueGreen} verified: available, encrypted with ${s.cmkArn}, blue's settings present. Not switched over: ${why}; ${s.sourceId} still serves from blue. ${switchoverPlan(s)}`;
};

/** 8. The end: one alert saying what was done and what is left to the operator. */
export const notify: Step = async (s, deps) => {
  if (s.path === 'BLUE_GREEN') {
    await publishWorkflowAlert(s, deps, {
      result: s.switchedOver ? 'VERIFIED' : 'PENDING',
      actionDetail: `${blueGreenSummary(s)} Path: ${s.route?.reason ?? ''} (${s.route?.source ?? ''}).`,
    });
    return done(s, 'notify', 'READY');
  }
  const diffs = s.differences?.length
    ? ` Settings that differ: ${s.differences.join('; ')}.`
    : ' The settings compared match.';
  const why = s.route ? ` Restore path: ${s.route.reason} (${s.route.source}).` : '';
  const todo = s.operatorTodo?.length ? ` Move to the copy by hand: ${s.operatorTodo.join('; ')}.` : '';
  const dropped = s.droppedTags?.length
    ? ` Tags not carried (RDS allows 50 per resource; the workflow's own tags are kept): ${s.droppedTags.join(', ')}.`
    : '';
  const next = `${cutOverInstructions(s)}${todo}${why}`;
  await publishWorkflowAlert(s, deps, {
    result: 'VERIFIED',
    actionDetail: `Re-encrypted copy ${s.names.target} verified: available, encrypted with ${s.cmkArn}.${diffs}${dropped} ${next}`,
  });
  return done(s, 'notify', 'READY');
};

/** A database or artefact vanished mid-way: stop, say what is left, change nothing. */
export const stop: Step = async (s, deps) => {
  await publishWorkflowAlert(s, deps, {
    result: 'FAILED',
    actionDetail: `${s.detail ?? 'a resource disappeared'}. Artefacts already created (if any) are kept: ${s.names.snapshot}, ${s.names.copy}, ${s.names.target}.`,
    error: { code: 'RESOURCE_GONE', message: s.detail ?? 'resource gone', retryable: false },
  });
  return done(s, 'stop', 'GONE', s.detail);
};

/** A step failed (verification, AWS error past its retries): alert with the cause; nothing is cut over or deleted. */
export const abort: Step = async (s, deps) => {
  const failedVerify = s.outcome === 'FAILED' && !s.error;
  const cause = s.error
    ? `${s.error.Error ?? 'Error'}: ${(s.error.Cause ?? '').slice(0, 300)}`
    : (s.detail ?? 'unknown failure');
  await publishWorkflowAlert(s, deps, {
    result: failedVerify && s.step === 'verify' ? 'VERIFICATION_FAILED' : 'FAILED',
    actionDetail: `Re-encryption ${s.error ? `failed after step "${s.step ?? 'start'}"` : `stopped at "${s.step ?? 'unknown step'}"`}: ${cause}. Nothing was cut over or deleted after it. The original ${s.sourceId} ${s.cutOver === 'DONE' ? 'was already cut over' : 'is untouched'}.`,
    error: { code: s.error?.Error ?? 'VERIFICATION_FAILED', message: cause, retryable: false },
  });
  return done(s, 'abort', 'FAILED');
};

export interface ExecutionEndResult {
  alerted: boolean;
  status?: string;
  execution?: string;
  /** Set when the event could not be read: it was logged and alerted as an invalid event. */
  error?: Record<string, unknown>;
}

/**
 * An execution that timed out, was stopped, or failed without its own alert (EventBridge, via serverless.yml):
 * one alert from its start state. An unreadable event gets the invalid-event alert and is not retried.
 */
export const alertExecutionEnd = async (event: unknown, deps: PipelineDeps): Promise<ExecutionEndResult> => {
  let end: ExecutionEnd;
  try {
    end = parseExecutionEnd(event);
  } catch (e) {
    const err = e instanceof SentinelError ? e : new SentinelError('INVALID_EVENT', (e as Error).message);
    return {
      alerted: await reportInvalidEvent(err, event, deps, 'invalid workflow status event'),
      error: err.toJSON(),
    };
  }
  const execution = end.executionArn;
  if (!needsAlert(end)) {
    deps.log.info('workflow ended after its own alert: nothing more to say', {
      workflow: RDS_REENCRYPT,
      execution,
      status: end.status,
      error: end.error,
    });
    return { alerted: false, status: end.status, execution };
  }
  await publishWorkflowAlert(
    end.state,
    deps,
    {
      result: 'FAILED',
      actionDetail: endedDetail(end),
      error: {
        code: `WORKFLOW_${end.status}`,
        message: `${end.state.execution} ${end.status}${end.error ? `: ${end.error}` : ''}`,
        retryable: false,
      },
    },
    endedTrigger(end),
  );
  deps.log.warn('workflow ended without its own alert: alerted for it', {
    workflow: RDS_REENCRYPT,
    execution,
    status: end.status,
    error: end.error,
  });
  return { alerted: true, status: end.status, execution };
};

export const STEPS: Readonly<Record<string, Step>> = {
  route,
  createGreen,
  verifyGreen,
  approvalEnded,
  switchover,
  verifySwitchover,
  deleteBlue,
  snapshot,
  copy,
  restore,
  configure,
  verify,
  cutOver,
  deleteOriginal,
  notify,
  stop,
  abort,
};

export type StepName = keyof typeof STEPS | 'requestApproval';

const publishPending = (s: ReencryptState, deps: PipelineDeps) => (_: ReencryptState, detail: string) =>
  publishWorkflowAlert(s, deps, { result: 'PENDING', actionDetail: detail });

/** `taskToken` comes with the `.waitForTaskToken` task (requestApproval) only. */
export const runStep = async (
  step: string,
  state: ReencryptState,
  deps: PipelineDeps,
  taskToken?: string,
): Promise<ReencryptState> => {
  if (step === 'requestApproval') return requestApproval(state, deps, taskToken, publishPending(state, deps));
  const fn = STEPS[step];
  if (!fn) throw new Error(`unknown workflow step "${step}"`);
  return fn(state, deps);
};
