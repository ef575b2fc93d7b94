import { allRedshiftClusters, describeRedshiftCluster } from '../../aws/redshift';
import { tagRecord } from '../../aws/tags';
import {
  type Cluster,
  CreateTagsCommand,
  DeleteTagsCommand,
  ModifyClusterCommand,
  RedshiftClient,
} from '@aws-sdk/client-redshift';
import { translateAwsError } from '../../aws/errors';
import type { ActionVerdict, Rule, RuleContext } from '../contract';
import { NO_DOWNTIME, type PlanStep, read, write } from '../plan';
import {
  type CopySettings,
  disableSnapshotCopy,
  enableSnapshotCopy,
  ensureGrant,
  grantSteps,
} from '../../aws/redshift-snapshot-copy';
import { readCmkAccess } from '../../kms/cmk-access';
import { observeKeyOf } from '../../kms/owned-key';
import {
  drGap,
  evaluateRedshiftCluster,
  parseSuspendedCopy,
  REKEY_REQUESTED_TAG,
  redshiftClusterLimits,
  type RedshiftClusterState,
  SUSPENDED_COPY_TAG,
  SUSPENDED_SINCE_TAG,
  suspendedCopyTag,
} from './evaluate';
import { redshiftClusterMeta } from './meta';

const redshift = (ctx: RuleContext): RedshiftClient => ctx.clients.get(RedshiftClient, ctx.scope);

const readCluster = (id: string, ctx: RuleContext): Promise<Cluster | undefined> =>
  describeRedshiftCluster(ctx.clients, ctx.scope, id);

const modify = async (
  id: string,
  input: Omit<ConstructorParameters<typeof ModifyClusterCommand>[0], 'ClusterIdentifier'>,
  ctx: RuleContext,
): Promise<void> => {
  try {
    await redshift(ctx).send(new ModifyClusterCommand({ ClusterIdentifier: id, ...input }));
  } catch (e) {
    throw translateAwsError(e, 'redshift:ModifyCluster', id);
  }
};

const toState = async (c: Cluster, arn: string, region: string, ctx: RuleContext): Promise<RedshiftClusterState> => {
  const encrypted = c.Encrypted === true;
  const keyRef = c.KmsKeyId || undefined;
  const copy = c.ClusterSnapshotCopyStatus;
  const tags = tagRecord(c.Tags);
  // A role being removed no longer runs COPY/UNLOAD; one being added soon will.
  const roles = [
    ...new Set(
      [
        ...(c.IamRoles ?? []).filter((r) => r.ApplyStatus !== 'removing').map((r) => r.IamRoleArn),
        c.DefaultIamRoleArn,
      ].filter((r): r is string => !!r),
    ),
  ];
  return {
    id: c.ClusterIdentifier ?? '',
    arn,
    region,
    status: c.ClusterStatus ?? 'unknown',
    encrypted,
    keyRef,
    // Only a key the API reports is resolved; an empty KmsKeyId is never assumed to be anything.
    observedKey: encrypted && keyRef ? await observeKeyOf(ctx.keys, keyRef, region, arn.split(':')[4]) : undefined,
    encryptionPending: c.PendingModifiedValues?.EncryptionType !== undefined,
    publiclyAccessible: c.PubliclyAccessible === true,
    snapshotCopy: copy?.DestinationRegion
      ? {
          destRegion: copy.DestinationRegion,
          grantName: copy.SnapshotCopyGrantName,
          retentionPeriod: copy.RetentionPeriod,
          manualRetentionPeriod: copy.ManualSnapshotRetentionPeriod,
        }
      : undefined,
    suspendedCopy: parseSuspendedCopy(tags[SUSPENDED_COPY_TAG]),
    suspendedSince: tags[SUSPENDED_SINCE_TAG],
    roles,
    cmkAccess: roles.length ? await readCmkAccess(region, ctx) : undefined,
    tags,
  };
};

const tagCluster = async (arn: string, key: string, value: string, ctx: RuleContext): Promise<void> => {
  try {
    await redshift(ctx).send(new CreateTagsCommand({ ResourceName: arn, Tags: [{ Key: key, Value: value }] }));
  } catch (e) {
    throw translateAwsError(e, 'redshift:CreateTags', arn);
  }
};

/** After the re-key: copy back on, same destination and retention, under a grant for the destination's CMK. */
const resumeCopy = async (
  state: RedshiftClusterState,
  copy: CopySettings,
  ctx: RuleContext,
): Promise<ActionVerdict> => {
  const grant = await ensureGrant(copy.destRegion, ctx);
  await enableSnapshotCopy(state.id, copy, grant.name, ctx);
  try {
    await redshift(ctx).send(
      new DeleteTagsCommand({ ResourceName: state.arn, TagKeys: [SUSPENDED_COPY_TAG, SUSPENDED_SINCE_TAG] }),
    );
  } catch (e) {
    throw translateAwsError(e, 'redshift:DeleteTags', state.arn);
  }
  return {
    kind: 'DONE',
    changed: true,
    detail:
      `Cross-region snapshot copy to ${copy.destRegion} turned back on with grant ${grant.name} (${grant.created ? 'created' : 'present'}) for ${copy.destRegion}'s CMK, retention as before; ` +
      `the DR gap is closed for new snapshots${state.suspendedSince ? `, but snapshots taken since ${state.suspendedSince} were not copied: copy any you need by hand` : ''}`,
  };
};

