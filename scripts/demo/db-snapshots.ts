import { DEMO_WAIVER } from './waivers';
import { tagRecord } from '../../shared/aws/tags';
import {
  CopyDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { DescribeClustersCommand, DescribeClusterSnapshotsCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { type EventResult, processEvent } from '../../shared/pipeline/process';
import { copyIdFor } from '../../shared/rules/rds-snapshot/evaluate';
import {
  createDbCluster,
  createDbClusterSnapshot,
  createDbInstance,
  createDbSnapshot,
  createRedshiftCluster,
  createRedshiftSnapshot,
  rdsEvent,
  redshiftEvent,
  shareSnapshot,
} from '../../testbed/estates/estate-snapshots';
import { shortKey, table } from '../../cli/table';
import type { DemoContext, DemoPart } from './context';

interface Item {
  label: string;
  region: string;
  drift: string;
  event: Record<string, unknown>;
  /** The state after the run, in a few words; `ok` says whether that is what the policy asks for. */
  after(): Promise<string>;
  ok?(after: string): boolean;
}

export const dbSnapshotsDemo: DemoPart = {
  title: 'Database snapshots (RDS, Aurora) and Redshift',
  covers: ['rds-snapshot', 'rds-cluster-snapshot', 'redshift-cluster', 'redshift-snapshot'],
  async run(ctx: DemoContext) {
    const [east, west] = ctx.regions;
    const { clients } = ctx;
    const cmkEast = (ctx.cmks[east] as { arn: string }).arn;
    const cmkWest = (ctx.cmks[west] as { arn: string }).arn;
    const rds = (r = east) => clients.get(RDSClient, { region: r });
    const redshift = clients.get(RedshiftClient, { region: east });
    const key = (k: string | undefined) => shortKey(k, ctx.keyNames);

    // The estate: every snapshot state the rules know, and an unencrypted Redshift cluster.
    await createDbInstance(clients, east, 'ledger-db');
    await createDbSnapshot(clients, east, 'ledger-db', 'orders-nightly', { owner: 'orders-team' });
    await createDbInstance(clients, east, 'invoices-db', { encrypted: true });
    await createDbSnapshot(clients, east, 'invoices-db', 'billing-weekly');
    await createDbInstance(clients, east, 'sales-db', { kmsKeyId: cmkEast });
    await createDbSnapshot(clients, east, 'sales-db', 'crm-shared');
    await shareSnapshot(clients, east, 'instance', 'crm-shared', ['all']);
    await createDbSnapshot(clients, east, 'sales-db', 'crm-good');
    await createDbSnapshot(clients, east, 'ledger-db', 'orders-legal-hold', { 'cmk-sentinel:exempt': DEMO_WAIVER });
    const auto =
      (
        await rds().send(
          new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'ledger-db', SnapshotType: 'automated' }),
        )
      ).DBSnapshots?.[0]?.DBSnapshotIdentifier ?? 'rds:ledger-db';
    // A copy into us-east-1 that kept the eu-west-1 CMK.
    await createDbInstance(clients, west, 'eu-ledger-db', { kmsKeyId: cmkWest });
    await createDbSnapshot(clients, west, 'eu-ledger-db', 'eu-orders');
    await rds().send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: `arn:aws:rds:${west}:123456789012:snapshot:eu-orders`,
        TargetDBSnapshotIdentifier: 'eu-orders-dr',
      }),
    );
    await createDbCluster(clients, east, 'ledger', { encrypted: true });
    await createDbClusterSnapshot(clients, east, 'ledger', 'ledger-before-upgrade');
    await createDbCluster(clients, east, 'events');
    await createDbClusterSnapshot(clients, east, 'events', 'events-plain');
    await shareSnapshot(clients, east, 'cluster', 'events-plain', ['111122223333']);
    await createRedshiftCluster(clients, east, 'analytics-dw', { publiclyAccessible: true });
    await createRedshiftSnapshot(clients, east, 'analytics-dw', 'analytics-weekly');
    await createRedshiftCluster(clients, east, 'finance-dw', { kmsKeyId: cmkEast });

    const snapAfter = (id: string) => async () => {
      const copy = (
        await rds()
          .send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: copyIdFor(id) }))
          .catch(() => undefined)
      )?.DBSnapshots?.[0];
      const s = (await rds().send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))).DBSnapshots?.[0];
      const restore = id.startsWith('rds:')
        ? []
        : ((await rds().send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: id })))
            .DBSnapshotAttributesResult?.DBSnapshotAttributes?.[0]?.AttributeValues ?? []);
      const own = s?.Encrypted ? key(s.KmsKeyId === 'default_kms_key_id' ? 'aws/rds' : s.KmsKeyId) : 'unencrypted';
      return `${own}${restore.includes('all') ? ', public' : ''}${copy ? `; copy ${copy.DBSnapshotIdentifier}: ${key(copy.KmsKeyId)}` : ''}`;
    };
    const clusterSnapAfter = (id: string) => async () => {
      const all = (await rds().send(new DescribeDBClusterSnapshotsCommand({}))).DBClusterSnapshots ?? [];
      const s = all.find((x) => x.DBClusterSnapshotIdentifier === id);
      const copy = all.find((x) => x.DBClusterSnapshotIdentifier === copyIdFor(id));
      const q = tagRecord(s?.TagList)['cmk-sentinel:quarantine'];
      return `${s?.StorageEncrypted ? key(s.KmsKeyId === 'default_kms_key_id' ? 'aws/rds' : s.KmsKeyId) : 'unencrypted'}${q ? `, quarantined (${q})` : ''}${copy ? `; copy ${copy.DBClusterSnapshotIdentifier}: ${key(copy.KmsKeyId)}` : ''}`;
    };
    const hasCmkCopy = (a: string) => a.includes(`-cmk: CMK ${east}`);

    const items: Item[] = [
      {
        label: 'snapshot orders-nightly',
        region: east,
        drift: 'unencrypted',
        event: rdsEvent(
          'CreateDBSnapshot',
          { dBSnapshotIdentifier: 'orders-nightly', dBInstanceIdentifier: 'ledger-db' },
          east,
        ),
        after: snapAfter('orders-nightly'),
        ok: hasCmkCopy,
      },
      {
        label: 'snapshot billing-weekly',
        region: east,
        drift: 'aws/rds key',
        event: rdsEvent('CreateDBSnapshot', { dBSnapshotIdentifier: 'billing-weekly' }, east),
        after: snapAfter('billing-weekly'),
        ok: hasCmkCopy,
      },
      {
        label: 'snapshot crm-shared',
        region: east,
        drift: 'CMK, shared publicly',
        event: rdsEvent(
          'ModifyDBSnapshotAttribute',
          { dBSnapshotIdentifier: 'crm-shared', attributeName: 'restore', valuesToAdd: ['all'] },
          east,
        ),
        after: snapAfter('crm-shared'),
        ok: (a) => !a.includes('public'),
      },
      {
        label: 'snapshot eu-orders-dr',
        region: east,
        drift: 'copied in with the eu-west-1 CMK',
        event: rdsEvent(
          'CopyDBSnapshot',
          {
            sourceDBSnapshotIdentifier: `arn:aws:rds:${west}:123456789012:snapshot:eu-orders`,
            targetDBSnapshotIdentifier: 'eu-orders-dr',
            sourceRegion: west,
          },
          east,
        ),
        after: snapAfter('eu-orders-dr'),
        ok: hasCmkCopy,
      },
      {
        label: 'snapshot crm-good',
        region: east,
        drift: 'CMK (compliant)',
        event: rdsEvent('CreateDBSnapshot', { dBSnapshotIdentifier: 'crm-good' }, east),
        after: snapAfter('crm-good'),
      },
      {
        label: 'snapshot orders-legal-hold',
        region: east,
        drift: 'unencrypted, exempt',
        event: rdsEvent('CreateDBSnapshot', { dBSnapshotIdentifier: 'orders-legal-hold' }, east),
        after: snapAfter('orders-legal-hold'),
      },
      {
        label: `snapshot ${auto}`,
        region: east,
        drift: 'automated, unencrypted',
        event: rdsEvent('CreateDBSnapshot', { dBSnapshotIdentifier: auto }, east),
        after: snapAfter(auto),
      },
      {
        label: 'cluster snapshot ledger-before-upgrade',
        region: east,
        drift: 'Aurora, aws/rds key',
        event: rdsEvent('CreateDBClusterSnapshot', { dBClusterSnapshotIdentifier: 'ledger-before-upgrade' }, east),
        after: clusterSnapAfter('ledger-before-upgrade'),
        ok: hasCmkCopy,
      },
      {
        label: 'cluster snapshot events-plain',
        region: east,
        drift: 'Aurora, unencrypted, shared',
        event: rdsEvent('CreateDBClusterSnapshot', { dBClusterSnapshotIdentifier: 'events-plain' }, east),
        after: clusterSnapAfter('events-plain'),
        ok: (a) => a.includes('quarantined'),
      },
      {
        label: 'Redshift analytics-dw',
        region: east,
        drift: 'unencrypted, public',
        event: redshiftEvent('CreateCluster', { clusterIdentifier: 'analytics-dw', encrypted: false }, east),
        after: async () => {
          const c = (await redshift.send(new DescribeClustersCommand({ ClusterIdentifier: 'analytics-dw' })))
            .Clusters?.[0];
          return `Encrypted=${c?.Encrypted}, KmsKeyId ${c?.KmsKeyId ? key(c.KmsKeyId) : 'not reported'}`;
        },
        ok: (a) => a.startsWith('Encrypted=true') && a.endsWith(`KmsKeyId CMK ${east}`),
      },
      {
        label: 'Redshift finance-dw',
        region: east,
        drift: 'CMK (compliant)',
        event: redshiftEvent('CreateCluster', { clusterIdentifier: 'finance-dw' }, east),
        after: async () => {
          const c = (await redshift.send(new DescribeClustersCommand({ ClusterIdentifier: 'finance-dw' })))
            .Clusters?.[0];
          return `Encrypted=${c?.Encrypted}, ${key(c?.KmsKeyId)}`;
        },
      },
      {
        label: 'Redshift snapshot analytics-weekly',
        region: east,
        drift: 'unencrypted (taken before)',
        event: redshiftEvent(
          'CreateClusterSnapshot',
          { snapshotIdentifier: 'analytics-weekly', clusterIdentifier: 'analytics-dw' },
          east,
        ),
        after: async () => {
          const s = (
            await redshift.send(new DescribeClusterSnapshotsCommand({ SnapshotIdentifier: 'analytics-weekly' }))
          ).Snapshots?.[0];
          const q = tagRecord(s?.Tags)['cmk-sentinel:quarantine'];
          return `Encrypted=${s?.Encrypted}${q ? `, quarantined (${q})` : ''}`;
        },
        ok: (a) => a.includes('quarantined'),
      },
    ];

    const results: EventResult[] = [];
    for (const item of items) results.push(await processEvent(item.event, ctx.deps));
    const after = await Promise.all(items.map((i) => i.after()));
    ctx.print(
      table(
        ['resource', 'region', 'drift', 'finding', 'action', 'after'],
        items.map((item, i) => {
          const o = results[i]?.outcomes.find((x) => item.label.endsWith(` ${x.ref.id}`)) ?? results[i]?.outcomes[0];
          return [
            item.label,
            item.region,
            item.drift,
            o ? `${o.status}${o.reason ? ` ${o.reason}` : ''}` : '-',
            o ? `${o.action} ${o.result}` : '-',
            after[i] ?? '',
          ];
        }),
      ),
    );
    ctx.print(
      '\nRedshift encrypts in place and the cluster is read-only meanwhile (hours on AWS, PENDING until the API reports the CMK; the emulator finishes at once).',
    );
    ctx.print(
      'Originals are kept (policy gate deleteOriginals off) and tagged cmk-sentinel:superseded-by=<copy>; automated and exempt snapshots are reported, not touched.',
    );
    const expected = items.filter((i) => i.ok);
    return { expected: expected.length, done: expected.filter((i) => i.ok?.(after[items.indexOf(i)] ?? '')).length };
  },
};
