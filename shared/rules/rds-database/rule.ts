import { SentinelError } from '../../errors';
import {
  executionName,
  RDS_REENCRYPT,
  REENCRYPTED_FROM_TAG,
  reencryptNames,
  RETIRED_BLUE_TAG,
} from '../../workflows/rds-reencrypt/names';
import type { ReencryptState } from '../../workflows/rds-reencrypt/state';
import type { ActionResult, Finding, Rule, RuleContext, RuleMeta } from '../contract';
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
const startReencryption = async (s: RdsDatabaseState, finding: Finding, ctx: RuleContext): Promise<ActionResult> => {
  const artefact = await workflowArtefact(s, ctx);
  if (artefact) return { changed: false, pending: true, detail: artefact };
  const names = reencryptNames(s.id);
  const target = await describeDatabase(s.kind, names.target, ctx);
  const cmk = await ctx.keys.regionalCmk(s.region);
  if (
    target?.tags[REENCRYPTED_FROM_TAG] === s.id &&
    target.storageEncrypted &&
    target.observedKey?.info?.arn === cmk.arn
  ) {
    return {
      changed: false,
      pending: true,
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
      changed: false,
      pending: true,
      detail: `Re-encryption workflow ${execution} already started for ${s.id}: not started again`,
    };
  return {
    changed: true,
    pending: true,
    detail:
      `Started re-encryption workflow ${started.executionId}: Blue/Green deployment ${names.blueGreen} with green on ${cmk.arn} where AWS supports it ` +
      `(switchover ${ctx.policy.gates.cutOver ? 'after an explicit approval (gates.cutOver)' : 'left to the operator'}), else snapshot ${names.snapshot} → ` +
      `${s.kind === 'instance' ? `copy ${names.copy} with the CMK → ` : ''}restore ${names.target} → verify → runbook (never cut over automatically). The original is not stopped or changed`,
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
  limits: rdsDatabaseLimits,
  remediate: startReencryption,
  quarantine: quarantineDatabase,
});
