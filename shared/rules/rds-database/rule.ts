import { SentinelError } from '../../errors';
import {
  executionName,
  RDS_REENCRYPT,
  REENCRYPTED_FROM_TAG,
  reencryptNames,
  RETIRED_BLUE_TAG,
} from '../../workflows/rds-reencrypt/names';
import type { ReencryptState } from '../../workflows/rds-reencrypt/state';
import type { ActionVerdict, EvaluationContext, Finding, Rule, RuleContext, RuleMeta } from '../contract';
import { group, NO_DOWNTIME, type PlannedAction, read, type RulePlan, write } from '../plan';
import { evaluateRdsDatabase, type RdsDatabaseState, type RdsKind } from './evaluate';
import { rdsDatabaseLimits } from './limits';
import { quarantineDatabase } from './quarantine';
import { describeDatabase, listIds } from './rds-read';

/** A database the workflow created, or an original it retired at cut-over, is never a new workflow's source. */
const workflowArtefact = async (s: RdsDatabaseState, ctx: RuleContext): Promise<string | undefined> => {
  if (s.tags[REENCRYPTED_FROM_TAG])
    return `${s.id} is the re-encrypted copy of ${s.tags[REENCRYPTED_FROM_TAG]} made by cmk-sentinel; it did not verify: see that workflow's alert`;
  if (s.tags[RETIRED_BLUE_TAG])
    return `${s.id} is the retired blue of ${s.tags[RETIRED_BLUE_TAG]} after its Blue/Green switchover to the CMK; kept until deleted (gates.deleteOriginals)`;
  const m = /^(.+)-pre-cmk$/.exec(s.id);
  if (m?.[1]) {
    const live = await describeDatabase(s.kind, m[1], ctx);
    if (live?.tags[REENCRYPTED_FROM_TAG] === m[1])
      return `${s.id} is the original of ${m[1]}, retired at cut-over; kept until deleted (gates.deleteOriginals)`;
  }
  return undefined;
};

/** Hand the re-encryption to the workflow engine; a verified copy or a running execution means nothing new to do. */
const startReencryption = async (s: RdsDatabaseState, finding: Finding, ctx: RuleContext): Promise<ActionVerdict> => {
  const artefact = await workflowArtefact(s, ctx);
  if (artefact) return { kind: 'PENDING', changed: false, detail: artefact };
  const names = reencryptNames(s.id);
  const target = await describeDatabase(s.kind, names.target, ctx);
  const cmk = await ctx.keys.regionalCmk(s.region);
  if (
    target?.tags[REENCRYPTED_FROM_TAG] === s.id &&
    target.storageEncrypted &&
    target.observedKey?.info?.arn === cmk.arn
  ) {
    return {
      kind: 'PENDING',
      changed: false,
      detail: `Re-encrypted copy ${names.target} exists (${target.status}); waiting for the operator to cut over (see the workflow's alert) or gates.cutOver`,
    };
  }
  if (!ctx.workflows) {
    throw new SentinelError(
      'AWS_ERROR',
      `No workflow engine configured (RDS_REENCRYPT_STATE_MACHINE_ARN): cannot re-encrypt ${s.kind} ${s.id}`,
      { details: { resource: s.arn } },
    );
  }
  const execution = executionName(s.kind, s.account, s.id, s.createdAt);
  const input: ReencryptState = {
    kind: s.kind,
    account: s.account,
    region: s.region,
    sourceId: s.id,
    sourceArn: s.arn,
    reason: finding.reason ?? 'NON_COMPLIANT',
    observedKey: finding.observedKey,
    cmkArn: cmk.arn,
    names,
    execution,
  };
  const started = await ctx.workflows.start(RDS_REENCRYPT, input as unknown as Record<string, unknown>, execution);
  if (!started.started)
    return {
      kind: 'PENDING',
      changed: false,
      detail: `Re-encryption workflow ${execution} already started for ${s.id}: not started again`,
    };
  return {
    kind: 'PENDING',
    changed: true,
    detail:
      `Started re-encryption workflow ${started.executionId}: Blue/Green deployment ${names.blueGreen} with green on ${cmk.arn} where AWS supports it ` +
      `(switchover ${ctx.policy.gates.cutOver ? 'after an explicit approval (gates.cutOver)' : 'left to the operator'}), else snapshot ${names.snapshot} → ` +
      `${s.kind === 'instance' ? `copy ${names.copy} with the CMK → ` : ''}restore ${names.target} → verify → runbook (never cut over automatically). The original is not stopped or changed`,
  };
};

/**
 * The calls of startReencryption (reads, then the workflow handed over) and of quarantineDatabase. The workflow's own
 * steps are summarised: which path it takes (Blue/Green or snapshot-restore) is decided by the workflow from the
 * engine and what AWS supports there.
 */
