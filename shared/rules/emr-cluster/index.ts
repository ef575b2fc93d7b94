import { tagRecord } from '../../aws/tags';
import {
  AddTagsCommand,
  type Cluster,
  DescribeClusterCommand,
  EMRClient,
  ListClustersCommand,
  TerminateJobFlowsCommand,
} from '@aws-sdk/client-emr';
import { GetInstanceProfileCommand, IAMClient } from '@aws-sdk/client-iam';
import { isAwsNotFound, translateAwsError } from '../../aws/errors';
import type { ActionVerdict, Finding, Rule, RuleContext, VerdictOf } from '../contract';
import { ensureCompliantCopy, readSecurityConfiguration } from '../../emr/store';
import { compliantCopySteps } from '../../emr/compliant-copy-plan';
import { NO_DOWNTIME, type PlanStep, type RulePlan, read, write } from '../plan';
import type { EvaluationContext } from '../contract';
import { compliantCopyName } from '../../emr/compliant-copy';
import { CONFIGURATION_REASONS, type EmrClusterState, ENDED_STATES, evaluateEmrCluster } from './evaluate';
import { readCmkAccess } from '../../kms/cmk-access';
import { emrClusterMeta } from './meta';

export type { EmrClusterState };

const ACTIVE_STATES = ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING'] as const;

const emr = (ctx: RuleContext): EMRClient => ctx.clients.get(EMRClient, ctx.scope);

const readCluster = async (id: string, ctx: RuleContext): Promise<Cluster | undefined> => {
  try {
    return (await emr(ctx).send(new DescribeClusterCommand({ ClusterId: id }))).Cluster;
  } catch (e) {
    if (isAwsNotFound(e, 'elasticmapreduce:DescribeCluster')) return undefined;
    throw translateAwsError(e, 'elasticmapreduce:DescribeCluster', id);
  }
};

/** The role inside an instance profile; a profile IAM does not know is assumed to hold the role of the same name (EMR's
 * default roles do). */
const instanceRole = async (
  profile: string,
  account: string,
  ctx: RuleContext,
): Promise<EmrClusterState['instanceRole']> => {
  const name = profile.split('/').pop() as string;
  try {
    const out = await ctx.clients
      .get(IAMClient, ctx.scope)
      .send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
    const arn = out.InstanceProfile?.Roles?.[0]?.Arn;
    if (arn) return { arn, source: 'IAM' };
  } catch (e) {
    if (!isAwsNotFound(e, 'iam:GetInstanceProfile')) throw translateAwsError(e, 'iam:GetInstanceProfile', name);
  }
  return { arn: `arn:aws:iam::${account}:role/${name}`, source: 'SAME_NAME' };
};

const readKeyAccess = readCmkAccess;

const tagsOf = (c: Cluster): Record<string, string> => tagRecord(c.Tags);

/** What to relaunch with: the compliant copy of the cluster's configuration, made now when the policy lets that rule
 * remediate. */
const relaunchAdvice = async (state: EmrClusterState, ctx: RuleContext): Promise<string> => {
  const cmk = await ctx.keys.regionalCmk(state.region);
  const needs = `a security configuration that encrypts S3 with SSE-KMS or CSE-KMS and local disks (EBS included) with AwsKms using ${cmk.arn}, with in-transit encryption on`;
  const cfg = state.securityConfiguration;
  if (!cfg || cfg === 'GONE') return `relaunch it with ${needs}`;
  if (ctx.policy.modeFor('emr-security-configuration') === 'remediate') {
    const copy = await ensureCompliantCopy(cfg, ctx);
    if ('why' in copy) return `relaunch it with ${needs} (no compliant copy of ${cfg.name} can be made: ${copy.why})`;
    return `relaunch it with security configuration ${copy.name}${copy.created ? ' (created now beside ' + cfg.name + ')' : ''}`;
  }
  const name = compliantCopyName(cfg.name, cmk);
  const exists = await readSecurityConfiguration(name, state.region, ctx);
  return exists
    ? `relaunch it with security configuration ${name}`
    : `relaunch it with ${needs} (no compliant copy of ${cfg.name} exists yet)`;
};

const quarantineCluster = async (
  state: EmrClusterState,
  finding: Finding,
  ctx: RuleContext,
): Promise<VerdictOf<'DONE'> & { verified: boolean }> => {
  const tag = ctx.policy.doc.quarantineTag;
  const value = finding.reason ?? 'NON_COMPLIANT';
  const changed = state.tags[tag] !== value;
  if (changed) {
    try {
      await emr(ctx).send(new AddTagsCommand({ ResourceId: state.id, Tags: [{ Key: tag, Value: value }] }));
    } catch (e) {
      throw translateAwsError(e, 'elasticmapreduce:AddTags', state.id);
    }
  }
  const after = await readCluster(state.id, ctx);
  const advice = await relaunchAdvice(state, ctx);
  return {
    kind: 'DONE',
    changed,
    verified: after !== undefined && tagsOf(after)[tag] === value,
    detail: `Tagged ${tag}=${value}; nothing can be changed on a running cluster: ${advice}`,
  };
};

