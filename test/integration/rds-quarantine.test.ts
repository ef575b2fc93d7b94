import {
  CreateDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBInstanceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { processEvent } from '../../shared/pipeline/process';
import { createKey } from '../../testbed/estates/estate';
import { createCluster, rdsEvent } from '../../testbed/estates/estate-rds';
import { testDeps, testPolicy, useEmulator } from '../support/harness';

const R = 'us-east-1';
const emu = useEmulator();

beforeEach(async () => {
  await emu.current.reset();
  await createKey(emu.clients(), R, 'alias/data-platform');
});

describe('rds-cluster quarantine on the emulator', () => {
  it('tags the cluster, makes its members private and stops public sharing of its manual snapshots; encryption and data untouched', async () => {
    const rds = emu.clients().get(RDSClient, { region: R });
    await createCluster(emu.clients(), R, 'open-aurora', { members: ['open-aurora-1'], tags: { owner: 'bi' } });
    await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: 'open-aurora-1',
        PubliclyAccessible: true,
        ApplyImmediately: true,
      }),
    );
    await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'open-aurora' })); // moto: "creating" until read once
    await rds.send(
      new CreateDBClusterSnapshotCommand({
        DBClusterIdentifier: 'open-aurora',
        DBClusterSnapshotIdentifier: 'open-aurora-manual',
      }),
    );
    await rds.send(
      new ModifyDBClusterSnapshotAttributeCommand({
        DBClusterSnapshotIdentifier: 'open-aurora-manual',
        AttributeName: 'restore',
        ValuesToAdd: ['all'],
      }),
    );
    const deps = testDeps(emu.clients(), { policy: testPolicy({ types: { 'rds-cluster': { mode: 'quarantine' } } }) });

    const result = await processEvent(rdsEvent('CreateDBCluster', { dBClusterIdentifier: 'open-aurora' }, R), deps);
    expect(result.outcomes[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'UNENCRYPTED',
      action: 'QUARANTINE',
      result: 'VERIFIED',
    });
    expect(result.outcomes[0]?.actionDetail).toMatch(
      /made open-aurora-1 not publicly accessible.*stopped public sharing of snapshot open-aurora-manual/,
    );
    const c = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'open-aurora' }))).DBClusters?.[0];
    expect(Object.fromEntries((c?.TagList ?? []).map((t) => [t.Key, t.Value]))).toMatchObject({
      owner: 'bi',
      'cmk-sentinel:quarantine': 'UNENCRYPTED',
    });
    expect(c?.StorageEncrypted).toBe(false);
    expect(
      (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'open-aurora-1' }))).DBInstances?.[0]
        ?.PubliclyAccessible,
    ).toBe(false);
    const attrs = await rds.send(
      new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: 'open-aurora-manual' }),
    );
    expect(
      attrs.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.find((a) => a.AttributeName === 'restore')
        ?.AttributeValues ?? [],
    ).not.toContain('all');
    expect(deps.alerts.alerts).toHaveLength(1);

    const again = await processEvent(rdsEvent('ModifyDBCluster', { dBClusterIdentifier: 'open-aurora' }, R), deps);
    expect(again.outcomes[0]).toMatchObject({ action: 'QUARANTINE', result: 'UNCHANGED' });
    expect(deps.alerts.alerts).toHaveLength(1);
  });
});
