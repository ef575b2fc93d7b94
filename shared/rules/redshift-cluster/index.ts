import { allRedshiftClusters, describeRedshiftCluster } from '../../aws/redshift';
import { tagRecord } from '../../aws/tags';
import { type Cluster, CreateTagsCommand, ModifyClusterCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { translateAwsError } from '../../aws/errors';
import type { Rule, RuleContext } from '../contract';
import { evaluateRedshiftCluster, type RedshiftClusterState } from './evaluate';
import { redshiftClusterArn, redshiftClusterMeta } from './meta';

const redshift = (ctx: RuleContext): RedshiftClient => ctx.clients.get(RedshiftClient, ctx.scope);

const readCluster = (id: string, ctx: RuleContext): Promise<Cluster | undefined> => describeRedshiftCluster(ctx.clients, ctx.scope, id);

const modify = async (id: string, input: Omit<ConstructorParameters<typeof ModifyClusterCommand>[0], 'ClusterIdentifier'>, ctx: RuleContext): Promise<void> => {
  try {
    await redshift(ctx).send(new ModifyClusterCommand({ ClusterIdentifier: id, ...input }));
  } catch (e) {
    throw translateAwsError(e, 'redshift:ModifyCluster', id);
  }
};

export { redshiftClusterArn };

const toState = async (c: Cluster, arn: string, region: string, ctx: RuleContext): Promise<RedshiftClusterState> => {
  const encrypted = c.Encrypted === true;
  const keyRef = c.KmsKeyId || undefined;
  const copy = c.ClusterSnapshotCopyStatus;
  return {
    id: c.ClusterIdentifier ?? '',
    arn,
    region,
    status: c.ClusterStatus ?? 'unknown',
    encrypted,
    keyRef,
    // Only a key the API reports is resolved; an empty KmsKeyId is never assumed to be anything.
    observedKey: encrypted && keyRef ? await ctx.keys.observe(keyRef, region) : undefined,
    encryptionPending: c.PendingModifiedValues?.EncryptionType !== undefined,
    publiclyAccessible: c.PubliclyAccessible === true,
    snapshotCopy: copy?.DestinationRegion ? { destinationRegion: copy.DestinationRegion, grantName: copy.SnapshotCopyGrantName } : undefined,
    tags: tagRecord(c.Tags),
  };
};

export const redshiftClusterRule: Rule<RedshiftClusterState> = {
  ...redshiftClusterMeta,

  async *list(ctx) {
    for await (const c of allRedshiftClusters(ctx.clients, ctx.scope)) if (c.ClusterIdentifier) yield c.ClusterIdentifier;
  },

  async describe(ref, ctx) {
    const c = await readCluster(ref.id, ctx);
    return c ? toState(c, this.arn(ref), ref.region, ctx) : undefined;
  },

  evaluate: evaluateRedshiftCluster,

  tags: async (state) => state.tags,

  async remediate(state, finding, ctx) {
    const cmk = await ctx.keys.regionalCmk(state.region);
    const readOnly = 'the cluster is read-only while Redshift re-encrypts it (hours for large clusters)';
    // Never start a second migration: one in flight (or a key the API does not report yet) is left to finish.
    if (finding.reason === 'ENCRYPTION_IN_PROGRESS' || finding.reason === 'KEY_NOT_REPORTED' || state.status !== 'available') {
      return { changed: false, pending: true, detail: `Encryption change in progress or not yet reported (status ${state.status}, KmsKeyId ${state.keyRef ?? 'not reported'}); no second ModifyCluster sent` };
    }
    await modify(state.id, { Encrypted: true, KmsKeyId: cmk.arn }, ctx);
    const notes = [`ModifyCluster Encrypted=true KmsKeyId=${cmk.arn} requested; ${readOnly}`];
    if (state.snapshotCopy) {
      notes.push(`cross-region snapshot copy to ${state.snapshotCopy.destinationRegion} left on: the cross-region rule gives it a copy grant for that region's CMK`);
    }
    // A fresh read: done only when the API reports the CMK; otherwise the migration is still running.
    const after = await readCluster(state.id, ctx);
    if (!after) return { changed: true, detail: `${notes.join('; ')}; the cluster is gone` };
    const fresh = await toState(after, state.arn, state.region, ctx);
    const done = fresh.encrypted && !fresh.encryptionPending && fresh.observedKey?.info?.arn === cmk.arn;
    if (!done) {
      notes.push(`re-read: Encrypted=${fresh.encrypted}, KmsKeyId ${fresh.keyRef ?? 'not reported'}, status ${fresh.status}: in progress until the API reports the CMK`);
      return { changed: true, pending: true, detail: notes.join('; ') };
    }
    return { changed: true, detail: notes.join('; ') };
  },

  async quarantine(state, finding, ctx) {
    const tagKey = ctx.policy.doc.quarantineTag;
    const tagValue = finding.reason ?? 'NON_COMPLIANT';
    // Already quarantined (for this or an earlier reason): the first tag stays, no new alert.
    const tagged = state.tags[tagKey] === undefined;
    if (tagged) {
      try {
        await redshift(ctx).send(new CreateTagsCommand({ ResourceName: state.arn, Tags: [{ Key: tagKey, Value: tagValue }] }));
      } catch (e) {
        throw translateAwsError(e, 'redshift:CreateTags', state.id);
      }
    }
    if (state.publiclyAccessible) await modify(state.id, { PubliclyAccessible: false }, ctx);
    const after = await readCluster(state.id, ctx);
    const tags = tagRecord(after?.Tags);
    return {
      changed: tagged || state.publiclyAccessible,
      verified: after?.PubliclyAccessible !== true && tags[tagKey] !== undefined,
      detail: `Tagged ${tagKey}=${tagValue}${state.publiclyAccessible ? ' and made the cluster not publicly accessible' : ''}; data untouched`,
    };
  },
};
