import {
  AddTagsToResourceCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBInstanceCommand,
  ModifyDBSnapshotAttributeCommand,
} from '@aws-sdk/client-rds';
import { awsCall } from '../../aws/errors';
import { describeDbInstance, pendingModifications } from '../../aws/rds';
import { RDS_TAG_LIMIT } from '../../aws/rds-tags';
import type { ActionVerdict, Finding, RuleContext } from '../contract';
import type { RdsDatabaseState } from './evaluate';
import { describeDatabase, describeInstance, rds } from './rds-read';

/** Manual snapshots of the database whose `restore` attribute includes `all` (public). */
const publicSnapshots = async (s: RdsDatabaseState, ctx: RuleContext): Promise<string[]> => {
  const out: string[] = [];
  if (s.kind === 'cluster') {
    const snaps = await awsCall('rds:DescribeDBClusterSnapshots', s.id, () =>
      rds(ctx).send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: s.id, SnapshotType: 'manual' })),
    );
    for (const snap of snaps.DBClusterSnapshots ?? []) {
      const id = snap.DBClusterSnapshotIdentifier as string;
      const attrs = await awsCall('rds:DescribeDBClusterSnapshotAttributes', id, () =>
        rds(ctx).send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: id })),
      );
      if (
        attrs.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.some(
          (a) => a.AttributeName === 'restore' && a.AttributeValues?.includes('all'),
        )
      )
        out.push(id);
    }
  } else {
    const snaps = await awsCall('rds:DescribeDBSnapshots', s.id, () =>
      rds(ctx).send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: s.id, SnapshotType: 'manual' })),
    );
    for (const snap of snaps.DBSnapshots ?? []) {
      const id = snap.DBSnapshotIdentifier as string;
      const attrs = await awsCall('rds:DescribeDBSnapshotAttributes', id, () =>
        rds(ctx).send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: id })),
      );
      if (
        attrs.DBSnapshotAttributesResult?.DBSnapshotAttributes?.some(
          (a) => a.AttributeName === 'restore' && a.AttributeValues?.includes('all'),
        )
      )
        out.push(id);
    }
  }
  return out;
};

/** Instances that answer from the internet: the instance itself, or an Aurora cluster's members. */
const publicInstances = async (s: RdsDatabaseState, ctx: RuleContext): Promise<string[]> => {
  if (s.kind === 'instance') return s.config.publiclyAccessible ? [s.id] : [];
  const members = await Promise.all((s.config.members ?? []).map((m) => describeInstance(m.id, ctx)));
  return members.filter((m) => m?.config.publiclyAccessible).map((m) => (m as RdsDatabaseState).id);
};

/** Tag, close public access and public snapshot sharing; data and encryption untouched. Verified by a fresh read. */
export const quarantineDatabase = async (
  s: RdsDatabaseState,
  finding: Finding,
  ctx: RuleContext,
): Promise<ActionVerdict> => {
  const tag = ctx.policy.doc.quarantineTag;
  const value = finding.reason ?? 'NON_COMPLIANT';
  const steps: string[] = [];
  // RDS allows 50 tags per resource: the owner's tags are never removed to make room for the mark.
  const full = s.tags[tag] === undefined && Object.keys(s.tags).length >= RDS_TAG_LIMIT;
  if (full) steps.push(`not tagged ${tag}: it carries ${RDS_TAG_LIMIT} tags, the RDS limit`);
  else if (s.tags[tag] !== value) {
    await awsCall('rds:AddTagsToResource', s.arn, () =>
      rds(ctx).send(new AddTagsToResourceCommand({ ResourceName: s.arn, Tags: [{ Key: tag, Value: value }] })),
    );
    steps.push(`tagged ${tag}=${value}`);
  }
  for (const id of await publicInstances(s, ctx)) {
    // No ApplyImmediately: "Changes to the PubliclyAccessible parameter are applied immediately regardless of the value
    // of the ApplyImmediately parameter" (ModifyDBInstance API reference), and it would also apply the owner's queued
    // changes.
    const queued = pendingModifications((await describeDbInstance(ctx.clients, ctx.scope, id)) ?? {});
    await awsCall('rds:ModifyDBInstance', id, () =>
      rds(ctx).send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, PubliclyAccessible: false })),
    );
    steps.push(
      `made ${id} not publicly accessible${queued.length ? ` (its changes queued for the maintenance window, ${queued.join(', ')}, stay queued)` : ''}`,
    );
  }
  for (const id of await publicSnapshots(s, ctx)) {
    if (s.kind === 'cluster') {
      await awsCall('rds:ModifyDBClusterSnapshotAttribute', id, () =>
        rds(ctx).send(
          new ModifyDBClusterSnapshotAttributeCommand({
            DBClusterSnapshotIdentifier: id,
            AttributeName: 'restore',
            ValuesToRemove: ['all'],
          }),
        ),
      );
    } else {
      await awsCall('rds:ModifyDBSnapshotAttribute', id, () =>
        rds(ctx).send(
          new ModifyDBSnapshotAttributeCommand({
            DBSnapshotIdentifier: id,
            AttributeName: 'restore',
            ValuesToRemove: ['all'],
          }),
        ),
      );
    }
    steps.push(`stopped public sharing of snapshot ${id}`);
  }
  const after = await describeDatabase(s.kind, s.id, ctx);
  const verified =
    !!after &&
    (full || after.tags[tag] === value) &&
    (await publicInstances(after, ctx)).length === 0 &&
    (await publicSnapshots(after, ctx)).length === 0;
  return {
    kind: 'DONE',
    changed: steps.length > 0,
    verified,
    detail: `${steps.length ? steps.join('; ') : 'already quarantined'}; storage encryption cannot change in place: data untouched, no reboot`,
  };
};
