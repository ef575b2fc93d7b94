import { tagRecord } from '../../aws/tags';
import { allRedshiftClusters, describeRedshiftCluster } from '../../aws/redshift';
import {
  type Cluster,
  CreateClusterParameterGroupCommand,
  DescribeClusterParameterGroupsCommand,
  DescribeClusterParametersCommand,
  ModifyClusterCommand,
  ModifyClusterParameterGroupCommand,
  RedshiftClient,
} from '@aws-sdk/client-redshift';
import { awsErrorName, isAwsNotFound, translateAwsError } from '../../aws/errors';
import type { ResourceRef, Rule, RuleContext } from '../contract';
import { evaluateParamGroupTls, isApplied, type ParamGroupTlsState } from '../../tls/parameter-group';
import { type ParamGroupOps, planParamGroupTls, remediateParamGroupTls } from '../../tls/parameter-group-apply';
import { GROUP_PREFIX, redshiftTlsMeta } from './meta';

export type RedshiftTlsState = ParamGroupTlsState & { family: string; tags: Record<string, string> };

const PARAM = 'require_ssl';

const redshift = (ctx: RuleContext): RedshiftClient => ctx.clients.get(RedshiftClient, ctx.scope);

const allClusters = (ctx: RuleContext): AsyncIterable<Cluster> => allRedshiftClusters(ctx.clients, ctx.scope);

/** The value and ApplyType; require_ssl is `static` (a change applies after the cluster reboots). */
const readParam = async (
  group: string,
  ctx: RuleContext,
): Promise<{ value?: string; applyType: 'static' | 'dynamic' }> => {
  let Marker: string | undefined;
  do {
    const out = await redshift(ctx)
      .send(new DescribeClusterParametersCommand({ ParameterGroupName: group, Marker }))
      .catch((e: unknown) => {
        throw translateAwsError(e, 'redshift:DescribeClusterParameters', group);
      });
    const hit = out.Parameters?.find((p) => p.ParameterName === PARAM);
    if (hit) return { value: hit.ParameterValue, applyType: hit.ApplyType === 'dynamic' ? 'dynamic' : 'static' };
    Marker = out.Marker;
  } while (Marker);
  return { applyType: 'static' };
};

/**
 * Whether the cluster runs require_ssl as its group says: the parameter's own status in
 * ClusterParameterStatusList, else the group's ParameterApplyStatus (Redshift API reference, ClusterParameterStatus).
 */
const applyStatusOf = (c: Cluster, group: string): string | undefined => {
  const g = c.ClusterParameterGroups?.find((x) => x.ParameterGroupName === group);
  return (
    g?.ClusterParameterStatusList?.find((p) => p.ParameterName === PARAM)?.ParameterApplyStatus ??
    g?.ParameterApplyStatus
  );
};

const pendingModifications = (c: Cluster): string[] =>
  Object.entries(c.PendingModifiedValues ?? {})
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k]) => k);

const ops = (ctx: RuleContext): ParamGroupOps => ({
  noun: 'cluster',
  async createGroup(name, family, description) {
    try {
      await redshift(ctx).send(
        new CreateClusterParameterGroupCommand({
          ParameterGroupName: name,
          ParameterGroupFamily: family,
          Description: description,
        }),
      );
    } catch (e) {
      if (
        awsErrorName(e) !== 'ClusterParameterGroupAlreadyExists' &&
        awsErrorName(e) !== 'ClusterParameterGroupAlreadyExistsFault'
      )
        throw translateAwsError(e, 'redshift:CreateClusterParameterGroup', name);
    }
  },
  async setParam(group, param, value, method) {
    // Redshift takes an ApplyType only for WLM; a static parameter simply waits for the reboot.
    await redshift(ctx)
      .send(
        new ModifyClusterParameterGroupCommand({
          ParameterGroupName: group,
          Parameters: [{ ParameterName: param, ParameterValue: value }],
        }),
      )
      .catch((e: unknown) => {
        throw translateAwsError(e, 'redshift:ModifyClusterParameterGroup', group);
      });
    return method;
  },
  async attach(id, group) {
    await redshift(ctx)
      .send(new ModifyClusterCommand({ ClusterIdentifier: id, ClusterParameterGroupName: group }))
      .catch((e: unknown) => {
        throw translateAwsError(e, 'redshift:ModifyCluster', id);
      });
  },
});

