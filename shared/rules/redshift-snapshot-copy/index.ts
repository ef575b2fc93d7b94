import { allRedshiftClusters, describeRedshiftCluster } from '../../aws/redshift';
import { tagRecord } from '../../aws/tags';
import type { Cluster } from '@aws-sdk/client-redshift';
import type { ActionVerdict, Rule, RuleContext } from '../contract';
import { NO_DOWNTIME, type PlanStep } from '../plan';
import {
  disableSnapshotCopy,
  enableSnapshotCopy,
  ensureGrant,
  grantSteps,
  readGrant,
  repointSteps,
} from '../../aws/redshift-snapshot-copy';
import {
  type ClusterCopy,
  copyProblem,
  evaluateRedshiftSnapshotCopy,
  type RedshiftSnapshotCopyState,
} from './evaluate';
import { GRANT_PREFIX, redshiftSnapshotCopyMeta } from './meta';

const toCopy = async (c: Cluster, region: string, ctx: RuleContext): Promise<ClusterCopy | undefined> => {
  const s = c.ClusterSnapshotCopyStatus;
  if (!c.ClusterIdentifier || !s?.DestinationRegion) return undefined;
  const destRegion = s.DestinationRegion;
  const grantName = s.SnapshotCopyGrantName || undefined;
  const raw = grantName ? await readGrant(grantName, destRegion, ctx) : undefined;
  const grant =
    raw === 'MISSING' || raw === undefined
      ? raw
      : { keyRef: raw.keyRef, observedKey: await ctx.keys.observe(raw.keyRef, destRegion) };
  return {
    cluster: c.ClusterIdentifier,
    region,
    encrypted: c.Encrypted === true,
    destRegion,
    grantName,
    grant,
    retentionPeriod: s.RetentionPeriod,
    manualRetentionPeriod: s.ManualSnapshotRetentionPeriod,
    expectedKey: await ctx.keys.regionalCmk(destRegion),
  };
};

const describeCluster = (id: string, ctx: RuleContext): Promise<Cluster | undefined> =>
  describeRedshiftCluster(ctx.clients, ctx.scope, id);

/** Re-point one cluster of this region: disable copy, enable it with the right grant, same destination and retention.
 * */
const repoint = async (copy: ClusterCopy, grantName: string, ctx: RuleContext): Promise<void> => {
  await disableSnapshotCopy(copy.cluster, ctx);
  await enableSnapshotCopy(copy.cluster, copy, grantName, ctx);
};

export const redshiftSnapshotCopyRule: Rule<RedshiftSnapshotCopyState> = {
  ...redshiftSnapshotCopyMeta,

  async *list(ctx) {
    for await (const c of allRedshiftClusters(ctx.clients, ctx.scope))
      if (c.ClusterIdentifier && c.ClusterSnapshotCopyStatus?.DestinationRegion) yield c.ClusterIdentifier;
  },

  async describe(ref, ctx) {
    if (ref.id.startsWith(GRANT_PREFIX)) {
      const name = ref.id.slice(GRANT_PREFIX.length);
      const copies: ClusterCopy[] = [];
      // Read-only look at the policy's other regions: which clusters copy into this one with this grant.
      for (const region of ctx.policy.regions(ref.region).filter((r) => r !== ref.region)) {
        for await (const c of allRedshiftClusters(ctx.clients, { ...ctx.scope, region })) {
          const s = c.ClusterSnapshotCopyStatus;
          if (s?.DestinationRegion !== ref.region || s.SnapshotCopyGrantName !== name) continue;
          const copy = await toCopy(c, region, ctx);
          if (copy) copies.push(copy);
        }
      }
      return {
        mode: 'grant',
        id: name,
        region: ref.region,
        copies,
        note: copies.length ? undefined : `No cluster copies snapshots into ${ref.region} with grant ${name}`,
      };
    }
    const cluster = await describeCluster(ref.id, ctx);
    if (!cluster) return undefined;
    const copy = await toCopy(cluster, ref.region, ctx);
    return {
      mode: 'cluster',
      id: ref.id,
      region: ref.region,
      copies: copy ? [copy] : [],
      note: copy ? undefined : `Cluster ${ref.id} has no cross-region snapshot copy`,
    };
  },

  evaluate: evaluateRedshiftSnapshotCopy,

  async tags(state, ctx) {
    if (state.mode !== 'cluster') return {};
    const c = await describeCluster(state.id, ctx);
    return tagRecord(c?.Tags);
  },

  plan(state, _finding, ctx, action) {
    if (action === 'QUARANTINE')
      return { steps: [], downtime: NO_DOWNTIME, cost: [], notes: ['alert only: snapshot copy left as it is'] };
    const steps: PlanStep[] = [];
    const elsewhere: string[] = [];
    for (const copy of state.copies.filter((c) => c.encrypted && copyProblem(c))) {
      steps.push(...grantSteps(copy.destRegion));
      if (copy.region !== ctx.region) elsewhere.push(`${copy.cluster} (${copy.region})`);
      else steps.push(...repointSteps(copy.cluster, copy.destRegion));
    }
    return {
      steps,
      downtime: NO_DOWNTIME,
      cost: [{ class: 'API_REQUESTS', basis: 'a few Redshift calls per copy' }],
      notes: [
        'snapshots taken while copy is off (seconds) are not copied',
        ...(elsewhere.length ? [`re-pointed by the stack of their own region: ${elsewhere.join(', ')}`] : []),
      ],
    };
  },

  async remediate(state, _finding, ctx): Promise<ActionVerdict> {
    const wrong = state.copies.filter((c) => c.encrypted && copyProblem(c));
    const done: string[] = [];
    const elsewhere: string[] = [];
    for (const copy of wrong) {
      const grant = await ensureGrant(copy.destRegion, ctx);
      if (copy.region !== ctx.scope.region) {
        // The cluster is another region's resource: its own stack re-points it (EnableSnapshotCopy event or backfill).
        elsewhere.push(`${copy.cluster} (${copy.region})`);
        done.push(`grant ${grant.name} ${grant.created ? 'created' : 'present'} in ${copy.destRegion}`);
        continue;
      }
      await repoint(copy, grant.name, ctx);
      done.push(
        `grant ${grant.name} ${grant.created ? 'created' : 'present'} in ${copy.destRegion} with its CMK; snapshot copy of ${copy.cluster} disabled and re-enabled with it`,
      );
    }
    if (elsewhere.length) {
      return {
        kind: 'PENDING',
        changed: done.length > 0,
        detail: `${done.join('; ')}; to be re-pointed by the stack of their own region: ${elsewhere.join(', ')}`,
      };
    }
    return { kind: 'DONE', changed: done.length > 0, detail: done.join('; ') || 'Nothing to change' };
  },

  async quarantine(_state, finding) {
    return { kind: 'CANNOT', detail: `Alert only: snapshot copy left as it is (${finding.reason ?? 'NON_COMPLIANT'})` };
  },
};
