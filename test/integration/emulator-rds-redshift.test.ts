import {
  CreateBlueGreenDeploymentCommand,
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
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
import { useEmulator } from '../support/harness';

// The emulator extension's RDS (test/emulator/rds_ext.py) and Redshift (redshift_ext.py) behaviours, driven with the
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

// https://docs.aws.amazon.com/redshift/latest/APIReference/API_ModifyCluster.html (Encrypted, KmsKeyId)
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
