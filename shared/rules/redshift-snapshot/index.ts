import { itemsOf } from '../../aws/paginate';
import { tagRecord } from '../../aws/tags';
import {
  CreateTagsCommand,
  DescribeClusterSnapshotsCommand,
  paginateDescribeClusterSnapshots,
  RedshiftClient,
  RevokeSnapshotAccessCommand,
  type Snapshot,
} from '@aws-sdk/client-redshift';
import { isAwsNotFound, translateAwsError } from '../../aws/errors';
import { describeRedshiftCluster } from '../../aws/redshift';
import type { Rule, RuleContext } from '../contract';
import { NO_DOWNTIME, read, write } from '../plan';
import { evaluateRedshiftSnapshot, NO_REKEY, redshiftSnapshotLimits, type RedshiftSnapshotState } from './evaluate';
import { redshiftSnapshotMeta } from './meta';

const redshift = (ctx: RuleContext): RedshiftClient => ctx.clients.get(RedshiftClient, ctx.scope);

const readSnapshot = async (id: string, ctx: RuleContext): Promise<Snapshot | undefined> => {
  try {
    return (await redshift(ctx).send(new DescribeClusterSnapshotsCommand({ SnapshotIdentifier: id }))).Snapshots?.[0];
  } catch (e) {
    if (isAwsNotFound(e, 'redshift:DescribeClusterSnapshots')) return undefined;
    throw translateAwsError(e, 'redshift:DescribeClusterSnapshots', id);
  }
};

const sharedWith = (s: Snapshot | undefined): string[] =>
  (s?.AccountsWithRestoreAccess ?? []).map((a) => a.AccountId ?? '').filter(Boolean);
const tagsOf = (s: Snapshot | undefined): Record<string, string> => tagRecord(s?.Tags);

export const redshiftSnapshotRule: Rule<RedshiftSnapshotState> = {
  ...redshiftSnapshotMeta,

  async *list(ctx) {
    const snapshots = itemsOf(
      paginateDescribeClusterSnapshots({ client: redshift(ctx) }, {}),
      (p) => p.Snapshots,
      'redshift:DescribeClusterSnapshots',
    );
    for await (const s of snapshots) if (s.SnapshotIdentifier) yield s.SnapshotIdentifier;
  },

  async describe(ref, ctx) {
    const s = await readSnapshot(ref.id, ctx);
    if (!s?.SnapshotIdentifier) return undefined;
    const encrypted = s.Encrypted === true;
    let keyRef = s.KmsKeyId || undefined;
    let keySource: RedshiftSnapshotState['keySource'] = keyRef ? 'snapshot' : undefined;
    if (encrypted && !keyRef && s.ClusterIdentifier) {
      // Real AWS reports KmsKeyId on every encrypted snapshot; the emulator does not, so fall back to its cluster's.
      keyRef = (await describeRedshiftCluster(ctx.clients, ctx.scope, s.ClusterIdentifier))?.KmsKeyId || undefined;
      keySource = keyRef ? 'cluster' : undefined;
    }
    return {
      id: s.SnapshotIdentifier,
      clusterId: s.ClusterIdentifier ?? '',
      arn:
        s.SnapshotArn ??
        `arn:aws:redshift:${ref.region}:${ref.account}:snapshot:${s.ClusterIdentifier ?? '*'}/${s.SnapshotIdentifier}`,
      region: ref.region,
      automated: s.SnapshotType === 'automated',
      status: s.Status ?? 'unknown',
      encrypted,
      keyRef,
      keySource,
      observedKey: encrypted && keyRef ? await ctx.keys.observe(keyRef, ref.region) : undefined,
      sharedWith: sharedWith(s),
      tags: tagsOf(s),
    };
  },

  evaluate: evaluateRedshiftSnapshot,

  tags: async (state) => state.tags,

  limits: redshiftSnapshotLimits,

  // Called only directly: the pipeline sees `limits` and quarantines instead.
  plan(state, finding, ctx, action) {
    if (action === 'REMEDIATE')
      return { steps: [], downtime: NO_DOWNTIME, cost: [], notes: [`${NO_REKEY}: nothing sent`] };
    const tagKey = ctx.policy.doc.quarantineTag;
    return {
      steps: [
        ...state.sharedWith.map((account) =>
          write(
            'redshift',
            'RevokeSnapshotAccess',
            { SnapshotIdentifier: state.id, AccountWithRestoreAccess: account },
            `account ${account} may no longer restore it`,
          ),
        ),
        ...(state.tags[tagKey] === undefined
          ? [
              write(
                'redshift',
                'CreateTags',
                { ResourceName: state.arn, tag: `${tagKey}=${finding.reason ?? 'NON_COMPLIANT'}` },
                'mark the snapshot quarantined',
              ),
            ]
          : []),
        read('redshift', 'DescribeClusterSnapshots', { SnapshotIdentifier: state.id }, 'verify sharing and tag'),
      ],
      downtime: NO_DOWNTIME,
      cost: [{ class: 'API_REQUESTS', basis: `${state.sharedWith.length + 2} Redshift calls at most` }],
      notes: ['snapshot data untouched'],
    };
  },

  remediate: async () => ({
    kind: 'DONE',
    changed: false,
    detail: `${NO_REKEY}: re-encrypt the cluster and take a new snapshot, then delete this one`,
  }),

  async quarantine(state, finding, ctx) {
    const tagKey = ctx.policy.doc.quarantineTag;
    const tagValue = finding.reason ?? 'NON_COMPLIANT';
    for (const account of state.sharedWith) {
      try {
        await redshift(ctx).send(
          new RevokeSnapshotAccessCommand({
            SnapshotIdentifier: state.id,
            SnapshotClusterIdentifier: state.clusterId || undefined,
            AccountWithRestoreAccess: account,
          }),
        );
      } catch (e) {
        throw translateAwsError(e, 'redshift:RevokeSnapshotAccess', state.id);
      }
    }
    // Already quarantined (for this or an earlier reason): the first tag stays, no new alert.
    const tagged = state.tags[tagKey] === undefined;
    if (tagged) {
      try {
        await redshift(ctx).send(
          new CreateTagsCommand({ ResourceName: state.arn, Tags: [{ Key: tagKey, Value: tagValue }] }),
        );
      } catch (e) {
        throw translateAwsError(e, 'redshift:CreateTags', state.id);
      }
    }
    const after = await readSnapshot(state.id, ctx);
    return {
      kind: 'DONE',
      changed: state.sharedWith.length > 0 || tagged,
      verified: !!after && sharedWith(after).length === 0 && tagsOf(after)[tagKey] !== undefined,
      detail: `${state.sharedWith.length ? `Revoked restore access for ${state.sharedWith.join(', ')} and tagged` : 'Tagged'} ${tagKey}=${tagValue}; snapshot data untouched (${NO_REKEY})`,
    };
  },
};
