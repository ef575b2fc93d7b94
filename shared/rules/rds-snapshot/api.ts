import {
  AddTagsToResourceCommand,
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBSnapshots,
  RDSClient,
} from '@aws-sdk/client-rds';
import { awsCall, awsErrorName, isAwsNotFound, translateAwsError } from '../../aws/errors';
import { itemsOf } from '../../aws/paginate';
import { tagRecord } from '../../aws/tags';
import type { RuleContext } from '../contract';
import type { SnapshotKind } from './evaluate';

/** One snapshot as both RDS APIs describe it, reduced to what the rule needs. */
/** SnapshotType `awsbackup`; an id with `:` other than `rds:` is one too (a manual id cannot hold `:`). */
export const isAwsBackup = (type: string | undefined, id: string): boolean =>
  type === 'awsbackup' || (id.includes(':') && !id.startsWith('rds:'));

export interface RawSnapshot {
  id: string;
  arn: string;
  automated: boolean;
  /** An AWS Backup recovery point (SnapshotType `awsbackup`, id `awsbackup:job-…`): AWS Backup's to manage. */
  awsBackup: boolean;
  status: string;
  encrypted: boolean;
  keyRef?: string;
  tags: Record<string, string>;
}

/**
 * DB snapshots and DB cluster snapshots have twin APIs with different names; this hides
 * the difference so one rule body serves both. Errors are translated here, where they are caught.
 */
export interface SnapshotApi {
  kind: SnapshotKind;
  resource: 'snapshot' | 'cluster-snapshot';
  describe(id: string, ctx: RuleContext): Promise<RawSnapshot | undefined>;
  list(ctx: RuleContext): AsyncIterable<string>;
  restoreShares(id: string, ctx: RuleContext): Promise<string[]>;
  unshare(id: string, values: string[], ctx: RuleContext): Promise<void>;
  copy(id: string, target: string, kmsKeyArn: string, ctx: RuleContext): Promise<void>;
  remove(id: string, ctx: RuleContext): Promise<void>;
  tag(arn: string, tags: Record<string, string>, ctx: RuleContext): Promise<void>;
}

const rds = (ctx: RuleContext): RDSClient => ctx.clients.get(RDSClient, ctx.scope);

/** Deleting what a concurrent run (a duplicate delivery) already deleted reaches the goal all the same. */
const ignoreGone =
  (action: string) =>
  (e: unknown): void => {
    if (!isAwsNotFound(e, action)) throw e;
  };

/** A concurrent run made the copy first: the caller waits for it and verifies it like its own. */
const ignoreExists = (e: unknown): void => {
  if (!/AlreadyExists/.test(awsErrorName(e))) throw e;
};

const tag = (arn: string, tags: Record<string, string>, ctx: RuleContext): Promise<void> =>
  awsCall('rds:AddTagsToResource', arn, async () => {
    await rds(ctx).send(
      new AddTagsToResourceCommand({
        ResourceName: arn,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
  });

export const instanceSnapshots: SnapshotApi = {
  kind: 'instance',
  resource: 'snapshot',
  async describe(id, ctx) {
    try {
      const out = await rds(ctx).send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }));
      const s = out.DBSnapshots?.[0];
      if (!s?.DBSnapshotIdentifier) return undefined;
      return {
        id: s.DBSnapshotIdentifier,
        arn: s.DBSnapshotArn ?? '',
        automated: s.SnapshotType === 'automated' || s.DBSnapshotIdentifier.startsWith('rds:'),
        awsBackup: isAwsBackup(s.SnapshotType, s.DBSnapshotIdentifier),
        status: s.Status ?? 'unknown',
        encrypted: s.Encrypted === true,
        keyRef: s.KmsKeyId || undefined,
        tags: tagRecord(s.TagList),
      };
    } catch (e) {
      if (isAwsNotFound(e, 'rds:DescribeDBSnapshots')) return undefined;
      throw translateAwsError(e, 'rds:DescribeDBSnapshots', id);
    }
  },
  async *list(ctx) {
    const snapshots = itemsOf(
      paginateDescribeDBSnapshots({ client: rds(ctx) }, {}),
      (p) => p.DBSnapshots,
      'rds:DescribeDBSnapshots',
    );
    for await (const s of snapshots) if (s.DBSnapshotIdentifier) yield s.DBSnapshotIdentifier;
  },
  async restoreShares(id, ctx) {
    const out = await awsCall('rds:DescribeDBSnapshotAttributes', id, () =>
      rds(ctx).send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: id })),
    );
    return (
      out.DBSnapshotAttributesResult?.DBSnapshotAttributes?.find((a) => a.AttributeName === 'restore')
        ?.AttributeValues ?? []
    );
  },
  unshare: (id, values, ctx) =>
    awsCall('rds:ModifyDBSnapshotAttribute', id, async () => {
      await rds(ctx).send(
        new ModifyDBSnapshotAttributeCommand({
          DBSnapshotIdentifier: id,
          AttributeName: 'restore',
          ValuesToRemove: values,
        }),
      );
    }),
  copy: (id, target, kmsKeyArn, ctx) =>
    awsCall('rds:CopyDBSnapshot', id, async () => {
      await rds(ctx)
        .send(
          new CopyDBSnapshotCommand({
            SourceDBSnapshotIdentifier: id,
            TargetDBSnapshotIdentifier: target,
            KmsKeyId: kmsKeyArn,
            CopyTags: true,
          }),
        )
        .catch(ignoreExists);
    }),
  remove: (id, ctx) =>
    awsCall('rds:DeleteDBSnapshot', id, async () => {
      await rds(ctx)
        .send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id }))
        .catch(ignoreGone('rds:DeleteDBSnapshot'));
    }),
  tag,
};

