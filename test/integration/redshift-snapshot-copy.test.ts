import {
  DeleteSnapshotCopyGrantCommand,
  DescribeClustersCommand,
  DescribeSnapshotCopyGrantsCommand,
  RedshiftClient,
} from '@aws-sdk/client-redshift';
import { processEvent } from '../../shared/pipeline/process';
import { createKey } from '../../testbed/estates/estate';
import { createCopyingCluster, redshiftEvent } from '../../testbed/estates/estate-cross-region';
import { testDeps, testPolicy, useEmulator } from '../support/harness';

const E = 'us-east-1';
const W = 'eu-west-1';
const emu = useEmulator();
let east: { arn: string; keyId: string };
let west: { arn: string; keyId: string };

const copyStatus = async (cluster: string) =>
  (
    await emu
      .clients()
      .get(RedshiftClient, { region: E })
      .send(new DescribeClustersCommand({ ClusterIdentifier: cluster }))
  ).Clusters?.[0]?.ClusterSnapshotCopyStatus;
const grants = async () =>
  (await emu.clients().get(RedshiftClient, { region: W }).send(new DescribeSnapshotCopyGrantsCommand({})))
    .SnapshotCopyGrants ?? [];

beforeEach(async () => {
  await emu.current.reset();
  east = await createKey(emu.clients(), E, 'alias/data-platform');
  west = await createKey(emu.clients(), W, 'alias/data-platform');
});

describe('redshift-snapshot-copy rule on the emulator, two regions', () => {
  it("a copy grant on the source region's key: a grant on the destination's CMK is created in the destination and snapshot copy re-pointed", async () => {
    const clients = emu.clients();
    await createCopyingCluster(clients, E, 'warehouse', east.arn, W, 'legacy-grant', east.arn, 9);
    const deps = testDeps(clients);
    const result = await processEvent(
      redshiftEvent(
        'EnableSnapshotCopy',
        { clusterIdentifier: 'warehouse', destinationRegion: W, snapshotCopyGrantName: 'legacy-grant' },
        E,
      ),
      deps,
    );
    expect(result.outcomes[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'WRONG_REGION_KEY',
      action: 'REMEDIATE',
      result: 'VERIFIED',
      observedKey: east.arn,
      expectedKey: west.arn,
    });
    const expectedGrant = `cmk-sentinel-${west.keyId}`;
    expect(await copyStatus('warehouse')).toMatchObject({
      DestinationRegion: W,
      SnapshotCopyGrantName: expectedGrant,
      RetentionPeriod: 9,
    });
    const all = await grants();
    expect(all.find((g) => g.SnapshotCopyGrantName === expectedGrant)?.KmsKeyId).toBe(west.arn);
    // The old grant is left alone (nothing is deleted).
    expect(all.find((g) => g.SnapshotCopyGrantName === 'legacy-grant')?.KmsKeyId).toBe(east.arn);
    expect(deps.alerts.alerts).toHaveLength(1);
    // Our own EnableSnapshotCopy comes back: compliant, no new grant, no alert.
    const again = await processEvent(redshiftEvent('EnableSnapshotCopy', { clusterIdentifier: 'warehouse' }, E), deps);
    expect(again.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
    expect(await grants()).toHaveLength(2);
    expect(deps.alerts.alerts).toHaveLength(1);
  });

  it("a grant already on the destination's CMK (by alias) is untouched", async () => {
    const clients = emu.clients();
    await createCopyingCluster(clients, E, 'warehouse', east.arn, W, 'good-grant', 'alias/data-platform');
    const deps = testDeps(clients);
    const result = await processEvent(
      redshiftEvent('ModifySnapshotCopyRetentionPeriod', { clusterIdentifier: 'warehouse' }, E),
      deps,
    );
    expect(result.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
    expect((await copyStatus('warehouse'))?.SnapshotCopyGrantName).toBe('good-grant');
    expect(await grants()).toHaveLength(1);
  });

  it('DeleteSnapshotCopyGrant in the destination: the missing grant is found, recreated on the CMK there, and the cluster left to its own region', async () => {
    const clients = emu.clients();
    await createCopyingCluster(clients, E, 'warehouse', east.arn, W, 'doomed', west.arn);
    await clients
      .get(RedshiftClient, { region: W })
      .send(new DeleteSnapshotCopyGrantCommand({ SnapshotCopyGrantName: 'doomed' }));
    const deps = testDeps(clients);
    const result = await processEvent(
      redshiftEvent('DeleteSnapshotCopyGrant', { snapshotCopyGrantName: 'doomed' }, W),
      deps,
    );
    expect(result.outcomes[0]).toMatchObject({
      ref: { region: W, id: 'grant:doomed' },
      reason: 'COPY_GRANT_MISSING',
      action: 'REMEDIATE',
      result: 'PENDING',
    });
    expect(result.outcomes[0]?.actionDetail).toContain('warehouse (us-east-1)');
    expect((await grants()).map((g) => [g.SnapshotCopyGrantName, g.KmsKeyId])).toEqual([
      [`cmk-sentinel-${west.keyId}`, west.arn],
    ]);
    // The E handler never ran: the cluster in E still names the old grant until its own stack re-points it.
    expect((await copyStatus('warehouse'))?.SnapshotCopyGrantName).toBe('doomed');
    const fixed = await processEvent(redshiftEvent('EnableSnapshotCopy', { clusterIdentifier: 'warehouse' }, E), deps);
    expect(fixed.outcomes[0]).toMatchObject({ reason: 'COPY_GRANT_MISSING', result: 'VERIFIED' });
    expect((await copyStatus('warehouse'))?.SnapshotCopyGrantName).toBe(`cmk-sentinel-${west.keyId}`);
  });

  it('quarantine mode alerts and changes nothing', async () => {
    const clients = emu.clients();
    await createCopyingCluster(clients, E, 'warehouse', east.arn, W, 'legacy-grant', east.arn);
    const deps = testDeps(clients, {
      policy: testPolicy({ types: { 'redshift-snapshot-copy': { mode: 'quarantine' } } }),
    });
    const result = await processEvent(redshiftEvent('EnableSnapshotCopy', { clusterIdentifier: 'warehouse' }, E), deps);
    // Quarantine is alert-only for a snapshot copy configuration: it is reported.
    expect(result.outcomes[0]).toMatchObject({ action: 'REPORT', result: 'NOT_ATTEMPTED' });
    expect(deps.alerts.alerts).toHaveLength(1);
    expect((await copyStatus('warehouse'))?.SnapshotCopyGrantName).toBe('legacy-grant');
    expect(await grants()).toHaveLength(1);
  });

  it('a gone cluster is RESOURCE_GONE, not an error', async () => {
    const deps = testDeps(emu.clients());
    expect(
      (await processEvent(redshiftEvent('EnableSnapshotCopy', { clusterIdentifier: 'nope' }, E), deps)).outcomes[0],
    ).toMatchObject({ reason: 'RESOURCE_GONE' });
  });
});