const planDatabase = (
  s: RdsDatabaseState,
  finding: Finding,
  ctx: EvaluationContext,
  action: PlannedAction,
): RulePlan => {
  const c = s.kind === 'cluster' ? 'DBCluster' : 'DBInstance';
  const describe = (id: string, purpose: string, o = {}) =>
    read('rds', `Describe${c}s`, { [`${c}Identifier`]: id }, purpose, o);
  if (action === 'QUARANTINE') {
    const tag = ctx.policy.doc.quarantineTag;
    const value = finding.reason ?? 'NON_COMPLIANT';
    const snap = s.kind === 'cluster' ? 'DBClusterSnapshot' : 'DBSnapshot';
    return {
      steps: [
        ...(s.tags[tag] !== value
          ? [write('rds', 'AddTagsToResource', { ResourceName: s.arn, tag: `${tag}=${value}` }, 'mark it quarantined')]
          : []),
        group(
          'close public access: publicly accessible instances, publicly shared manual snapshots; then verify',
          [
            read('rds', 'DescribeDBInstances', { DBInstanceIdentifier: '<each member>' }, 'is it public'),
            read('rds', `Describe${snap}s`, { [`${c}Identifier`]: s.id, SnapshotType: 'manual' }, 'its snapshots'),
            read('rds', `Describe${snap}Attributes`, { [`${snap}Identifier`]: '<each>' }, 'shared publicly?'),
            write('rds', 'ModifyDBInstance', { PubliclyAccessible: false }, 'not publicly accessible'),
            write('rds', `Modify${snap}Attribute`, { AttributeName: 'restore', ValuesToRemove: 'all' }, 'unshare'),
            describe(s.id, 'verify'),
          ],
          { oneOf: true, times: 'any' },
        ),
      ],
      downtime: NO_DOWNTIME,
      cost: [{ class: 'API_REQUESTS', basis: 'per member instance and manual snapshot: a read, a write when public' }],
      notes: ['data untouched; clients from outside the VPC lose access'],
    };
  }
  if (s.tags[REENCRYPTED_FROM_TAG] || s.tags[RETIRED_BLUE_TAG])
    return {
      steps: [],
      downtime: NO_DOWNTIME,
      cost: [],
      notes: [`${s.id} is a workflow's own database: not a source`],
    };
  const names = reencryptNames(s.id);
  const cutOver = ctx.policy.gates.cutOver;
  const live = /^(.+)-pre-cmk$/.exec(s.id)?.[1];
  return {
    steps: [
      ...(live ? [describe(live, 'is this the retired original of a re-encrypted copy')] : []),
      describe(names.target, 'a verified re-encrypted copy means nothing new to start', {
        times: live ? 'optional' : 'once',
      }),
      {
        kind: 'workflow',
        name: RDS_REENCRYPT,
        purpose: 'hand the re-encryption over (Step Functions, or the in-process driver); started once per database',
        input: { kind: s.kind, sourceId: s.id, cmkArn: ctx.cmk.arn },
        steps: [
          group(
            'one of',
            [
              group(`Blue/Green deployment ${names.blueGreen} with green on the CMK (where AWS supports it)`, [
                write('rds', 'CreateBlueGreenDeployment', { BlueGreenDeploymentName: names.blueGreen }, 'green copy'),
                write('rds', 'SwitchoverBlueGreenDeployment', {}, 'switch over', {
                  destructive: true,
                  gate: 'gates.cutOver',
                  when: 'approved',
                }),
              ]),
              group(`snapshot-restore`, [
                write('rds', s.kind === 'cluster' ? 'CreateDBClusterSnapshot' : 'CreateDBSnapshot', {}, names.snapshot),
                ...(s.kind === 'instance'
                  ? [write('rds', 'CopyDBSnapshot', { KmsKeyId: ctx.cmk.arn }, `copy ${names.copy} with the CMK`)]
                  : []),
                write(
                  'rds',
                  `RestoreDB${s.kind === 'cluster' ? 'ClusterFromSnapshot' : 'InstanceFromDBSnapshot'}`,
                  {},
                  `restore ${names.target}, verified`,
                ),
              ]),
            ],
            { oneOf: true },
          ),
        ],
      },
    ],
    downtime: {
      kind: 'OUTAGE_AT_SWITCHOVER',
      duration: cutOver
        ? 'about a minute at the Blue/Green switchover, after an explicit approval'
        : 'none by the service: the cut-over is left to the operator (writes after the snapshot are lost on a restore path)',
    },
    cost: [
      {
        class: 'STORAGE_DUPLICATE',
        basis: 'a second database (instance hours and storage) until the original is deleted',
      },
      { class: 'SNAPSHOT_STORAGE', basis: 'the snapshot and its re-keyed copy on the restore path' },
    ],
    notes: ['the original is not stopped or changed by the workflow; it is kept until deleted (gates.deleteOriginals)'],
  };
};

/** An RDS database type from its metadata (`rdsDatabaseMeta`): the same implementation for instances and Aurora
 * clusters. */
export const rdsDatabaseRule = (kind: RdsKind, meta: RuleMeta): Rule<RdsDatabaseState> => ({
  ...meta,
  list: (ctx) => listIds(ctx, kind),
  describe: (ref, ctx) => describeDatabase(kind, ref.id, ctx),
  evaluate: evaluateRdsDatabase,
  tags: async (state) => state.tags,
  plan: planDatabase,
  limits: rdsDatabaseLimits,
  remediate: startReencryption,
  quarantine: quarantineDatabase,
});
