import {
  CreateDBInstanceReadReplicaCommand,
  CreateDBSubnetGroupCommand,
  CreateDBClusterEndpointCommand,
  CreateDBSnapshotCommand,
  DescribeDBClusterEndpointsCommand,
  ModifyDBInstanceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  CreateBlueGreenDeploymentCommand,
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBProxyTargetsCommand,
  RDSClient,
  RegisterDBProxyTargetsCommand,
  RestoreDBClusterFromSnapshotCommand,
  SwitchoverBlueGreenDeploymentCommand,
} from '@aws-sdk/client-rds';
import {
  CreateClusterCommand,
  DescribeClustersCommand,
  ModifyClusterCommand,
  RedshiftClient,
} from '@aws-sdk/client-redshift';
import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { createCluster, createInstance, createProxy } from '../../testbed/estates/estate-rds';
import { useEmulator } from '../support/harness';

// The emulator extension's RDS (testbed/emulator/rds_ext.py) and Redshift (redshift_ext.py) behaviours, driven with the
// real SDK.
const R = 'us-east-1';
const emu = useEmulator();
let rds: RDSClient;
let kms: KMSClient;

beforeAll(async () => {
  // The first RDS call of a fresh moto takes ~1.7 s (backend start-up).
  await emu.clients().get(RDSClient, { region: R }).send(new DescribeDBInstancesCommand({}));
});
beforeEach(async () => {
  await emu.current.reset();
  rds = emu.clients().get(RDSClient, { region: R });
  kms = emu.clients().get(KMSClient, { region: R });
});

const newKey = async (alias?: string): Promise<string> => {
  const arn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn as string;
  if (alias) await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: arn }));
  return arn;
};
const instance = async (id: string) =>
  (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances?.find((d) => d.DBInstanceIdentifier === id);
const cluster = async (id: string) =>
  (await rds.send(new DescribeDBClustersCommand({}))).DBClusters?.find((c) => c.DBClusterIdentifier === id);
const refusal = async (p: Promise<unknown>): Promise<{ name: string; message: string }> => {
  try {
    await p;
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  throw new Error('expected a refusal');
};
const unencryptedInstance = async (id: string): Promise<string> =>
  (
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        Engine: 'postgres',
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 20,
        MasterUsername: 'admin',
        MasterUserPassword: 'secret-password',
      }),
    )
  ).DBInstance?.DBInstanceArn as string;

// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateBlueGreenDeployment.html (TargetResourceConfigurations)
describe('RDS CreateBlueGreenDeployment with TargetResourceConfigurations on the emulator', () => {
  it('encrypts the green instance of an unencrypted blue with TargetKmsKeyId (alias resolved); switchover moves the name, blue becomes -old1', async () => {
    const key = await newKey('alias/green');
    const blueArn = await unencryptedInstance('orders');
    const created = await rds.send(
      new CreateBlueGreenDeploymentCommand({
        BlueGreenDeploymentName: 'orders-cmk',
        Source: blueArn,
        TargetResourceConfigurations: [{ SourceArn: blueArn, TargetKmsKeyId: 'alias/green' }],
      }),
    );
    const bg = created.BlueGreenDeployment;
    const greenId = bg?.Target?.split(':').at(-1) as string;
    expect(await instance(greenId)).toMatchObject({ StorageEncrypted: true, KmsKeyId: key });
    expect(await instance('orders')).toMatchObject({ StorageEncrypted: false });

    await rds.send(
      new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: bg?.BlueGreenDeploymentIdentifier }),
    );
    expect(await instance('orders')).toMatchObject({ StorageEncrypted: true, KmsKeyId: key });
    expect(await instance('orders-old1')).toMatchObject({ StorageEncrypted: false });
    const after = (
      await rds.send(
        new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: bg?.BlueGreenDeploymentIdentifier }),
      )
    ).BlueGreenDeployments?.[0];
    expect(after?.Status).toBe('SWITCHOVER_COMPLETED');
  });

  it('encrypts the green Aurora cluster and its members with the key named for the cluster ARN', async () => {
    const key = await newKey();
    const blue = (
      await rds.send(
        new CreateDBClusterCommand({
          DBClusterIdentifier: 'bi',
          Engine: 'aurora-postgresql',
          MasterUsername: 'admin',
          MasterUserPassword: 'secret-password',
        }),
      )
    ).DBCluster;
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'bi-1',
        DBClusterIdentifier: 'bi',
        Engine: 'aurora-postgresql',
        DBInstanceClass: 'db.r6g.large',
      }),
    );
    const bg = (
      await rds.send(
        new CreateBlueGreenDeploymentCommand({
          BlueGreenDeploymentName: 'bi-cmk',
          Source: blue?.DBClusterArn,
          TargetResourceConfigurations: [{ SourceArn: blue?.DBClusterArn, TargetKmsKeyId: key }],
        }),
      )
    ).BlueGreenDeployment;
    const green = await cluster(bg?.Target?.split(':').at(-1) as string);
    expect(green).toMatchObject({ StorageEncrypted: true, KmsKeyId: key });
    const members =
      (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances?.filter(
        (d) => d.DBClusterIdentifier === green?.DBClusterIdentifier,
      ) ?? [];
    expect(members.length).toBe(1);
    expect(members[0]).toMatchObject({ StorageEncrypted: true, KmsKeyId: key });
  });

  it('without TargetResourceConfigurations the green copies the blue (unencrypted stays unencrypted)', async () => {
    const blueArn = await unencryptedInstance('plain');
    const bg = (
      await rds.send(new CreateBlueGreenDeploymentCommand({ BlueGreenDeploymentName: 'plain-bg', Source: blueArn }))
    ).BlueGreenDeployment;
    expect(await instance(bg?.Target?.split(':').at(-1) as string)).toMatchObject({ StorageEncrypted: false });
  });

  it('refuses an unknown key (KMSKeyNotAccessibleFault), a repeated SourceArn and a resource outside the blue environment, creating nothing', async () => {
    const key = await newKey();
    const blueArn = await unencryptedInstance('orders');
    const other = await unencryptedInstance('other');
    const bg = (input: Record<string, unknown>[]) =>
      rds.send(
        new CreateBlueGreenDeploymentCommand({
          BlueGreenDeploymentName: 'x',
          Source: blueArn,
          TargetResourceConfigurations: input as never,
        }),
      );
    expect(await refusal(bg([{ SourceArn: blueArn, TargetKmsKeyId: 'alias/missing' }]))).toMatchObject({
      name: 'KMSKeyNotAccessibleFault',
    });
    expect(
      await refusal(
        bg([
          { SourceArn: blueArn, TargetKmsKeyId: key },
          { SourceArn: blueArn, TargetKmsKeyId: key },
        ]),
      ),
    ).toMatchObject({ name: 'InvalidParameterCombination' });
    expect(await refusal(bg([{ SourceArn: other, TargetKmsKeyId: key }]))).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect((await rds.send(new DescribeBlueGreenDeploymentsCommand({}))).BlueGreenDeployments ?? []).toEqual([]);
    expect(
      (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances?.map((d) => d.DBInstanceIdentifier).sort(),
    ).toEqual(['orders', 'other']);
  });
});

// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBClusterFromSnapshot.html (KmsKeyId)
describe('Aurora RestoreDBClusterFromSnapshot with KmsKeyId on the emulator', () => {
  it('restores an unencrypted cluster snapshot as an encrypted cluster under the key (ARN reported for an alias)', async () => {
    const key = await newKey('alias/restore');
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'wh',
        Engine: 'aurora-mysql',
        MasterUsername: 'admin',
        MasterUserPassword: 'secret-password',
      }),
    );
    await rds.send(
      new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'wh', DBClusterSnapshotIdentifier: 'wh-snap' }),
    );
    await rds.send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: 'wh-cmk',
        SnapshotIdentifier: 'wh-snap',
        Engine: 'aurora-mysql',
        KmsKeyId: 'alias/restore',
      }),
    );
    expect(await cluster('wh-cmk')).toMatchObject({ StorageEncrypted: true, KmsKeyId: key });
    expect(await cluster('wh')).toMatchObject({ StorageEncrypted: false });
    await rds.send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: 'wh-plain',
        SnapshotIdentifier: 'wh-snap',
        Engine: 'aurora-mysql',
      }),
    );
    expect(await cluster('wh-plain')).toMatchObject({ StorageEncrypted: false });
    expect(
      await refusal(
        rds.send(
          new RestoreDBClusterFromSnapshotCommand({
            DBClusterIdentifier: 'wh-bad',
            SnapshotIdentifier: 'wh-snap',
            Engine: 'aurora-mysql',
            KmsKeyId: 'alias/missing',
          }),
        ),
      ),
    ).toMatchObject({ name: 'KMSKeyNotAccessibleFault' });
    expect(await cluster('wh-bad')).toBeUndefined();
  });
});

// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceFromDBSnapshot.html ("default
// configuration"; EngineLifecycleSupport and StorageType defaults) and API_DBInstance.html (reported members)
describe('RDS restore defaults and reported settings on the emulator', () => {
  const SETTINGS = {
    EnableCloudwatchLogsExports: ['error'],
    CACertificateIdentifier: 'rds-ca-rsa4096-g1',
    AutoMinorVersionUpgrade: false,
    NetworkType: 'DUAL',
    PreferredBackupWindow: '03:00-03:30',
    PreferredMaintenanceWindow: 'sun:05:00-sun:05:30',
    StorageType: 'io1',
    Iops: 3000,
    MaxAllocatedStorage: 500,
    EngineLifecycleSupport: 'open-source-rds-extended-support-disabled',
    EnablePerformanceInsights: true,
    PerformanceInsightsRetentionPeriod: 31,
  };
  const createWithSettings = async (key: string) => {
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'src',
        Engine: 'postgres',
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 100,
        MasterUsername: 'admin',
        MasterUserPassword: 'secret-password',
        PerformanceInsightsKMSKeyId: key,
        ...SETTINGS,
      }),
    );
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'src', DBSnapshotIdentifier: 'src-snap' }));
  };

  it('reports NetworkType, EngineLifecycleSupport and Performance Insights as created, and after a modify', async () => {
    const key = await newKey();
    await createWithSettings(key);
    expect(await instance('src')).toMatchObject({
      NetworkType: 'DUAL',
      EngineLifecycleSupport: 'open-source-rds-extended-support-disabled',
      PerformanceInsightsEnabled: true,
      PerformanceInsightsKMSKeyId: key,
      PerformanceInsightsRetentionPeriod: 31,
    });
    await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: 'src',
        EnablePerformanceInsights: false,
        ApplyImmediately: true,
      }),
    );
    expect(await instance('src')).toMatchObject({ PerformanceInsightsEnabled: false });
    expect((await instance('src'))?.PerformanceInsightsKMSKeyId).toBeUndefined();
  });

  it("a restore not given a setting gets AWS's default (not the source's), a new DbiResourceId; given, it keeps it", async () => {
    const key = await newKey();
    await createWithSettings(key);
    const src = await instance('src');
    await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'plain', DBSnapshotIdentifier: 'src-snap' }),
    );
    const plain = await instance('plain');
    expect(plain).toMatchObject({
      EnabledCloudwatchLogsExports: [],
      CACertificateIdentifier: 'rds-ca-rsa2048-g1',
      AutoMinorVersionUpgrade: true,
      NetworkType: 'IPV4',
      EngineLifecycleSupport: 'open-source-rds-extended-support',
      StorageType: 'gp3',
      PerformanceInsightsEnabled: false,
      AssociatedRoles: [],
    });
    expect(plain?.PreferredBackupWindow).not.toBe('03:00-03:30');
    expect(plain?.PreferredMaintenanceWindow).not.toBe('sun:05:00-sun:05:30');
    expect(plain?.MaxAllocatedStorage).toBeUndefined();
    expect(plain?.DbiResourceId).not.toBe(src?.DbiResourceId);
    await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'carried',
        DBSnapshotIdentifier: 'src-snap',
        EnableCloudwatchLogsExports: ['error'],
        CACertificateIdentifier: 'rds-ca-rsa4096-g1',
        AutoMinorVersionUpgrade: false,
        NetworkType: 'DUAL',
        PreferredBackupWindow: '03:00-03:30',
        StorageType: 'io1',
        Iops: 3000,
        EngineLifecycleSupport: 'open-source-rds-extended-support-disabled',
      }),
    );
    expect(await instance('carried')).toMatchObject({
      EnabledCloudwatchLogsExports: ['error'],
      CACertificateIdentifier: 'rds-ca-rsa4096-g1',
      AutoMinorVersionUpgrade: false,
      NetworkType: 'DUAL',
      PreferredBackupWindow: '03:00-03:30',
      StorageType: 'io1',
      Iops: 3000,
      EngineLifecycleSupport: 'open-source-rds-extended-support-disabled',
    });
  });
});

// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBClusterFromSnapshot.html; Aurora User Guide
// aurora-serverless-v2.create.html; API_CreateDBClusterEndpoint.html
describe('Aurora restore defaults, Serverless v2 members and custom endpoints on the emulator', () => {
  const auroraCluster = (id: string, extra: Record<string, unknown> = {}) =>
    rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: id,
        Engine: 'aurora-mysql',
        MasterUsername: 'admin',
        MasterUserPassword: 'secret-password',
        ...extra,
      }),
    );
  const member = (id: string, clusterId: string, cls = 'db.serverless') =>
    rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        DBClusterIdentifier: clusterId,
        Engine: 'aurora-mysql',
        DBInstanceClass: cls,
      }),
    );

  it('accepts aurora-iopt1; a restore drops what it is not given; a db.serverless member needs the scaling range', async () => {
    await auroraCluster('src', {
      StorageType: 'aurora-iopt1',
      BacktrackWindow: 3600,
      EnableCloudwatchLogsExports: ['audit'],
      EngineLifecycleSupport: 'open-source-rds-extended-support-disabled',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
    });
    expect(await cluster('src')).toMatchObject({
      StorageType: 'aurora-iopt1',
      EngineLifecycleSupport: 'open-source-rds-extended-support-disabled',
    });
    await member('src-1', 'src');
    await rds.send(
      new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'src', DBClusterSnapshotIdentifier: 's' }),
    );
    await rds.send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: 'plain',
        SnapshotIdentifier: 's',
        Engine: 'aurora-mysql',
      }),
    );
    const plain = await cluster('plain');
    expect(plain).toMatchObject({
      StorageType: 'aurora',
      BacktrackWindow: 0,
      EnabledCloudwatchLogsExports: [],
      EngineLifecycleSupport: 'open-source-rds-extended-support',
    });
    expect(plain?.ServerlessV2ScalingConfiguration).toBeUndefined();
    expect(await refusal(member('plain-1', 'plain'))).toMatchObject({
      name: 'InvalidDBClusterStateFault',
      message: expect.stringMatching(/Serverless v2 scaling configuration/),
    });
    await member('plain-2', 'plain', 'db.r6g.large');
    await rds.send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: 'carried',
        SnapshotIdentifier: 's',
        Engine: 'aurora-mysql',
        StorageType: 'aurora-iopt1',
        ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 4 },
      }),
    );
    expect(await cluster('carried')).toMatchObject({
      StorageType: 'aurora-iopt1',
      ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 4 },
    });
    await member('carried-1', 'carried');
  });

  it('creates and describes custom endpoints; refuses a non-member, a duplicate id and a bad type', async () => {
    await auroraCluster('c', { ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 } });
    await member('c-1', 'c');
    await member('c-2', 'c');
    const created = await rds.send(
      new CreateDBClusterEndpointCommand({
        DBClusterIdentifier: 'c',
        DBClusterEndpointIdentifier: 'reports',
        EndpointType: 'READER',
        StaticMembers: ['c-2'],
      }),
    );
    expect(created).toMatchObject({ EndpointType: 'CUSTOM', CustomEndpointType: 'READER', StaticMembers: ['c-2'] });
    expect(
      (await rds.send(new DescribeDBClusterEndpointsCommand({ DBClusterIdentifier: 'c' }))).DBClusterEndpoints,
    ).toEqual([expect.objectContaining({ DBClusterEndpointIdentifier: 'reports', DBClusterIdentifier: 'c' })]);
    const create = (id: string, type: string, members: string[]) =>
      rds.send(
        new CreateDBClusterEndpointCommand({
          DBClusterIdentifier: 'c',
          DBClusterEndpointIdentifier: id,
          EndpointType: type,
          StaticMembers: members,
        }),
      );
    expect(await refusal(create('other', 'ANY', ['nope']))).toMatchObject({ name: 'InvalidParameterValue' });
    expect(await refusal(create('reports', 'ANY', ['c-1']))).toMatchObject({
      name: 'DBClusterEndpointAlreadyExistsFault',
    });
    expect(await refusal(create('writerish', 'WRITER', ['c-1']))).toMatchObject({ name: 'InvalidParameterValue' });
    expect(
      (await rds.send(new DescribeDBClusterEndpointsCommand({ DBClusterIdentifier: 'c' }))).DBClusterEndpoints,
    ).toHaveLength(1);
  });
});

// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstanceReadReplica.html (DBSubnetGroupName)
describe('RDS cross-Region read replica groups on the emulator', () => {
  it('resolves the subnet group in the destination Region, where the replica is', async () => {
    const W = 'eu-west-1';
    const arn = await unencryptedInstance('src');
    const ec2 = emu.clients().get(EC2Client, { region: W });
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }))).Vpc?.VpcId as string;
    const subnet = (
      await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: '10.9.0.0/24', AvailabilityZone: `${W}a` }))
    ).Subnet?.SubnetId as string;
    const west = emu.clients().get(RDSClient, { region: W });
    await west.send(
      new CreateDBSubnetGroupCommand({
        DBSubnetGroupName: 'eu-private',
        DBSubnetGroupDescription: 'eu',
        SubnetIds: [subnet],
      }),
    );
    const out = await west.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: 'src-eu',
        SourceDBInstanceIdentifier: arn,
        DBSubnetGroupName: 'eu-private',
      }),
    );
    expect(out.DBInstance?.DBSubnetGroup?.DBSubnetGroupName).toBe('eu-private');
    expect(out.DBInstance?.DBInstanceArn).toContain(`:${W}:`);
  });
});

// https://docs.aws.amazon.com/redshift/latest/APIReference/API_ModifyCluster.html (Encrypted, KmsKeyId)
// API_RegisterDBProxyTargets.html, API_DescribeDBProxyTargets.html, API_DBProxyTarget.html (rds_ext.py).
describe('RDS Proxy targets on the emulator', () => {
  const targets = async (proxy: string) =>
    (await rds.send(new DescribeDBProxyTargetsCommand({ DBProxyName: proxy }))).Targets?.map((t) => ({
      Type: t.Type,
      RdsResourceId: t.RdsResourceId,
      TrackedClusterId: t.TrackedClusterId,
    }));

  it('lists an instance as RDS_INSTANCE, an Aurora cluster as TRACKED_CLUSTER and each member with TrackedClusterId', async () => {
    await createInstance(emu.clients(), R, 'orders');
    await createCluster(emu.clients(), R, 'ledger', { members: ['ledger-1', 'ledger-2'] });
    await createProxy(emu.clients(), R, 'app', { instances: ['orders'], clusters: ['ledger'] });
    expect(await targets('app')).toEqual(
      expect.arrayContaining([
        { Type: 'RDS_INSTANCE', RdsResourceId: 'orders', TrackedClusterId: undefined },
        { Type: 'TRACKED_CLUSTER', RdsResourceId: 'ledger', TrackedClusterId: 'ledger' },
        { Type: 'RDS_INSTANCE', RdsResourceId: 'ledger-1', TrackedClusterId: 'ledger' },
        { Type: 'RDS_INSTANCE', RdsResourceId: 'ledger-2', TrackedClusterId: 'ledger' },
      ]),
    );
    expect(await targets('app')).toHaveLength(4);
  });

  it('refuses an unknown proxy or target group, an unknown database and a second registration, registering nothing', async () => {
    await createInstance(emu.clients(), R, 'orders');
    await createProxy(emu.clients(), R, 'app', { instances: ['orders'] });
    expect((await refusal(rds.send(new DescribeDBProxyTargetsCommand({ DBProxyName: 'nope' })))).name).toBe(
      'DBProxyNotFoundFault',
    );
    expect(
      (await refusal(rds.send(new DescribeDBProxyTargetsCommand({ DBProxyName: 'app', TargetGroupName: 'other' }))))
        .name,
    ).toBe('DBProxyTargetGroupNotFoundFault');
    expect(
      (
        await refusal(
          rds.send(new RegisterDBProxyTargetsCommand({ DBProxyName: 'nope', DBInstanceIdentifiers: ['orders'] })),
        )
      ).name,
    ).toBe('DBProxyNotFoundFault');
    expect(
      (
        await refusal(
          rds.send(new RegisterDBProxyTargetsCommand({ DBProxyName: 'app', DBInstanceIdentifiers: ['ghost'] })),
        )
      ).name,
    ).toBe('DBInstanceNotFoundFault'); // the SDK names the shape; its code is DBInstanceNotFound
    expect(
      (
        await refusal(
          rds.send(new RegisterDBProxyTargetsCommand({ DBProxyName: 'app', DBClusterIdentifiers: ['ghost'] })),
        )
      ).name,
    ).toBe('DBClusterNotFoundFault');
    expect(
      (
        await refusal(
          rds.send(new RegisterDBProxyTargetsCommand({ DBProxyName: 'app', DBInstanceIdentifiers: ['orders'] })),
        )
      ).name,
    ).toBe('DBProxyTargetAlreadyRegisteredFault');
    expect(await targets('app')).toEqual([
      { Type: 'RDS_INSTANCE', RdsResourceId: 'orders', TrackedClusterId: undefined },
    ]);
  });
});

