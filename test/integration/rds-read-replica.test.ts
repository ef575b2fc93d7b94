import {
  CreateDBInstanceReadReplicaCommand,
  CreateDBParameterGroupCommand,
  CreateDBSubnetGroupCommand,
  CreateOptionGroupCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { processEvent } from '../../shared/pipeline/process';
import { createKey } from '../../testbed/estates/estate';
import { createCrossRegionReplica, createSourceInstance, rdsEvent } from '../../testbed/estates/estate-cross-region';
import { testDeps, testPolicy, useEmulator } from '../support/harness';

const E = 'us-east-1';
const W = 'eu-west-1';
const emu = useEmulator();
let east: { arn: string; keyId: string };
let west: { arn: string; keyId: string };
let sourceArn: string;

const instances = async () => {
  const out = await emu.clients().get(RDSClient, { region: W }).send(new DescribeDBInstancesCommand({}));
  return Object.fromEntries((out.DBInstances ?? []).map((d) => [d.DBInstanceIdentifier, d]));
};
const replicaEvent = (id: string) =>
  rdsEvent('CreateDBInstanceReadReplica', { dBInstanceIdentifier: id, sourceDBInstanceIdentifier: sourceArn }, W);

beforeEach(async () => {
  await emu.current.reset();
  east = await createKey(emu.clients(), E, 'alias/data-platform');
  west = await createKey(emu.clients(), W, 'alias/data-platform');
  sourceArn = await createSourceInstance(emu.clients(), E, 'orders', east.arn);
});

describe('rds-read-replica rule on the emulator, two regions', () => {
  it("a cross-region replica on the source region's key: a replacement on the destination's CMK is created; the original stays without the gate", async () => {
    const clients = emu.clients();
    await createCrossRegionReplica(clients, W, 'orders-eu', sourceArn, east.arn, { owner: 'team-a' });
    const deps = testDeps(clients);
    const first = await processEvent(replicaEvent('orders-eu'), deps);
    expect(first.outcomes[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'WRONG_REGION_KEY',
      action: 'REMEDIATE',
      result: 'PENDING',
      observedKey: east.arn,
      expectedKey: west.arn,
    });
    const dbs = await instances();
    expect(dbs['orders-eu-cmk']).toMatchObject({
      StorageEncrypted: true,
      KmsKeyId: west.arn,
      ReadReplicaSourceDBInstanceIdentifier: sourceArn,
    });
    expect(dbs['orders-eu-cmk']?.TagList).toEqual(
      expect.arrayContaining([
        { Key: 'owner', Value: 'team-a' },
        { Key: 'cmk-sentinel:replaces', Value: 'orders-eu' },
      ]),
    );
    expect(dbs['orders-eu']?.KmsKeyId).toBe(east.arn);
    expect(deps.alerts.alerts).toHaveLength(1);
    // Again: the replacement exists and is verified, but without cutOver nothing is deleted and nothing new happens.
    const second = await processEvent(replicaEvent('orders-eu'), deps);
    expect(second.outcomes[0]).toMatchObject({ result: 'UNCHANGED' });
    expect(second.outcomes[0]?.actionDetail).toContain('gates.cutOver');
    expect(Object.keys(await instances()).sort()).toEqual(['orders-eu', 'orders-eu-cmk']);
    expect(deps.alerts.alerts).toHaveLength(1);
    // The replacement's own creation event: compliant.
    expect((await processEvent(replicaEvent('orders-eu-cmk'), deps)).outcomes[0]).toMatchObject({
      status: 'COMPLIANT',
      action: 'NONE',
    });
  });

  it("a replica already on the destination's CMK, and a same-region replica, are left alone", async () => {
    const clients = emu.clients();
    await createCrossRegionReplica(clients, W, 'orders-eu', sourceArn, 'alias/data-platform');
    const deps = testDeps(clients);
    expect((await processEvent(replicaEvent('orders-eu'), deps)).outcomes[0]).toMatchObject({ status: 'COMPLIANT' });
    const local = await createSourceInstance(clients, W, 'eu-main', west.arn);
    await createCrossRegionReplica(clients, W, 'eu-main-r', local, west.arn);
    expect((await processEvent(replicaEvent('eu-main-r'), deps)).outcomes[0]).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'NOT_CROSS_REGION_REPLICA',
    });
    expect(Object.keys(await instances()).sort()).toEqual(['eu-main', 'eu-main-r', 'orders-eu']);
  });

  it('quarantine tags the replica and keeps it', async () => {
    const clients = emu.clients();
    await createCrossRegionReplica(clients, W, 'orders-eu', sourceArn, east.arn);
    const deps = testDeps(clients, { policy: testPolicy({ types: { 'rds-read-replica': { mode: 'quarantine' } } }) });
    const result = await processEvent(replicaEvent('orders-eu'), deps);
    expect(result.outcomes[0]).toMatchObject({ action: 'QUARANTINE', result: 'VERIFIED' });
    const dbs = await instances();
    expect(dbs['orders-eu']?.TagList).toEqual(
      expect.arrayContaining([{ Key: 'cmk-sentinel:quarantine', Value: 'WRONG_REGION_KEY' }]),
    );
    expect(dbs['orders-eu-cmk']).toBeUndefined();
    expect((await processEvent(replicaEvent('orders-eu'), deps)).outcomes[0]).toMatchObject({ result: 'UNCHANGED' });
  });

  // The cut-over (gate cutOver) on the emulator: DeleteDBInstance of a cross-region replica comes from the
  // extension (testbed/emulator/rds_ext.py; moto alone answers it with HTTP 500).
  it('with gate cutOver: the replacement is created first, and the wrong replica is deleted once the replacement is verified', async () => {
    const clients = emu.clients();
    await createCrossRegionReplica(clients, W, 'orders-eu', sourceArn, east.arn);
    const deps = testDeps(clients, { policy: testPolicy({ gates: { cutOver: true } }) });
    const first = await processEvent(replicaEvent('orders-eu'), deps);
    expect(first.outcomes[0]).toMatchObject({ result: 'PENDING' });
    // Nothing is deleted in the run that creates the replacement.
    expect(Object.keys(await instances()).sort()).toEqual(['orders-eu', 'orders-eu-cmk']);
    expect((await instances())['orders-eu-cmk']).toMatchObject({
      KmsKeyId: west.arn,
      ReadReplicaSourceDBInstanceIdentifier: sourceArn,
    });
    const second = await processEvent(replicaEvent('orders-eu'), deps);
    expect(second.outcomes[0]).toMatchObject({ result: 'PENDING' });
    expect(Object.keys(await instances())).toEqual(['orders-eu-cmk']);
    const source = (
      await emu
        .clients()
        .get(RDSClient, { region: E })
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders' }))
    ).DBInstances?.[0];
    expect(source?.ReadReplicaDBInstanceIdentifiers).toEqual([`arn:aws:rds:${W}:123456789012:db:orders-eu-cmk`]);
  });

  it('with gate cutOver, a replacement on the wrong key keeps the original', async () => {
    const clients = emu.clients();
    await createCrossRegionReplica(clients, W, 'orders-eu', sourceArn, east.arn);
    await createCrossRegionReplica(clients, W, 'orders-eu-cmk', sourceArn, east.arn);
    await processEvent(
      replicaEvent('orders-eu'),
      testDeps(clients, { policy: testPolicy({ gates: { cutOver: true } }) }),
    );
    expect(Object.keys(await instances()).sort()).toEqual(['orders-eu', 'orders-eu-cmk']);
  });
  it("the replacement carries the replaced replica's subnet group, security groups, groups, Multi-AZ, storage, monitoring and Performance Insights on the destination's CMK", async () => {
    const clients = emu.clients();
    const w = clients.get(RDSClient, { region: W });
    const ec2 = clients.get(EC2Client, { region: W });
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.8.0.0/16' }))).Vpc?.VpcId as string;
    const subnets = await Promise.all(
      ['a', 'b'].map(
        async (az, i) =>
          (
            await ec2.send(
              new CreateSubnetCommand({ VpcId: vpc, CidrBlock: `10.8.${i}.0/24`, AvailabilityZone: `${W}${az}` }),
            )
          ).Subnet?.SubnetId as string,
      ),
    );
    await w.send(
      new CreateDBSubnetGroupCommand({
        DBSubnetGroupName: 'orders-eu-private',
        DBSubnetGroupDescription: 'replicas',
        SubnetIds: subnets,
      }),
    );
    await w.send(
      new CreateDBParameterGroupCommand({
        DBParameterGroupName: 'orders-eu-params',
        DBParameterGroupFamily: 'postgres13',
        Description: 'replica params',
      }),
    );
    await w.send(
      new CreateOptionGroupCommand({
        OptionGroupName: 'orders-eu-options',
        EngineName: 'postgres',
        MajorEngineVersion: '13',
        OptionGroupDescription: 'replica options',
      }),
    );
    const monitoring = 'arn:aws:iam::123456789012:role/rds-monitoring';
    await w.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: 'orders-eu',
        SourceDBInstanceIdentifier: sourceArn,
        KmsKeyId: east.arn,
        DBInstanceClass: 'db.r6g.large',
        DBSubnetGroupName: 'orders-eu-private',
        VpcSecurityGroupIds: ['sg-0eu00000000000001'],
        DBParameterGroupName: 'orders-eu-params',
        OptionGroupName: 'orders-eu-options',
        MultiAZ: true,
        StorageType: 'io1',
        Iops: 3000,
        MaxAllocatedStorage: 500,
        MonitoringInterval: 30,
        MonitoringRoleArn: monitoring,
        EnablePerformanceInsights: true,
        PerformanceInsightsKMSKeyId: east.arn,
        PerformanceInsightsRetentionPeriod: 31,
      }),
    );
    const deps = testDeps(clients);
    expect((await processEvent(replicaEvent('orders-eu'), deps)).outcomes[0]).toMatchObject({ result: 'PENDING' });
    const replacement = (await instances())['orders-eu-cmk'];
    expect(replacement).toMatchObject({
      KmsKeyId: west.arn,
      DBInstanceClass: 'db.r6g.large',
      DBSubnetGroup: expect.objectContaining({ DBSubnetGroupName: 'orders-eu-private' }),
      VpcSecurityGroups: [expect.objectContaining({ VpcSecurityGroupId: 'sg-0eu00000000000001' })],
      DBParameterGroups: [expect.objectContaining({ DBParameterGroupName: 'orders-eu-params' })],
      OptionGroupMemberships: [expect.objectContaining({ OptionGroupName: 'orders-eu-options' })],
      MultiAZ: true,
      StorageType: 'io1',
      Iops: 3000,
      MaxAllocatedStorage: 500,
      MonitoringInterval: 30,
      MonitoringRoleArn: monitoring,
      PerformanceInsightsEnabled: true,
      PerformanceInsightsKMSKeyId: west.arn,
      PerformanceInsightsRetentionPeriod: 31,
    });
    const again = await processEvent(replicaEvent('orders-eu'), deps);
    expect(again.outcomes[0]?.actionDetail).toMatch(/it carries orders-eu's subnet group, security groups/);
  });
});