export const redshiftClusterRule: Rule<RedshiftClusterState> = {
  ...redshiftClusterMeta,

  async *list(ctx) {
    for await (const c of allRedshiftClusters(ctx.clients, ctx.scope))
      if (c.ClusterIdentifier) yield c.ClusterIdentifier;
  },

  async describe(ref, ctx) {
    const c = await readCluster(ref.id, ctx);
    return c ? toState(c, this.arn(ref), ref.region, ctx) : undefined;
  },

  evaluate: evaluateRedshiftCluster,

  tags: async (state) => state.tags,

  limits: redshiftClusterLimits,

  plan(state, finding, ctx, action) {
    const id = { ClusterIdentifier: state.id };
    const tag = (k: string, v: string, purpose: string) =>
      write('redshift', 'CreateTags', { ResourceName: state.arn, tag: `${k}=${v}` }, purpose);
    const describe = (purpose: string) => read('redshift', 'DescribeClusters', id, purpose);
    const none = (why: string) => ({ steps: [], downtime: NO_DOWNTIME, cost: [], notes: [why] });
    if (action === 'QUARANTINE') {
      const tagKey = ctx.policy.doc.quarantineTag;
      return {
        steps: [
          ...(state.tags[tagKey] === undefined
            ? [tag(tagKey, finding.reason ?? 'NON_COMPLIANT', 'mark the cluster quarantined')]
            : []),
          ...(state.publiclyAccessible
            ? [write('redshift', 'ModifyCluster', { ...id, PubliclyAccessible: false }, 'close public access')]
            : []),
          describe('verify the tag and the access'),
        ],
        downtime: NO_DOWNTIME,
        cost: [{ class: 'API_REQUESTS', basis: 'up to 3 Redshift calls' }],
        notes: ['data untouched; clients outside the VPC lose access when public access closes'],
      };
    }
    if (finding.reason === 'SNAPSHOT_COPY_SUSPENDED' && state.suspendedCopy)
      return {
        steps: [
          ...grantSteps(state.suspendedCopy.destRegion),
          write(
            'redshift',
            'EnableSnapshotCopy',
            { ...id, DestinationRegion: state.suspendedCopy.destRegion },
            'turn cross-region snapshot copy back on, retention as before',
          ),
          write(
            'redshift',
            'DeleteTags',
            { ResourceName: state.arn, TagKeys: [SUSPENDED_COPY_TAG, SUSPENDED_SINCE_TAG] },
            'forget the suspended copy',
          ),
        ],
        downtime: NO_DOWNTIME,
        cost: [{ class: 'SNAPSHOT_STORAGE', basis: 'copies in the destination region, as before the change' }],
      };
    if (finding.reason === 'ROLE_CANNOT_USE_CMK') return none('key policies are never rewritten automatically');
    if (
      finding.reason === 'ENCRYPTION_IN_PROGRESS' ||
      finding.reason === 'KEY_NOT_REPORTED' ||
      state.status !== 'available'
    )
      return none('an encryption change is in progress: no second ModifyCluster');
    const steps: PlanStep[] = [];
    if (state.snapshotCopy)
      steps.push(
        tag(SUSPENDED_COPY_TAG, '<copy settings>', 'remember where copy goes, before turning it off'),
        tag(SUSPENDED_SINCE_TAG, '<now>', 'remember since when copy is off'),
        write('redshift', 'DisableSnapshotCopy', id, 'AWS refuses an encryption change while copy is on'),
      );
    if (state.tags[REKEY_REQUESTED_TAG] !== ctx.cmk.arn)
      steps.push(tag(REKEY_REQUESTED_TAG, ctx.cmk.arn, 'tell our migration from the AWS-owned default key'));
    steps.push(
      write(
        'redshift',
        'ModifyCluster',
        { ...id, Encrypted: true, KmsKeyId: ctx.cmk.arn },
        're-encrypt the cluster with the CMK (in place)',
      ),
      describe('see whether the API reports the CMK yet'),
      ...(state.roles?.length
        ? [
            read('kms', 'GetKeyPolicy', { KeyId: ctx.cmk.arn }, "judge the cluster's roles against the CMK"),
            read('kms', 'ListGrants', { KeyId: ctx.cmk.keyId }, 'and its grants', { times: 'some' }),
          ]
        : []),
    );
    return {
      steps,
      downtime: { kind: 'READ_ONLY', duration: 'the migration: hours for large clusters (writes refused)' },
      cost: [{ class: 'KMS_REQUESTS', basis: 'a few per cluster (Redshift key hierarchy)' }],
      notes: [
        ...(state.snapshotCopy
          ? [`cross-region snapshot copy to ${state.snapshotCopy.destRegion} off until the CMK is reported (DR gap)`]
          : []),
      ],
    };
  },

  async remediate(state, finding, ctx) {
    if (finding.reason === 'SNAPSHOT_COPY_SUSPENDED' && state.suspendedCopy)
      return resumeCopy(state, state.suspendedCopy, ctx);
    if (finding.reason === 'ROLE_CANNOT_USE_CMK') {
      return {
        kind: 'CANNOT',
        detail: `Reported only: key policies are never rewritten automatically; add the statement named in the finding to the CMK's key policy (or a grant per role)`,
      };
    }
    const cmk = await ctx.keys.regionalCmk(state.region);
    const readOnly = 'the cluster is read-only while Redshift re-encrypts it (hours for large clusters)';
    // Never start a second migration: one in flight (or a key the API does not report yet) is left to finish.
    if (
      finding.reason === 'ENCRYPTION_IN_PROGRESS' ||
      finding.reason === 'KEY_NOT_REPORTED' ||
      state.status !== 'available'
    ) {
      return {
        kind: 'PENDING',
        changed: false,
        detail: `Encryption change in progress or not yet reported (status ${state.status}, KmsKeyId ${state.keyRef ?? 'not reported'}); no second ModifyCluster sent`,
      };
    }
    const notes: string[] = [];
    if (state.snapshotCopy) {
      // AWS refuses an encryption change while cross-region snapshot copy is on. The tag goes first, so a run
      // that stops after turning copy off still knows where to turn it back on.
      const since = new Date().toISOString();
      await tagCluster(state.arn, SUSPENDED_COPY_TAG, suspendedCopyTag(state.snapshotCopy), ctx);
      await tagCluster(state.arn, SUSPENDED_SINCE_TAG, since, ctx);
      await disableSnapshotCopy(state.id, ctx);
      notes.push(
        `cross-region snapshot copy to ${state.snapshotCopy.destRegion} turned off for the change (AWS requires it); it is turned back on, with a grant for ${state.snapshotCopy.destRegion}'s CMK, once the cluster reports the CMK ` +
          `(tag ${SUSPENDED_COPY_TAG}; Redshift sends no EventBridge event when the migration ends, so a scheduled re-check every 15 minutes looks). ${drGap(state.snapshotCopy, since)}`,
      );
    }
    // Tagged first: until the API reports the new key, the tag tells our migration from the default AWS-owned key.
    if (state.tags[REKEY_REQUESTED_TAG] !== cmk.arn) await tagCluster(state.arn, REKEY_REQUESTED_TAG, cmk.arn, ctx);
    await modify(state.id, { Encrypted: true, KmsKeyId: cmk.arn }, ctx);
    notes.unshift(`ModifyCluster Encrypted=true KmsKeyId=${cmk.arn} requested; ${readOnly}`);
    // A fresh read: done only when the API reports the CMK; otherwise the migration is still running.
    const after = await readCluster(state.id, ctx);
    if (!after) return { kind: 'DONE', changed: true, detail: `${notes.join('; ')}; the cluster is gone` };
    const fresh = await toState(after, state.arn, state.region, ctx);
    const done = fresh.encrypted && !fresh.encryptionPending && fresh.observedKey?.info?.arn === cmk.arn;
    if (!done || fresh.suspendedCopy) {
      notes.push(
        `re-read: Encrypted=${fresh.encrypted}, KmsKeyId ${fresh.keyRef ?? 'not reported'}, status ${fresh.status}: in progress until the API reports the CMK`,
      );
      return { kind: 'PENDING', changed: true, detail: notes.join('; ') };
    }
    return { kind: 'DONE', changed: true, detail: notes.join('; ') };
  },

  async quarantine(state, finding, ctx) {
    const tagKey = ctx.policy.doc.quarantineTag;
    const tagValue = finding.reason ?? 'NON_COMPLIANT';
    // Already quarantined (for this or an earlier reason): the first tag stays, no new alert.
    const tagged = state.tags[tagKey] === undefined;
    if (tagged) await tagCluster(state.arn, tagKey, tagValue, ctx);
    if (state.publiclyAccessible) await modify(state.id, { PubliclyAccessible: false }, ctx);
    const after = await readCluster(state.id, ctx);
    const tags = tagRecord(after?.Tags);
    return {
      kind: 'DONE',
      changed: tagged || state.publiclyAccessible,
      verified: after?.PubliclyAccessible !== true && tags[tagKey] !== undefined,
      detail: `Tagged ${tagKey}=${tagValue}${state.publiclyAccessible ? ' and made the cluster not publicly accessible' : ''}; data untouched`,
    };
  },
};
