import { RDS_TAG_LIMIT } from '../../aws/rds-tags';
import { SentinelError } from '../../errors';
import type { Rule, RuleContext, RuleMeta } from '../contract';
import { group, NO_DOWNTIME, type PlanStep, read, type RulePlan, write } from '../plan';
import { clusterSnapshots, instanceSnapshots, type SnapshotApi } from './api';
import {
  copyIdFor,
  copyVerified,
  evaluateRdsSnapshot,
  keyIssueOf,
  rdsSnapshotLimits,
  type RdsSnapshotState,
  type SnapshotCopyState,
  SUPERSEDED_TAG,
} from './evaluate';
import { rdsClusterSnapshotMeta, rdsSnapshotMeta } from './meta';

/** The emulator reports `default_kms_key_id`, real AWS may omit the id: both mean the AWS-managed aws/rds key. */
const rdsKeyRef = (ref: string | undefined): string => (!ref || ref === 'default_kms_key_id' ? 'alias/aws/rds' : ref);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long remediate waits in-process for a copy to become available; the rest is left to the next event or the
 * backfill. */
export const copyWaitSettings = (env: NodeJS.ProcessEnv = process.env): { budgetMs: number; intervalMs: number } => ({
  budgetMs: Number(env.CMK_SENTINEL_SNAPSHOT_WAIT_SECONDS ?? 20) * 1000,
  intervalMs: Number(env.CMK_SENTINEL_SNAPSHOT_POLL_SECONDS ?? 2) * 1000,
});

const IN_PROGRESS = new Set(['creating', 'copying', 'pending']);

const readCopy = async (
  api: SnapshotApi,
  id: string,
  region: string,
  ctx: RuleContext,
): Promise<SnapshotCopyState | undefined> => {
  const raw = await api.describe(id, ctx);
  if (!raw) return undefined;
  return {
    id: raw.id,
    status: raw.status,
    encrypted: raw.encrypted,
    observedKey: raw.encrypted ? await ctx.keys.observe(rdsKeyRef(raw.keyRef), region) : undefined,
  };
};

const waitForCopy = async (
  api: SnapshotApi,
  id: string,
  region: string,
  ctx: RuleContext,
): Promise<SnapshotCopyState | undefined> => {
  const { budgetMs, intervalMs } = copyWaitSettings();
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const copy = await readCopy(api, id, region, ctx);
    if (!copy || !IN_PROGRESS.has(copy.status) || Date.now() >= deadline) return copy;
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
};

