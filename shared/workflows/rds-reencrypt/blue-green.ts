import {
  AddTagsToResourceCommand,
  type BlueGreenDeployment,
  CreateBlueGreenDeploymentCommand,
  DeleteBlueGreenDeploymentCommand,
  DeleteDBInstanceCommand,
  DescribeBlueGreenDeploymentsCommand,
  SwitchoverBlueGreenDeploymentCommand,
} from '@aws-sdk/client-rds';
import { awsCall, translateAwsError } from '../../aws/errors';
import type { PipelineDeps } from '../../pipeline/context';
import type { RuleContext } from '../../rules/contract';
import type { RdsConfig, RdsDatabaseState } from '../../rules/rds-database/evaluate';
import { describeDatabase, rds } from '../../rules/rds-database/rds-read';
import { REJECTED_ERROR } from '../approval';
import { APPROVAL_TIMEOUT_SECONDS, RETIRED_BLUE_TAG, SWITCHOVER_TIMEOUT_SECONDS, WORKFLOW_TAG } from './names';
import { databasePort } from './database-port';
import { proxiesOf } from './proxies';
import { routeReencryption } from './route';
import type { ReencryptState, StepOutcome } from './state';
import { ctxOf, done, type Step } from './step';

const noun = (s: ReencryptState) => databasePort(s.kind).noun;
/** `arn:aws:rds:r:a:db:name` -> name. */
const idOf = (arn: string | undefined): string => arn?.split(':').slice(6).join(':') ?? '';

/** 0. Which path: Blue/Green where AWS supports it (route.ts, with its sources), else the restore fallback. */
export const route: Step = async (s, deps) => {
  const ctx = ctxOf(s, deps);
  const source = await describeDatabase(s.kind, s.sourceId, ctx);
  if (!source) return done(s, 'route', 'GONE', `${noun(s)} ${s.sourceId} no longer exists: nothing was created`);
  const c = source.config;
  const proxies = await proxiesOf(s.kind, s.sourceId, ctx);
  const r = routeReencryption({
    kind: s.kind,
    engine: c.engine,
    engineVersion: c.engineVersion,
    region: s.region,
    managedMasterSecret: c.managedMasterSecret,
    isReplica: !!source.replicaSource,
    readReplicas: c.readReplicas,
    backtrack: (c.backtrackWindow ?? 0) > 0,
    proxies,
  });
  return done(
    s,
    'route',
    'READY',
    `${r.path === 'BLUE_GREEN' ? 'Blue/Green' : 'snapshot and restore'}: ${r.reason} (${r.source})`,
    { path: r.path, route: { reason: r.reason, source: r.source } },
  );
};

const findDeployment = async (s: ReencryptState, ctx: RuleContext): Promise<BlueGreenDeployment | undefined> => {
  const out = await awsCall('rds:DescribeBlueGreenDeployments', s.names.blueGreen, () =>
    rds(ctx).send(
      new DescribeBlueGreenDeploymentsCommand({
        Filters: [{ Name: 'blue-green-deployment-name', Values: [s.names.blueGreen] }],
      }),
    ),
  );
  return out.BlueGreenDeployments?.[0];
};

const statusOutcome = (status: string | undefined, ready: string): StepOutcome => {
  if (status === ready) return 'READY';
  if (status && /FAILED|INVALID/.test(status)) return 'FAILED';
  return 'WAIT';
};

/**
 * 1 (Blue/Green). Create the deployment: green is a copy of blue kept in sync by replication, encrypted with the
 * CMK (TargetKmsKeyId; Aurora: one entry for the cluster; RDS: one for the instance and one per read replica).
 * Blue is not changed. https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateBlueGreenDeployment.html
 */
