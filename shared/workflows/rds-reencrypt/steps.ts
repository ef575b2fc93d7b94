import { CopyDBSnapshotCommand } from '@aws-sdk/client-rds';
import { type Outcome, toAlert } from '../../alerts/alert';
import { awsCall } from '../../aws/errors';
import { fitTags } from '../../aws/rds-tags';
import { SentinelError } from '../../errors';
import type { TriggerInfo } from '../../events/normalise';
import type { PipelineDeps } from '../../pipeline/context';
import { reportInvalidEvent } from '../../pipeline/process';
import type { RdsDatabaseState } from '../../rules/rds-database/evaluate';
import { describeDatabase, describeInstance, rds } from '../../rules/rds-database/rds-read';
import { endedDetail, endedTrigger, type ExecutionEnd, needsAlert, parseExecutionEnd } from './ended';
import { RDS_REENCRYPT, REENCRYPTED_FROM_TAG, WORKFLOW_TAG } from './names';
import type { ReencryptState, StepOutcome } from './state';
import { ctxOf, done, type Step } from './step';
import { missingRoles, operatorChecklist, restoreDifferences } from './carry';
import { type CustomEndpointPair, type DatabasePort, databasePort, instanceDatabase } from './database-port';
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

/** Tags the 50-tag limit left off (fitTags: the workflow's own tags are kept), added to what the state has. */
const dropping = (s: ReencryptState, dropped: string[]): Partial<ReencryptState> =>
  dropped.length ? { droppedTags: [...new Set([...(s.droppedTags ?? []), ...dropped])].sort() } : {};

const isReady = (status: string | undefined) => status === 'available';
const isBroken = (status: string | undefined) =>
  status !== undefined && /failed|error|incompatible|inaccessible/.test(status);

const portOf = (s: ReencryptState): DatabasePort => databasePort(s.kind);

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
  const db = portOf(s);
  const source = await describeDatabase(s.kind, s.sourceId, ctx);
  if (!source) return gone(s, 'snapshot', `${db.label} ${s.sourceId}`);
  let status = await db.snapshotStatus(s.names.snapshot, ctx);
  let extra: Partial<ReencryptState> = {};
  if (status === undefined) {
    // A database still being created or modified cannot be snapshotted yet.
    if (!db.snapshottable(source.status)) return done(s, 'snapshot', 'WAIT', `${s.sourceId} is ${source.status}`);
    const { tags: Tags, dropped } = fitTags(source.tags, { [WORKFLOW_TAG]: s.execution });
    extra = dropping(s, dropped);
    await db.createSnapshot(s.sourceId, s.names.snapshot, Tags, ctx);
    status = await db.snapshotStatus(s.names.snapshot, ctx);
  }
  return done(s, 'snapshot', snapshotOutcome(status), `snapshot ${s.names.snapshot} is ${status ?? 'missing'}`, extra);
};