/** The calls of remediate / quarantine below, in their order (the instance and cluster APIs differ in names only). */
const planSnapshot = (
  api: SnapshotApi,
  state: RdsSnapshotState,
  tag: { key: string; value: string },
  cmk: Parameters<typeof keyIssueOf>[2],
  deleteOriginals: boolean,
  action: 'REMEDIATE' | 'QUARANTINE',
): RulePlan => {
  const c = api.kind === 'cluster' ? 'DBCluster' : 'DB';
  const idField = `${c}SnapshotIdentifier`;
  const id = { [idField]: state.id };
  const describe = (ident: string, purpose: string, o = {}) =>
    read('rds', `Describe${c}Snapshots`, { [idField]: ident }, purpose, o);
  const attributes = (purpose: string) => read('rds', `Describe${c}SnapshotAttributes`, id, purpose);
  const unshare = (values: string, o = {}) =>
    write(
      'rds',
      `Modify${c}SnapshotAttribute`,
      { ...id, AttributeName: 'restore', ValuesToRemove: values },
      'remove restore sharing',
      o,
    );
  const addTag = (t: string, purpose: string, o = {}) =>
    write('rds', 'AddTagsToResource', { ResourceName: state.arn, Tags: t }, purpose, o);
  if (action === 'QUARANTINE')
    return {
      steps: [
        attributes('read who may restore the snapshot now'),
        { ...unshare('every account it is shared with', { times: 'optional', when: 'it is shared' }) },
        ...(state.tags[tag.key] === undefined ? [addTag(`${tag.key}=${tag.value}`, 'mark it quarantined')] : []),
        group(
          'verify: fresh reads of the tag and the sharing',
          [
            group('describe, then attributes', [describe(state.id, 'tag'), attributes('sharing')]),
            group('attributes, then describe', [attributes('sharing'), describe(state.id, 'tag')]),
          ],
          { oneOf: true },
        ),
      ],
      downtime: NO_DOWNTIME,
      cost: [{ class: 'API_REQUESTS', basis: 'up to 5 RDS calls' }],
      notes: ['snapshot data untouched'],
    };
  const steps: PlanStep[] = [];
  if (state.restoreShares.includes('all')) steps.push(unshare('all'));
  if (!keyIssueOf(state.encrypted, state.observedKey, cmk, state.region) || rdsSnapshotLimits(state).remediate)
    return { steps, downtime: NO_DOWNTIME, cost: [], notes: steps.length ? [] : ['nothing to re-key'] };
  const copyId = copyIdFor(state.id);
  if (!state.copy)
    steps.push(
      write(
        'rds',
        `Copy${c}Snapshot`,
        { [`Source${idField}`]: state.id, [`Target${idField}`]: copyId, KmsKeyId: cmk.arn, CopyTags: true },
        'make a copy encrypted with the regional CMK (tags copied); the original is kept',
      ),
    );
  steps.push(
    describe(copyId, 'wait (in this run, up to its budget) for the copy to be available and verify its key', {
      times: 'some',
    }),
  );
  const after: PlanStep[] = [];
  if (state.tags[SUPERSEDED_TAG] !== copyId)
    after.push(addTag(`${SUPERSEDED_TAG}=${copyId}`, 'point the original at its verified copy'));
  if (deleteOriginals)
    after.push(
      write('rds', `Delete${c}Snapshot`, id, 'delete the original, its copy verified first', {
        destructive: true,
        gate: 'gates.deleteOriginals',
      }),
    );
  if (after.length)
    steps.push(
      group('after the copy verified', after, { times: 'optional', when: 'the copy is available on the CMK' }),
    );
  return {
    steps,
    downtime: NO_DOWNTIME,
    cost: [
      {
        class: 'SNAPSHOT_STORAGE',
        basis: `a full copy of the snapshot${deleteOriginals ? ' until the original is deleted' : ', the original kept (gates.deleteOriginals off)'}`,
      },
      { class: 'KMS_REQUESTS', basis: 'a few per copy (RDS data keys)' },
    ],
    notes: [
      state.copy ? `the re-keyed copy ${copyId} already exists: it is verified, not made again` : `copy ${copyId}`,
      'a copy still copying when the wait budget ends is verified by the next event or the backfill',
    ],
  };
};