export const createGreen: Step = async (s, deps) => {
  const ctx = ctxOf(s, deps);
  let bg = await findDeployment(s, ctx);
  if (!bg) {
    const source = await describeDatabase(s.kind, s.sourceId, ctx);
    if (!source)
      return done(
        s,
        'createGreen',
        'GONE',
        `${noun(s)} ${s.sourceId} no longer exists: no Blue/Green deployment was created`,
      );
    if (source.status !== 'available') return done(s, 'createGreen', 'WAIT', `${s.sourceId} is ${source.status}`);
    const replicaArns =
      s.kind === 'instance'
        ? (source.config.readReplicas ?? []).map((r) =>
            r.startsWith('arn:') ? r : `arn:aws:rds:${s.region}:${s.account}:db:${r}`,
          )
        : [];
    const out = await awsCall('rds:CreateBlueGreenDeployment', s.names.blueGreen, () =>
      rds(ctx).send(
        new CreateBlueGreenDeploymentCommand({
          BlueGreenDeploymentName: s.names.blueGreen,
          Source: source.arn,
          TargetResourceConfigurations: [source.arn, ...replicaArns].map((SourceArn) => ({
            SourceArn,
            TargetKmsKeyId: s.cmkArn,
          })),
          Tags: [{ Key: WORKFLOW_TAG, Value: s.execution }],
        }),
      ),
    );
    bg = (await findDeployment(s, ctx)) ?? out.BlueGreenDeployment;
  }
  const id = bg?.BlueGreenDeploymentIdentifier;
  return done(
    s,
    'createGreen',
    statusOutcome(bg?.Status, 'AVAILABLE'),
    `Blue/Green deployment ${s.names.blueGreen} (${id ?? '?'}) is ${bg?.Status ?? 'missing'}${bg?.StatusDetails ? `: ${bg.StatusDetails}` : ''}`,
    {
      blueGreenId: id,
      greens: (bg?.SwitchoverDetails ?? []).map((d) => ({ blue: idOf(d.SourceMember), green: idOf(d.TargetMember) })),
    },
  );
};

/** Settings green must carry from blue (a different value would change the application's behaviour after switchover).
 * */
const SAME: (keyof RdsConfig)[] = [
  'instanceClass',
  'subnetGroup',
  'parameterGroup',
  'optionGroup',
  'multiAz',
  'port',
  'deletionProtection',
  'backupRetention',
  'iamAuth',
  'monitoringInterval',
  'monitoringRoleArn',
  'publiclyAccessible',
  'engineVersion',
];

export const settingDifferences = (blue: RdsConfig, green: RdsConfig): string[] => {
  const out = SAME.filter((k) => blue[k] !== undefined && blue[k] !== green[k]).map(
    (k) => `${k}: ${String(blue[k])} on blue, ${String(green[k])} on green`,
  );
  if ([...blue.securityGroupIds].sort().join() !== [...green.securityGroupIds].sort().join())
    out.push(
      `securityGroupIds: ${blue.securityGroupIds.join(',')} on blue, ${green.securityGroupIds.join(',')} on green`,
    );
  return out;
};

const onCmk = (d: RdsDatabaseState | undefined, cmk: string) =>
  !!d?.storageEncrypted && d.observedKey?.info?.arn === cmk;