describe('Redshift ModifyCluster encryption on the emulator', () => {
  it('reports the KmsKeyId given with Encrypted=true (as the key ARN), and none after Encrypted=false', async () => {
    const key = await newKey('alias/dw');
    const redshift = emu.clients().get(RedshiftClient, { region: R });
    await redshift.send(
      new CreateClusterCommand({
        ClusterIdentifier: 'dw',
        NodeType: 'ra3.xlplus',
        MasterUsername: 'admin',
        MasterUserPassword: 'Secret-password1',
      }),
    );
    const modified = await redshift.send(
      new ModifyClusterCommand({ ClusterIdentifier: 'dw', Encrypted: true, KmsKeyId: 'alias/dw' }),
    );
    expect(modified.Cluster).toMatchObject({ Encrypted: true, KmsKeyId: key });
    expect((await redshift.send(new DescribeClustersCommand({ ClusterIdentifier: 'dw' }))).Clusters?.[0]).toMatchObject(
      { Encrypted: true, KmsKeyId: key },
    );
    expect(
      await refusal(
        redshift.send(
          new ModifyClusterCommand({ ClusterIdentifier: 'dw', Encrypted: true, KmsKeyId: 'alias/missing' }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    expect(
      (await redshift.send(new DescribeClustersCommand({ ClusterIdentifier: 'dw' }))).Clusters?.[0]?.KmsKeyId,
    ).toBe(key);
    await redshift.send(new ModifyClusterCommand({ ClusterIdentifier: 'dw', Encrypted: false }));
    const plain = (await redshift.send(new DescribeClustersCommand({ ClusterIdentifier: 'dw' }))).Clusters?.[0];
    expect(plain?.Encrypted).toBe(false);
    expect(plain?.KmsKeyId).toBeUndefined();
  });
});