const makeRule = (meta: RuleMeta, api: SnapshotApi): Rule<RdsSnapshotState> => ({
  ...meta,

  list: (ctx) => api.list(ctx),

  async describe(ref, ctx) {
    const raw = await api.describe(ref.id, ctx);
    if (!raw) return undefined;
    const observedKey = raw.encrypted ? await ctx.keys.observe(rdsKeyRef(raw.keyRef), ref.region) : undefined;
    // Automated snapshots cannot be shared, AWS Backup's are AWS Backup's: no attribute call for them.
    const restoreShares = raw.automated || raw.awsBackup ? [] : await api.restoreShares(raw.id, ctx);
    const state: RdsSnapshotState = {
      kind: api.kind,
      id: raw.id,
      arn: raw.arn,
      region: ref.region,
      automated: raw.automated,
      awsBackup: raw.awsBackup,
      status: raw.status,
      encrypted: raw.encrypted,
      observedKey,
      restoreShares,
      tags: raw.tags,
    };
    // The deterministic copy matters only for a manual snapshot on the wrong key.
    if (
      !raw.automated &&
      !raw.awsBackup &&
      keyIssueOf(raw.encrypted, observedKey, await ctx.keys.regionalCmk(ref.region), ref.region)
    ) {
      state.copy = await readCopy(api, copyIdFor(raw.id), ref.region, ctx);
    }
    return state;
  },

  evaluate: evaluateRdsSnapshot,

  tags: async (state) => state.tags,

  limits: rdsSnapshotLimits,

  plan: (state, finding, ctx, action) =>
    planSnapshot(
      api,
      state,
      { key: ctx.policy.doc.quarantineTag, value: finding.reason ?? 'NON_COMPLIANT' },
      ctx.cmk,
      ctx.policy.gates.deleteOriginals,
      action,
    ),

  async remediate(state, _finding, ctx) {
    const cmk = await ctx.keys.regionalCmk(state.region);
    const arn = state.arn;
    const steps: string[] = [];
    let changed = false;
    if (state.restoreShares.includes('all')) {
      await api.unshare(state.id, ['all'], ctx);
      steps.push('removed public restore sharing');
      changed = true;
    }
    if (!keyIssueOf(state.encrypted, state.observedKey, cmk, state.region))
      return { kind: 'DONE', changed, detail: steps.join('; ') || 'Nothing to change' };
    const cannot = rdsSnapshotLimits(state).remediate;
    if (cannot) return { kind: 'DONE', changed, detail: [...steps, `not re-encrypted: ${cannot}`].join('; ') };

    const copyId = copyIdFor(state.id);
    if (!state.copy) {
      await api.copy(state.id, copyId, cmk.arn, ctx);
      steps.push(`copied to ${copyId} encrypted with ${cmk.arn} (tags copied)`);
      changed = true;
    } else {
      steps.push(`re-keyed copy ${copyId} already exists`);
    }
    const copy = await waitForCopy(api, copyId, state.region, ctx);
    if (!copy)
      throw new SentinelError('RESOURCE_GONE', `The copy ${copyId} of ${state.id} disappeared before it was verified`, {
        details: { resource: copyId },
      });
    if (IN_PROGRESS.has(copy.status)) {
      return {
        kind: 'PENDING',
        changed: true,
        detail: `${steps.join('; ')}; ${copyId} is still ${copy.status}: the next event or the backfill verifies it, then tags the original (nothing is deleted before)`,
      };
    }
    if (!copyVerified(copy, cmk, state.region)) {
      return {
        kind: 'DONE',
        changed,
        detail: `${steps.join('; ')}; but ${copyId} is ${copy.status} and not encrypted with the regional CMK (${copy.observedKey?.info?.arn ?? copy.observedKey?.ref ?? 'unencrypted'}): rename or delete it so a fresh copy can be made`,
      };
    }
    const full = Object.keys(state.tags).filter((k) => k !== SUPERSEDED_TAG).length >= RDS_TAG_LIMIT;
    if (state.tags[SUPERSEDED_TAG] !== copyId && full) {
      // The original's tags are the owner's: none is removed to make room for ours.
      steps.push(
        `verified ${copyId}; the original carries ${RDS_TAG_LIMIT} tags (the RDS limit), so it is not tagged ${SUPERSEDED_TAG} and stays reported until deleted`,
      );
    } else if (state.tags[SUPERSEDED_TAG] !== copyId) {
      await api.tag(arn, { [SUPERSEDED_TAG]: copyId }, ctx);
      steps.push(`verified ${copyId} and tagged the original ${SUPERSEDED_TAG}=${copyId}`);
      changed = true;
    }
    const others = state.restoreShares.filter((v) => v !== 'all');
    if (others.length)
      steps.push(
        `the original is shared with ${others.join(', ')}; the copy is not: share it again if still intended (those accounts need use of the CMK)`,
      );
    if (ctx.policy.gates.deleteOriginals) {
      await api.remove(state.id, ctx);
      steps.push('deleted the original (policy gate deleteOriginals on, copy verified first)');
      return { kind: 'REPLACED', changed: true, replacement: copyId, detail: steps.join('; ') };
    }
    steps.push('original kept (policy gate deleteOriginals off): delete it once nothing needs it');
    return { kind: 'DONE', changed, detail: steps.join('; ') };
  },

  async quarantine(state, finding, ctx) {
    const arn = state.arn;
    const tagKey = ctx.policy.doc.quarantineTag;
    const tagValue = finding.reason ?? 'NON_COMPLIANT';
    const shares = await api.restoreShares(state.id, ctx);
    if (shares.length) await api.unshare(state.id, shares, ctx);
    // Already quarantined (for this or an earlier reason): the first tag stays, no new alert.
    const tagged = state.tags[tagKey] === undefined;
    if (tagged) await api.tag(arn, { [tagKey]: tagValue }, ctx);
    // Verify with fresh reads.
    const [after, sharesAfter] = await Promise.all([api.describe(state.id, ctx), api.restoreShares(state.id, ctx)]);
    const who = shares.map((s) => (s === 'all' ? 'public' : `account ${s}`)).join(', ');
    return {
      kind: 'DONE',
      changed: shares.length > 0 || tagged,
      verified: sharesAfter.length === 0 && after?.tags[tagKey] !== undefined,
      detail: `${shares.length ? `Removed restore sharing (${who}) and tagged` : 'Tagged'} ${tagKey}=${state.tags[tagKey] ?? tagValue}; snapshot data untouched`,
    };
  },
});

export const rdsSnapshotRule = makeRule(rdsSnapshotMeta, instanceSnapshots);

export const rdsClusterSnapshotRule = makeRule(rdsClusterSnapshotMeta, clusterSnapshots);