/** The calls of quarantineCluster (tag, re-read, relaunch advice), in order. */
const quarantineSteps = (state: EmrClusterState, finding: Finding, ctx: EvaluationContext): PlanStep[] => {
  const tag = ctx.policy.doc.quarantineTag;
  const value = finding.reason ?? 'NON_COMPLIANT';
  const cfg = state.securityConfiguration;
  const advice: PlanStep[] =
    !cfg || cfg === 'GONE'
      ? []
      : ctx.policy.modeFor('emr-security-configuration') === 'remediate'
        ? compliantCopySteps(cfg, ctx.cmk, ctx.policy)
        : [
            read(
              'emr',
              'DescribeSecurityConfiguration',
              { Name: compliantCopyName(cfg.name, ctx.cmk) },
              'name the compliant copy to relaunch with, if it exists',
            ),
          ];
  return [
    ...(state.tags[tag] !== value
      ? [write('emr', 'AddTags', { ResourceId: state.id, tag: `${tag}=${value}` }, 'mark the cluster quarantined')]
      : []),
    read('emr', 'DescribeCluster', { ClusterId: state.id }, 'verify the tag'),
    ...advice,
  ];
};

const planCluster = (
  state: EmrClusterState,
  finding: Finding,
  ctx: EvaluationContext,
  action: 'REMEDIATE' | 'QUARANTINE',
): RulePlan => {
  const none = { steps: [], downtime: NO_DOWNTIME, cost: [], notes: ['reported only: the cluster itself is fine'] };
  if (!CONFIGURATION_REASONS.has(finding.reason ?? '')) return none;
  const cost = [{ class: 'API_REQUESTS' as const, basis: 'a few EMR calls' }];
  const q = quarantineSteps(state, finding, ctx);
  if (action === 'QUARANTINE' || !ctx.policy.gates.terminateClusters || state.terminationProtected)
    return {
      steps: q,
      downtime: NO_DOWNTIME,
      cost,
      notes: [
        action === 'REMEDIATE'
          ? `not terminated (${!ctx.policy.gates.terminateClusters ? 'gates.terminateClusters off' : 'termination protection on'}): quarantined instead`
          : 'nothing can be changed on a running cluster',
      ],
    };
  return {
    steps: [
      ...q,
      write('emr', 'TerminateJobFlows', { JobFlowIds: [state.id] }, 'end a cluster launched non-compliant', {
        destructive: true,
        gate: 'gates.terminateClusters',
      }),
      read('emr', 'DescribeCluster', { ClusterId: state.id }, 'read its state after the terminate'),
    ],
    downtime: {
      kind: 'OUTAGE_AT_SWITCHOVER',
      duration: 'the cluster ends now: its running steps stop until relaunched',
    },
    cost,
  };
};

const reportOnly = (finding: Finding): ActionVerdict => ({
  kind: 'CANNOT',
  detail: `Reported only: ${finding.detail ?? finding.reason}`,
});

export const emrClusterRule: Rule<EmrClusterState> = {
  ...emrClusterMeta,

  async *list(ctx) {
    let marker: string | undefined;
    do {
      const out = await emr(ctx)
        .send(new ListClustersCommand({ ClusterStates: [...ACTIVE_STATES], Marker: marker }))
        .catch((e: unknown) => {
          throw translateAwsError(e, 'elasticmapreduce:ListClusters');
        });
      for (const c of out.Clusters ?? []) if (c.Id) yield c.Id;
      marker = out.Marker;
    } while (marker);
  },

  async describe(ref, ctx) {
    const c = await readCluster(ref.id, ctx);
    if (!c) return undefined;
    const state: EmrClusterState = {
      id: ref.id,
      name: c.Name,
      region: ref.region,
      state: c.Status?.State,
      terminationProtected: c.TerminationProtected === true,
      tags: tagsOf(c),
      securityConfigurationName: c.SecurityConfiguration || undefined,
      instanceProfile: c.Ec2InstanceAttributes?.IamInstanceProfile || undefined,
      grants: [],
    };
    // An ended cluster needs no more reads: nothing about it can matter any more.
    if (state.state && ENDED_STATES.has(state.state)) return state;
    if (state.securityConfigurationName) {
      state.securityConfiguration =
        (await readSecurityConfiguration(state.securityConfigurationName, ref.region, ctx)) ?? 'GONE';
    }
    if (state.instanceProfile) {
      state.instanceRole = await instanceRole(state.instanceProfile, ref.account, ctx);
      Object.assign(state, await readKeyAccess(ref.region, ctx));
    }
    return state;
  },

  evaluate: evaluateEmrCluster,

  tags: async (state) => state.tags,

  plan: planCluster,

  async remediate(state, finding, ctx) {
    // A key policy is never rewritten automatically, and the cluster itself is fine.
    if (!CONFIGURATION_REASONS.has(finding.reason ?? '')) return reportOnly(finding);
    const gate = ctx.policy.gates.terminateClusters;
    if (!gate || state.terminationProtected) {
      const why = !gate ? 'the policy gate terminateClusters is off' : 'termination protection is on';
      const q = await quarantineCluster(state, finding, ctx);
      return {
        kind: 'TAKEN_INSTEAD',
        action: 'QUARANTINE',
        changed: q.changed,
        verified: q.verified,
        detail: `Not terminated (${why}). ${q.detail}`,
      };
    }
    const q = await quarantineCluster(state, finding, ctx);
    try {
      await emr(ctx).send(new TerminateJobFlowsCommand({ JobFlowIds: [state.id] }));
    } catch (e) {
      throw translateAwsError(e, 'elasticmapreduce:TerminateJobFlows', state.id);
    }
    const after = await readCluster(state.id, ctx);
    return {
      kind: 'PENDING',
      changed: true,
      detail: `Terminated (gate terminateClusters on, termination protection off): state now ${after?.Status?.State ?? 'gone'}. ${q.detail}`,
    };
  },

  async quarantine(state, finding, ctx) {
    if (!CONFIGURATION_REASONS.has(finding.reason ?? '')) return reportOnly(finding);
    return quarantineCluster(state, finding, ctx);
  },
};