/** 2. Green, freshly read: available, encrypted with the CMK, and every setting of blue present. */
export const verifyGreen: Step = async (s, deps) => {
  const ctx = ctxOf(s, deps);
  const pairs = s.greens ?? [];
  if (!pairs.length)
    return done(s, 'verifyGreen', 'FAILED', `Blue/Green deployment ${s.names.blueGreen} names no green resources`, {
      verified: false,
    });
  const cmk = (await ctx.keys.regionalCmk(s.region)).arn;
  const differences: string[] = [];
  for (const p of pairs) {
    const [blue, green] = await Promise.all([
      describeDatabase(s.kind, p.blue, ctx),
      describeDatabase(s.kind, p.green, ctx),
    ]);
    if (!blue) return done(s, 'verifyGreen', 'GONE', `blue ${noun(s)} ${p.blue} no longer exists`);
    if (!green) return done(s, 'verifyGreen', 'GONE', `green ${noun(s)} ${p.green} no longer exists`);
    if (green.status !== 'available') return done(s, 'verifyGreen', 'WAIT', `green ${p.green} is ${green.status}`);
    if (!onCmk(green, cmk)) {
      return done(
        s,
        'verifyGreen',
        'FAILED',
        `green ${p.green} is ${green.storageEncrypted ? `encrypted with ${green.observedKey?.info?.arn ?? green.keyRef}` : 'not encrypted'}, expected ${cmk}`,
        { verified: false },
      );
    }
    differences.push(...settingDifferences(blue.config, green.config).map((d) => `${p.green}: ${d}`));
  }
  if (differences.length)
    return done(s, 'verifyGreen', 'FAILED', `green does not carry blue's settings: ${differences.join('; ')}`, {
      verified: false,
      differences,
    });
  const gate = deps.policy.gates.cutOver;
  return done(
    s,
    'verifyGreen',
    'READY',
    `green ${pairs.map((p) => p.green).join(', ')} available, encrypted with ${cmk}, settings of blue present`,
    {
      verified: true,
      differences: [],
      approvalRequired: gate ? 'YES' : 'NO',
      approvalTimeoutSeconds: APPROVAL_TIMEOUT_SECONDS,
    },
  );
};

/** The plan the operator approves (or runs by hand with gates.cutOver off). */
export const switchoverPlan = (s: ReencryptState): string =>
  `Switchover plan: SwitchoverBlueGreenDeployment ${s.blueGreenId ?? s.names.blueGreen} with SwitchoverTimeout ${SWITCHOVER_TIMEOUT_SECONDS} s ` +
  `(\`aws rds switchover-blue-green-deployment --blue-green-deployment-identifier ${s.blueGreenId ?? '<id>'} --switchover-timeout ${SWITCHOVER_TIMEOUT_SECONDS}\`): ` +
  `writes to ${s.sourceId} stop for about a minute while RDS checks its guardrails (replication lag, long transactions) and then moves the names and endpoints ` +
  `${(s.greens ?? []).map((p) => `${p.green} -> ${p.blue}`).join(', ')}; blue stays as ${s.sourceId}-old1 (read-only, not replicated to). ` +
  'RDS refuses and rolls back when a guardrail fails; nothing changes then. Afterwards the workflow verifies the production name on the CMK' +
  '; blue is deleted only with gates.deleteOriginals (final snapshot, automated backups kept).';

/** 3. The `.waitForTaskToken` task: record the token, say how to approve. The state waits for the decision. */
export const requestApproval = async (
  s: ReencryptState,
  deps: PipelineDeps,
  taskToken: string | undefined,
  publish: (s: ReencryptState, detail: string) => Promise<void>,
): Promise<ReencryptState> => {
  if (!taskToken)
    throw translateAwsError(
      new Error('requestApproval was called without a task token'),
      'states:SendTaskSuccess',
      s.execution,
    );
  if (!deps.approvals)
    throw translateAwsError(
      new Error('no approval store configured (IDEMPOTENCY_TABLE): the switchover cannot be approved'),
      'dynamodb:PutItem',
      s.execution,
    );
  await publish(
    s,
    `Green verified; waiting up to ${s.approvalTimeoutSeconds ?? APPROVAL_TIMEOUT_SECONDS} s for approval: \`cmk-sentinel approve ${s.execution}\` or \`cmk-sentinel reject ${s.execution}\`. ${switchoverPlan(s)}`,
  );
  // Recorded after the alert: an approval cannot come before the operator was told what it approves.
  await deps.approvals.record(s.execution, taskToken);
  return done(s, 'requestApproval', 'WAIT', 'waiting for approval');
};