export const clusterSnapshots: SnapshotApi = {
  kind: 'cluster',
  resource: 'cluster-snapshot',
  async describe(id, ctx) {
    try {
      const out = await rds(ctx).send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: id }));
      const s = out.DBClusterSnapshots?.[0];
      if (!s?.DBClusterSnapshotIdentifier) return undefined;
      return {
        id: s.DBClusterSnapshotIdentifier,
        arn: s.DBClusterSnapshotArn ?? '',
        automated: s.SnapshotType === 'automated' || s.DBClusterSnapshotIdentifier.startsWith('rds:'),
        awsBackup: isAwsBackup(s.SnapshotType, s.DBClusterSnapshotIdentifier),
        status: s.Status ?? 'unknown',
        encrypted: s.StorageEncrypted === true,
        keyRef: s.KmsKeyId || undefined,
        tags: tagRecord(s.TagList),
      };
    } catch (e) {
      if (isAwsNotFound(e, 'rds:DescribeDBClusterSnapshots')) return undefined;
      throw translateAwsError(e, 'rds:DescribeDBClusterSnapshots', id);
    }
  },
  async *list(ctx) {
    const snapshots = itemsOf(
      paginateDescribeDBClusterSnapshots({ client: rds(ctx) }, {}),
      (p) => p.DBClusterSnapshots,
      'rds:DescribeDBClusterSnapshots',
    );
    for await (const s of snapshots) if (s.DBClusterSnapshotIdentifier) yield s.DBClusterSnapshotIdentifier;
  },
  async restoreShares(id, ctx) {
    const out = await awsCall('rds:DescribeDBClusterSnapshotAttributes', id, () =>
      rds(ctx).send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: id })),
    );
    return (
      out.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.find((a) => a.AttributeName === 'restore')
        ?.AttributeValues ?? []
    );
  },
  unshare: (id, values, ctx) =>
    awsCall('rds:ModifyDBClusterSnapshotAttribute', id, async () => {
      await rds(ctx).send(
        new ModifyDBClusterSnapshotAttributeCommand({
          DBClusterSnapshotIdentifier: id,
          AttributeName: 'restore',
          ValuesToRemove: values,
        }),
      );
    }),
  copy: (id, target, kmsKeyArn, ctx) =>
    awsCall('rds:CopyDBClusterSnapshot', id, async () => {
      await rds(ctx)
        .send(
          new CopyDBClusterSnapshotCommand({
            SourceDBClusterSnapshotIdentifier: id,
            TargetDBClusterSnapshotIdentifier: target,
            KmsKeyId: kmsKeyArn,
            CopyTags: true,
          }),
        )
        .catch(ignoreExists);
    }),
  remove: (id, ctx) =>
    awsCall('rds:DeleteDBClusterSnapshot', id, async () => {
      await rds(ctx)
        .send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: id }))
        .catch(ignoreGone('rds:DeleteDBClusterSnapshot'));
    }),
  tag,
};
