import {
  CreateSnapshotCopyGrantCommand,
  DescribeSnapshotCopyGrantsCommand,
  DisableSnapshotCopyCommand,
  EnableSnapshotCopyCommand,
  RedshiftClient,
} from '@aws-sdk/client-redshift';
import { isAwsNotFound, translateAwsError } from './errors';
import { SentinelError } from '../errors';
import type { RuleContext } from '../rules/contract';
import { type PlanStep, read as readCall, write as writeCall } from '../rules/plan';
import { grantNameFor } from '../rules/redshift-snapshot-copy/evaluate';

/** Snapshot copy grants and the copy switch itself: shared by the copy rule and the cluster rule's re-key. */

export const redshiftIn = (ctx: RuleContext, region = ctx.scope.region): RedshiftClient =>
  ctx.clients.get(RedshiftClient, { ...ctx.scope, region });

/** Where a cluster copies its snapshots, and for how long they are kept there. */
export interface CopySettings {
  destRegion: string;
  retentionPeriod?: number;
  manualRetentionPeriod?: number;
}

/** The grant's key as named, or MISSING. Read-only in the destination region. */
export const readGrant = async (
  name: string,
  region: string,
  ctx: RuleContext,
): Promise<{ keyRef?: string } | 'MISSING'> => {
  try {
    const out = await redshiftIn(ctx, region).send(
      new DescribeSnapshotCopyGrantsCommand({ SnapshotCopyGrantName: name }),
    );
    const g = out.SnapshotCopyGrants?.find((x) => x.SnapshotCopyGrantName === name);
    return g ? { keyRef: g.KmsKeyId } : 'MISSING';
  } catch (e) {
    if (isAwsNotFound(e, 'redshift:DescribeSnapshotCopyGrants')) return 'MISSING';
    throw translateAwsError(e, 'redshift:DescribeSnapshotCopyGrants', name);
  }
};

/** Ensure the deterministic grant for R's CMK exists in R (created, never modified or deleted). */
export const ensureGrant = async (
  destRegion: string,
  ctx: RuleContext,
): Promise<{ name: string; created: boolean }> => {
  const cmk = await ctx.keys.regionalCmk(destRegion);
  const name = grantNameFor(cmk);
  const existing = await readGrant(name, destRegion, ctx);
  if (existing !== 'MISSING') {
    const info = existing.keyRef ? await ctx.keys.resolve(existing.keyRef, destRegion) : undefined;
    if (info?.arn !== cmk.arn) {
      throw new SentinelError(
        'VERIFICATION_FAILED',
        `Grant ${name} in ${destRegion} exists with key ${existing.keyRef ?? '(none)'}, not ${cmk.arn}: delete it or rename, the service will not change it`,
        { details: { resource: name } },
      );
    }
    return { name, created: false };
  }
  try {
    await redshiftIn(ctx, destRegion).send(
      new CreateSnapshotCopyGrantCommand({
        SnapshotCopyGrantName: name,
        KmsKeyId: cmk.arn,
        Tags: [{ Key: 'managed-by', Value: 'cmk-sentinel' }],
      }),
    );
  } catch (e) {
    throw translateAwsError(e, 'redshift:CreateSnapshotCopyGrant', name);
  }
  return { name, created: true };
};

export const disableSnapshotCopy = async (cluster: string, ctx: RuleContext): Promise<void> => {
  try {
    await redshiftIn(ctx).send(new DisableSnapshotCopyCommand({ ClusterIdentifier: cluster }));
  } catch (e) {
    throw translateAwsError(e, 'redshift:DisableSnapshotCopy', cluster);
  }
};

/** Turn copy on to the same destination with the same retention, under the given grant. */
export const enableSnapshotCopy = async (
  cluster: string,
  copy: CopySettings,
  grantName: string | undefined,
  ctx: RuleContext,
): Promise<void> => {
  try {
    await redshiftIn(ctx).send(
      new EnableSnapshotCopyCommand({
        ClusterIdentifier: cluster,
        DestinationRegion: copy.destRegion,
        ...(grantName ? { SnapshotCopyGrantName: grantName } : {}),
        ...(copy.retentionPeriod !== undefined ? { RetentionPeriod: copy.retentionPeriod } : {}),
        ...(copy.manualRetentionPeriod !== undefined
          ? { ManualSnapshotRetentionPeriod: copy.manualRetentionPeriod }
          : {}),
      }),
    );
  } catch (e) {
    throw translateAwsError(e, 'redshift:EnableSnapshotCopy', cluster);
  }
};

/** The calls of ensureGrant in the destination region: the grant looked for, created when missing. */
export const grantSteps = (destRegion: string): PlanStep[] => {
  const grant = { SnapshotCopyGrantName: `the grant for ${destRegion}'s CMK`, region: destRegion };
  return [
    readCall('redshift', 'DescribeSnapshotCopyGrants', grant, `find the copy grant for ${destRegion}'s CMK`),
    writeCall('redshift', 'CreateSnapshotCopyGrant', grant, `create it with ${destRegion}'s CMK (never modified)`, {
      times: 'optional',
      when: 'it does not exist',
    }),
  ];
};

/** The calls of disableSnapshotCopy then enableSnapshotCopy: copy re-pointed at a grant, destination and retention
 * kept. */
export const repointSteps = (cluster: string, destRegion: string): PlanStep[] => [
  writeCall('redshift', 'DisableSnapshotCopy', { ClusterIdentifier: cluster }, 'AWS requires copy off to change it'),
  writeCall(
    'redshift',
    'EnableSnapshotCopy',
    { ClusterIdentifier: cluster, DestinationRegion: destRegion },
    "turn copy back on with the grant for the destination's CMK, retention as before",
  ),
];