/** 3b. The wait ended without approval: rejected or timed out (reported, nothing switched), or broke (abort). */
export const approvalEnded: Step = async (s) => {
  const name = s.error?.Error;
  const rest: ReencryptState = { ...s };
  delete rest.error;
  if (name === REJECTED_ERROR)
    return done(rest, 'approvalEnded', 'READY', s.error?.Cause, {
      approval: { decision: 'REJECTED', detail: s.error?.Cause },
    });
  if (name === 'States.Timeout')
    return done(rest, 'approvalEnded', 'READY', 'no decision before the approval timeout', {
      approval: {
        decision: 'TIMED_OUT',
        detail: `no decision within ${s.approvalTimeoutSeconds ?? APPROVAL_TIMEOUT_SECONDS} s`,
      },
    });
  return done(s, 'approvalEnded', 'FAILED', `the approval wait failed: ${name ?? 'unknown'}: ${s.error?.Cause ?? ''}`);
};

/** 4. Only with gates.cutOver AND an approval of this execution: switch over, with a timeout; RDS enforces the
 * guardrails. */
export const switchover: Step = async (s, deps) => {
  if (!s.verified) return done(s, 'switchover', 'FAILED', 'refusing to switch over: green was not verified');
  if (!deps.policy.gates.cutOver)
    return done(s, 'switchover', 'FAILED', 'refusing to switch over: gates.cutOver is off');
  if (s.approval?.decision !== 'APPROVED')
    return done(s, 'switchover', 'FAILED', 'refusing to switch over: not approved');
  const ctx = ctxOf(s, deps);
  const bg = await findDeployment(s, ctx);
  if (!bg?.BlueGreenDeploymentIdentifier)
    return done(s, 'switchover', 'GONE', `Blue/Green deployment ${s.names.blueGreen} no longer exists`);
  if (bg.Status === 'AVAILABLE' && !s.switchoverRequested) {
    const out = await awsCall('rds:SwitchoverBlueGreenDeployment', bg.BlueGreenDeploymentIdentifier, () =>
      rds(ctx).send(
        new SwitchoverBlueGreenDeploymentCommand({
          BlueGreenDeploymentIdentifier: bg.BlueGreenDeploymentIdentifier,
          SwitchoverTimeout: SWITCHOVER_TIMEOUT_SECONDS,
        }),
      ),
    );
    return done(
      s,
      'switchover',
      'WAIT',
      `switchover of ${s.names.blueGreen} requested: ${out.BlueGreenDeployment?.Status ?? 'unknown'}`,
      { switchoverRequested: true },
    );
  }
  const outcome = statusOutcome(bg.Status, 'SWITCHOVER_COMPLETED');
  // A switchover RDS rolled back (guardrail) leaves the deployment AVAILABLE again: report it, do not retry on our own.
  if (bg.Status === 'AVAILABLE' && s.switchoverRequested)
    return done(
      s,
      'switchover',
      'FAILED',
      `RDS did not switch over ${s.names.blueGreen}: ${bg.StatusDetails ?? 'rolled back'}; blue still serves ${s.sourceId}`,
    );
  return done(
    s,
    'switchover',
    outcome,
    `Blue/Green deployment ${s.names.blueGreen} is ${bg.Status ?? '?'}${bg.StatusDetails ? `: ${bg.StatusDetails}` : ''}`,
  );
};

