import {
  type Cluster, CreateClusterParameterGroupCommand, DescribeClusterParametersCommand, DescribeClustersCommand,
  ModifyClusterCommand, ModifyClusterParameterGroupCommand, RedshiftClient,
} from '@aws-sdk/client-redshift';
import { awsErrorName, isAwsNotFound, translateAwsError } from '../../aws/errors';
import { pick } from '../../events/normalise';
import type { Rule, RuleContext } from '../contract';
import { evaluateParamGroupTls, type ParamGroupTlsState } from '../rds-tls/evaluate';
import { type ParamGroupOps, remediateParamGroupTls } from '../rds-tls/remediate';

export type RedshiftTlsState = ParamGroupTlsState & { family: string; tags: Record<string, string> };

const PARAM = 'require_ssl';

const redshift = (ctx: RuleContext): RedshiftClient => ctx.clients.get(RedshiftClient, ctx.scope);

async function* allClusters(ctx: RuleContext): AsyncIterable<Cluster> {
  let Marker: string | undefined;
  do {
    const out = await redshift(ctx).send(new DescribeClustersCommand({ Marker })).catch((e: unknown) => {
      throw translateAwsError(e, 'redshift:DescribeClusters');
    });
    yield* out.Clusters ?? [];
    Marker = out.Marker;
  } while (Marker);
}

const readParam = async (group: string, ctx: RuleContext): Promise<string | undefined> => {
  let Marker: string | undefined;
  do {
    const out = await redshift(ctx).send(new DescribeClusterParametersCommand({ ParameterGroupName: group, Marker })).catch((e: unknown) => {
      throw translateAwsError(e, 'redshift:DescribeClusterParameters', group);
    });
    const hit = out.Parameters?.find((p) => p.ParameterName === PARAM);
    if (hit) return hit.ParameterValue;
    Marker = out.Marker;
  } while (Marker);
  return undefined;
};

const ops = (ctx: RuleContext): ParamGroupOps => ({
  noun: 'cluster',
  async createGroup(name, family, description) {
    try {
      await redshift(ctx).send(new CreateClusterParameterGroupCommand({ ParameterGroupName: name, ParameterGroupFamily: family, Description: description }));
    } catch (e) {
      if (awsErrorName(e) !== 'ClusterParameterGroupAlreadyExists' && awsErrorName(e) !== 'ClusterParameterGroupAlreadyExistsFault') throw translateAwsError(e, 'redshift:CreateClusterParameterGroup', name);
    }
  },
  async setParam(group, param, value) {
    await redshift(ctx).send(new ModifyClusterParameterGroupCommand({ ParameterGroupName: group, Parameters: [{ ParameterName: param, ParameterValue: value }] }))
      .catch((e: unknown) => { throw translateAwsError(e, 'redshift:ModifyClusterParameterGroup', group); });
  },
  async attach(id, group) {
    await redshift(ctx).send(new ModifyClusterCommand({ ClusterIdentifier: id, ClusterParameterGroupName: group }))
      .catch((e: unknown) => { throw translateAwsError(e, 'redshift:ModifyCluster', id); });
  },
});

export const redshiftTlsRule: Rule<RedshiftTlsState> = {
  type: 'redshift-tls',
  service: 'redshift',
  cloudTrail: [{
    eventSource: 'redshift.amazonaws.com',
    eventNames: ['CreateCluster', 'ModifyCluster'],
    ids: (d) => [pick(d, 'requestParameters', 'clusterIdentifier')].filter((x): x is string => !!x),
  }],
  configTypes: [],
  permissions: {
    read: ['redshift:DescribeClusters', 'redshift:DescribeClusterParameters'],
    remediate: ['redshift:CreateClusterParameterGroup', 'redshift:ModifyClusterParameterGroup', 'redshift:ModifyCluster'],
    quarantine: [],
  },

  arn: (ref) => `arn:aws:redshift:${ref.region}:${ref.account}:cluster:${ref.id}`,

  async *list(ctx) {
    for await (const c of allClusters(ctx)) if (c.ClusterIdentifier) yield c.ClusterIdentifier;
  },

  async describe(ref, ctx) {
    let cluster: Cluster | undefined;
    try {
      cluster = (await redshift(ctx).send(new DescribeClustersCommand({ ClusterIdentifier: ref.id }))).Clusters?.[0];
    } catch (e) {
      if (isAwsNotFound(e) || awsErrorName(e) === 'ClusterNotFound') return undefined;
      throw translateAwsError(e, 'redshift:DescribeClusters', ref.id);
    }
    if (!cluster) return undefined;
    const group = cluster.ClusterParameterGroups?.[0]?.ParameterGroupName ?? 'default.redshift-1.0';
    const isDefault = group.startsWith('default.');
    const sharedWith: string[] = [];
    if (!isDefault) {
      for await (const other of allClusters(ctx)) {
        if (other.ClusterIdentifier !== ref.id && other.ClusterParameterGroups?.some((g) => g.ParameterGroupName === group)) sharedWith.push(other.ClusterIdentifier ?? '');
      }
    }
    return {
      id: ref.id, region: ref.region, engine: 'redshift', group, isDefault, family: isDefault ? group.slice('default.'.length) : 'redshift-1.0',
      param: PARAM, value: await readParam(group, ctx), sharedWith,
      // DescribeClusters carries the tags: no second call.
      tags: Object.fromEntries((cluster.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    };
  },

  evaluate: evaluateParamGroupTls,

  tags: async (state) => state.tags,

  remediate: (state, _finding, ctx) => remediateParamGroupTls(state, ops(ctx), 'true', ctx),

  quarantine: async () => ({ changed: false, manual: true, detail: 'Reported only: a cluster without enforced TLS is not quarantined' }),
};
