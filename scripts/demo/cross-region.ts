import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { DescribeClustersCommand, DescribeSnapshotCopyGrantsCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { GetBucketReplicationCommand, S3Client } from '@aws-sdk/client-s3';
import type { Outcome } from '../../shared/alerts/alert';
import { processEvent } from '../../shared/pipeline/process';
import { replacementId } from '../../shared/rules/rds-read-replica/evaluate';
import { s3Event } from '../../testbed/estates/estate';
import {
  createCopyingCluster,
  createCrossRegionReplica,
  createSourceInstance,
  createVersionedBucket,
  putReplication,
  putReplicationRole,
  rdsEvent,
  redshiftEvent,
  replicationRule,
} from '../../testbed/estates/estate-cross-region';
import { shortKey, table } from '../../cli/table';
import type { DemoPart } from './context';

/** A replication rule, a read replica and a snapshot copy grant, each keyed with the source region's CMK. */
export const crossRegionDemo: DemoPart = {
  title: "Cross-region replicas carry the destination region's CMK",
  covers: ['s3-replication', 'rds-read-replica', 'redshift-snapshot-copy'],
  async run(ctx) {
    const [east, west] = ctx.regions;
    const { clients } = ctx;
    const cmkEast = ctx.cmks[east] as { arn: string };
    const cmkWest = ctx.cmks[west] as { arn: string };
    // The replication role may use both CMKs; the rule checks it with iam:SimulatePrincipalPolicy before a rewrite.
    await putReplicationRole(clients);
    const name = (k: string | undefined) => shortKey(k, ctx.keyNames);

    await createVersionedBucket(clients, east, 'sales-us');
    await createVersionedBucket(clients, west, 'sales-eu');
    await createVersionedBucket(clients, east, 'sales-us-backup');
    await putReplication(clients, east, 'sales-us', [
      replicationRule('to-eu', 1, 'sales-eu', cmkEast.arn),
      replicationRule('to-backup', 2, 'sales-us-backup', cmkEast.arn),
    ]);
    const sourceArn = await createSourceInstance(clients, east, 'orders', cmkEast.arn);
    await createCrossRegionReplica(clients, west, 'orders-eu', sourceArn, cmkEast.arn);
    await createCopyingCluster(clients, east, 'warehouse', cmkEast.arn, west, 'warehouse-eu', cmkEast.arn);

    const replicaKeys = async () =>
      (
        (await clients.get(S3Client, { region: east }).send(new GetBucketReplicationCommand({ Bucket: 'sales-us' })))
          .ReplicationConfiguration?.Rules ?? []
      )
        .map((r) => `${r.ID}: ${name(r.Destination?.EncryptionConfiguration?.ReplicaKmsKeyID)}`)
        .join(', ');
    const replicas = async () => {
      const dbs =
        (await clients.get(RDSClient, { region: west }).send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
      return dbs
        .map((d) => `${d.DBInstanceIdentifier}: ${name(d.KmsKeyId)}`)
        .sort()
        .join(', ');
    };
    const copyGrant = async () => {
      const grant = (
        await clients
          .get(RedshiftClient, { region: east })
          .send(new DescribeClustersCommand({ ClusterIdentifier: 'warehouse' }))
      ).Clusters?.[0]?.ClusterSnapshotCopyStatus?.SnapshotCopyGrantName;
      const key = (
        await clients
          .get(RedshiftClient, { region: west })
          .send(new DescribeSnapshotCopyGrantsCommand({ SnapshotCopyGrantName: grant }))
      ).SnapshotCopyGrants?.[0]?.KmsKeyId;
      return `${grant}: ${name(key)}`;
    };
    const rows = [
      {
        resource: 's3-replication sales-us',
        region: east,
        drift: 'replica key = us-east-1 CMK',
        read: replicaKeys,
        event: s3Event('PutBucketReplication', 'sales-us', east),
      },
      {
        resource: 'rds-read-replica orders-eu',
        region: west,
        drift: 'replica on us-east-1 CMK',
        read: replicas,
        event: rdsEvent(
          'CreateDBInstanceReadReplica',
          { dBInstanceIdentifier: 'orders-eu', sourceDBInstanceIdentifier: sourceArn },
          west,
        ),
      },
      {
        resource: 'redshift-snapshot-copy warehouse',
        region: east,
        drift: 'copy grant on us-east-1 CMK',
        read: copyGrant,
        event: redshiftEvent(
          'EnableSnapshotCopy',
          { clusterIdentifier: 'warehouse', destinationRegion: west, snapshotCopyGrantName: 'warehouse-eu' },
          east,
        ),
      },
    ];
    const before: string[] = [];
    const outcomes: (Outcome | undefined)[] = [];
    const after: string[] = [];
    for (const r of rows) {
      before.push(await r.read());
      outcomes.push((await processEvent(r.event, ctx.deps)).outcomes[0]);
      after.push(await r.read());
    }
    ctx.print(
      table(
        ['resource', 'region', 'drift', 'before', 'finding', 'action', 'after'],
        rows.map((r, i) => {
          const o = outcomes[i];
          return [
            r.resource,
            r.region,
            r.drift,
            before[i] ?? '',
            o ? `${o.status} ${o.reason ?? ''}`.trim() : '-',
            o ? `${o.action} ${o.result}` : '-',
            after[i] ?? '',
          ];
        }),
      ),
    );

    // Fixed means: each replica lands under eu-west-1's CMK (the original replica is kept: gate cutOver is off).
    const westName = name(cmkWest.arn);
    const fixed = [
      (after[0] ?? '').includes(`to-eu: ${westName}`) && (after[0] ?? '').includes(`to-backup: ${name(cmkEast.arn)}`),
      (after[1] ?? '').includes(`${replacementId('orders-eu')}: ${westName}`),
      (after[2] ?? '').endsWith(`: ${westName}`),
    ];
    return { expected: rows.length, done: fixed.filter(Boolean).length };
  },
};