/** 5. The production name, freshly read, is on the CMK; blue (now `-old1`) is marked so no rule re-encrypts it. */
export const verifySwitchover: Step = async (s, deps) => {
  const ctx = ctxOf(s, deps);
  const live = await describeDatabase(s.kind, s.sourceId, ctx);
  const cmk = (await ctx.keys.regionalCmk(s.region)).arn;
  if (!live) return done(s, 'verifySwitchover', 'WAIT', `${s.sourceId} not visible yet`);
  if (live.status !== 'available') return done(s, 'verifySwitchover', 'WAIT', `${s.sourceId} is ${live.status}`);
  if (!onCmk(live, cmk))
    return done(
      s,
      'verifySwitchover',
      'FAILED',
      `after switchover ${s.sourceId} is ${live.storageEncrypted ? `encrypted with ${live.observedKey?.info?.arn ?? live.keyRef}` : 'not encrypted'}, expected ${cmk}`,
      { switchedOver: false },
    );
  for (const p of s.greens ?? []) {
    const blue = await describeDatabase(s.kind, `${p.blue}-old1`, ctx);
    if (blue && blue.tags[RETIRED_BLUE_TAG] !== p.blue) {
      await awsCall('rds:AddTagsToResource', blue.arn, () =>
        rds(ctx).send(
          new AddTagsToResourceCommand({
            ResourceName: blue.arn,
            Tags: [
              { Key: RETIRED_BLUE_TAG, Value: p.blue },
              { Key: WORKFLOW_TAG, Value: s.execution },
            ],
          }),
        ),
      );
    }
  }
  return done(s, 'verifySwitchover', 'READY', `${s.sourceId} is available and encrypted with ${cmk}`, {
    switchedOver: true,
    cutOver: 'DONE',
  });
};

/**
 * 6. gates.deleteOriginals, after a verified switchover only: delete the deployment (not its resources), then blue's
 * replicas and blue itself, with a final snapshot and automated backups kept (DeleteAutomatedBackups false).
 */
export const deleteBlue: Step = async (s, deps) => {
  if (!deps.policy.gates.deleteOriginals || s.path !== 'BLUE_GREEN' || !s.switchedOver)
    return done(s, 'deleteBlue', 'READY', undefined, { deleted: 'SKIPPED' });
  const ctx = ctxOf(s, deps);
  const db = databasePort(s.kind);
  const cmk = (await ctx.keys.regionalCmk(s.region)).arn;
  if (!onCmk(await describeDatabase(s.kind, s.sourceId, ctx), cmk))
    return done(s, 'deleteBlue', 'FAILED', `refusing to delete blue: ${s.sourceId} is not on the CMK`);
  const bg = await findDeployment(s, ctx);
  if (bg?.BlueGreenDeploymentIdentifier) {
    await awsCall('rds:DeleteBlueGreenDeployment', bg.BlueGreenDeploymentIdentifier, () =>
      rds(ctx).send(
        new DeleteBlueGreenDeploymentCommand({
          BlueGreenDeploymentIdentifier: bg.BlueGreenDeploymentIdentifier,
          DeleteTarget: false,
        }),
      ),
    );
  }
  const [primary, ...replicas] = (s.greens ?? []).map((p) => `${p.blue}-old1`);
  let pending = 0;
  for (const id of [...replicas, primary].filter((x): x is string => !!x)) {
    const blue = await describeDatabase(s.kind, id, ctx);
    if (!blue) continue;
    pending++;
    if (blue.status === 'deleting') continue;
    if (blue.tags[RETIRED_BLUE_TAG] === undefined)
      return done(
        s,
        'deleteBlue',
        'FAILED',
        `refusing to delete ${id}: it is not marked as the retired blue of this workflow`,
      );
    if (blue.config.deletionProtection) {
      await db.disableDeletionProtection(id, ctx);
      continue;
    }
    if (id !== primary) {
      // A read replica holds no data of its own; RDS refuses a final snapshot of one.
      await awsCall('rds:DeleteDBInstance', id, () =>
        rds(ctx).send(
          new DeleteDBInstanceCommand({
            DBInstanceIdentifier: id,
            SkipFinalSnapshot: true,
            DeleteAutomatedBackups: false,
          }),
        ),
      );
      continue;
    }
    if (pending > 1) continue;
    await db.deleteWithFinalSnapshot(id, blue.config, s.names.final, ctx, { keepAutomatedBackups: true });
  }
  if (pending)
    return done(
      s,
      'deleteBlue',
      'WAIT',
      `deleting blue (${pending} resource(s) left; final snapshot ${s.names.final}, automated backups kept)`,
    );
  return done(s, 'deleteBlue', 'READY', `blue deleted (final snapshot ${s.names.final}, automated backups kept)`, {
    deleted: 'DONE',
  });
};