/** 2 (instance). Copy the snapshot under the CMK: the only way RDS adds or changes an instance's key. */
export const copy: Step = async (s, deps) => {
  const ctx = ctxOf(s, deps);
  let status = await instanceDatabase.snapshotStatus(s.names.copy, ctx);
  if (status === undefined) {
    if (!(await describeInstance(s.sourceId, ctx))) return gone(s, 'copy', `Instance ${s.sourceId}`);
    if ((await instanceDatabase.snapshotStatus(s.names.snapshot, ctx)) === undefined)
      return gone(s, 'copy', `Snapshot ${s.names.snapshot}`);
    await awsCall('rds:CopyDBSnapshot', s.names.copy, () =>
      rds(ctx).send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: s.names.snapshot,
          TargetDBSnapshotIdentifier: s.names.copy,
          KmsKeyId: s.cmkArn,
          CopyTags: true,
        }),
      ),
    );
    status = await instanceDatabase.snapshotStatus(s.names.copy, ctx);
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
  const db = portOf(s);
  let target = await describeDatabase(s.kind, s.names.target, ctx);
  let extra: Partial<ReencryptState> = {};
  if (!target) {
    const source = await describeDatabase(s.kind, s.sourceId, ctx);
    if (!source) return gone(s, 'restore', `${db.label} ${s.sourceId}`);
    const c = source.config;
    const tags = targetTags(s, source, deps.policy.doc.quarantineTag);
    extra = dropping(s, tags.dropped);
    const from = db.restoreSource(s);
    if ((await db.snapshotStatus(from.id, ctx)) === undefined) return gone(s, 'restore', `${from.label} ${from.id}`);
    await db.restore(
      s,
      c,
      {
        VpcSecurityGroupIds: c.securityGroupIds.length ? c.securityGroupIds : undefined,
        Port: c.port,
        DeletionProtection: c.deletionProtection,
        EnableIAMDatabaseAuthentication: c.iamAuth,
        BackupRetentionPeriod: c.backupRetention || undefined,
        Tags: tags.tags,
        CopyTagsToSnapshot: true,
      },
      ctx,
    );
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
  const db = portOf(s);
  const [source, target] = await Promise.all([
    describeDatabase(s.kind, s.sourceId, ctx),
    describeDatabase(s.kind, s.names.target, ctx),
  ]);
  if (!source) return gone(s, 'configure', `${db.label} ${s.sourceId}`);
  if (!target) return gone(s, 'configure', `Re-encrypted ${s.kind} ${s.names.target}`);
  if (!isReady(target.status)) return done(s, 'configure', 'WAIT', `${s.names.target} is ${target.status}`);
  const c = source.config;
  const change = db.afterRestore(c, target.config, s.cmkArn);
  if (Object.keys(change).length) {
    await db.modify(s.names.target, change, ctx);
    return done(s, 'configure', 'WAIT', `applied ${Object.keys(change).join(', ')} to ${s.names.target}`);
  }
  // AddRoleToDBInstance / AddRoleToDBCluster for each role of the original the copy lacks.
  const roles: string[] = [];
  for (const r of missingRoles(c, target.config)) if (await db.addRole(s.names.target, r, ctx)) roles.push(r.roleArn);
  if (roles.length) return done(s, 'configure', 'WAIT', `associated ${roles.join(', ')} with ${s.names.target}`);
  const tail = await db.configureTail(s, c, ctx);
  if (!tail.ready) return done(s, 'configure', 'WAIT', tail.detail, dropping(s, tail.dropped));
  return done(s, 'configure', 'READY', tail.detail, tail.endpoints ? { endpoints: tail.endpoints } : {});
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
  let endpoints: CustomEndpointPair[] = [];
  if (source) {
    const { pairs, have } = await portOf(s).customEndpointPairs(s.sourceId, s.names.target, ctx);
    endpoints = pairs;
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
  const db = portOf(s);
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
      await db.disableDeletionProtection(s.names.retired, ctx);
      return done(s, 'deleteOriginal', 'WAIT', `turned deletion protection off on ${s.names.retired}`);
    }
    const { membersDeleting } = await db.deleteWithFinalSnapshot(s.names.retired, retired.config, s.names.final, ctx);
    if (membersDeleting)
      return done(s, 'deleteOriginal', 'WAIT', `deleting the ${membersDeleting} member(s) of ${s.names.retired}`);
    return done(s, 'deleteOriginal', 'WAIT', `deleting ${s.names.retired} (final snapshot ${s.names.final})`);
  }
  if ((await db.snapshotStatus(s.names.snapshot, ctx)) !== undefined) await db.deleteSnapshot(s.names.snapshot, ctx);
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

/** The workflow's one alert shape: the database, why it was re-encrypted, and what became of it. */
export const publishWorkflowAlert = async (
  s: ReencryptState,
  deps: PipelineDeps,
  o: Pick<Outcome, 'result' | 'actionDetail' | 'error'>,
  trigger: TriggerInfo = TRIGGER(s),
): Promise<void> => {
  const outcome: Outcome = {
    ref: { type: portOf(s).ruleType, account: s.account, region: s.region, id: s.sourceId },
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
  const { cliModify: cli, cliRenameFlag: flag } = portOf(s);
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