const describeGroup = async (ref: ResourceRef, ctx: RuleContext): Promise<RedshiftTlsState | undefined> => {
  const group = ref.id.slice(GROUP_PREFIX.length);
  let found;
  try {
    found = (await redshift(ctx).send(new DescribeClusterParameterGroupsCommand({ ParameterGroupName: group })))
      .ParameterGroups?.[0];
  } catch (e) {
    if (isAwsNotFound(e, 'redshift:DescribeClusterParameterGroups')) return undefined;
    throw translateAwsError(e, 'redshift:DescribeClusterParameterGroups', group);
  }
  if (!found) return undefined;
  const users: Cluster[] = [];
  for await (const c of allClusters(ctx))
    if (c.ClusterParameterGroups?.some((g) => g.ParameterGroupName === group)) users.push(c);
  const notApplied = users
    .map((u) => ({ id: u.ClusterIdentifier ?? '', status: applyStatusOf(u, group) }))
    .filter((u): u is { id: string; status: string } => !isApplied(u.status));
  return {
    id: ref.id,
    region: ref.region,
    engine: 'redshift',
    group,
    isDefault: group.startsWith('default.'),
    family: found.ParameterGroupFamily ?? 'redshift-1.0',
    param: PARAM,
    ...(await readParam(group, ctx)),
    sharedWith: users.map((u) => u.ClusterIdentifier ?? ''),
    notApplied,
    groupRef: true,
    tags: tagRecord(found.Tags),
  };
};

export const redshiftTlsRule: Rule<RedshiftTlsState> = {
  ...redshiftTlsMeta,

  async *list(ctx) {
    for await (const c of allClusters(ctx)) if (c.ClusterIdentifier) yield c.ClusterIdentifier;
  },

  async describe(ref, ctx) {
    if (ref.id.startsWith(GROUP_PREFIX)) return describeGroup(ref, ctx);
    const cluster = await describeRedshiftCluster(ctx.clients, ctx.scope, ref.id);
    if (!cluster) return undefined;
    const group = cluster.ClusterParameterGroups?.[0]?.ParameterGroupName ?? 'default.redshift-1.0';
    const isDefault = group.startsWith('default.');
    const sharedWith: string[] = [];
    if (!isDefault) {
      for await (const other of allClusters(ctx)) {
        if (
          other.ClusterIdentifier !== ref.id &&
          other.ClusterParameterGroups?.some((g) => g.ParameterGroupName === group)
        )
          sharedWith.push(other.ClusterIdentifier ?? '');
      }
    }
    return {
      id: ref.id,
      region: ref.region,
      engine: 'redshift',
      group,
      isDefault,
      family: isDefault ? group.slice('default.'.length) : 'redshift-1.0',
      param: PARAM,
      ...(await readParam(group, ctx)),
      sharedWith,
      applyStatus: applyStatusOf(cluster, group),
      pendingModifications: pendingModifications(cluster),
      // DescribeClusters carries the tags: no second call.
      tags: tagRecord(cluster.Tags),
    };
  },

  evaluate: (state, ctx) => evaluateParamGroupTls(state, ctx, 'cluster'),

  tags: async (state) => state.tags,

  plan: (state, finding, ctx, action) =>
    planParamGroupTls(
      state,
      finding,
      {
        service: 'redshift',
        create: 'CreateClusterParameterGroup',
        modify: 'ModifyClusterParameterGroup',
        modifyMayRetry: false,
        attach: 'ModifyCluster',
        groupField: 'ParameterGroupName',
        idField: 'ClusterIdentifier',
      },
      'true',
      'cluster',
      ctx,
      action,
    ),

  remediate: (state, finding, ctx) => remediateParamGroupTls(state, finding, ops(ctx), 'true', ctx),

  quarantine: async () => ({
    kind: 'CANNOT',
    detail: 'Reported only: a cluster without enforced TLS is not quarantined',
  }),
};
