import {
  CreateDBClusterCommand,
  type CreateDBClusterCommandInput,
  CreateDBInstanceCommand,
  type CreateDBInstanceCommandInput,
  CreateDBParameterGroupCommand,
  CreateDBProxyCommand,
  CreateOptionGroupCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RegisterDBProxyTargetsCommand,
} from '@aws-sdk/client-rds';
import { CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { ClientFactory } from '../../shared/aws/clients';

/** RDS estate for tests and the demo: databases in each encryption state, and their CloudTrail events. */

export interface InstanceSpec {
  encrypted?: boolean;
  kmsKeyId?: string;
  instanceClass?: string;
  securityGroupIds?: string[];
  parameterGroup?: string;
  optionGroup?: string;
  multiAz?: boolean;
  port?: number;
  deletionProtection?: boolean;
  backupRetention?: number;
  iamAuth?: boolean;
  monitoring?: { interval: number; roleArn: string };
  publiclyAccessible?: boolean;
  tags?: Record<string, string>;
  /** Default 8.0.35 (Blue/Green-capable); 5.6.x takes the restore fallback. */
  engineVersion?: string;
  /** Any other CreateDBInstance member (storage, windows, logs, Performance Insights, ...). */
  extra?: Partial<CreateDBInstanceCommandInput>;
}

const tagList = (t: Record<string, string> = {}) => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));

export const createInstance = async (
  clients: ClientFactory,
  region: string,
  id: string,
  spec: InstanceSpec = {},
): Promise<void> => {
  await clients.get(RDSClient, { region }).send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: 'mysql',
      EngineVersion: spec.engineVersion ?? '8.0.35',
      DBInstanceClass: spec.instanceClass ?? 'db.t3.medium',
      AllocatedStorage: 20,
      MasterUsername: 'admin',
      MasterUserPassword: 'not-a-real-secret-1',
      StorageEncrypted: spec.encrypted ?? false,
      KmsKeyId: spec.kmsKeyId,
      VpcSecurityGroupIds: spec.securityGroupIds,
      DBParameterGroupName: spec.parameterGroup,
      OptionGroupName: spec.optionGroup,
      MultiAZ: spec.multiAz,
      Port: spec.port,
      DeletionProtection: spec.deletionProtection,
      BackupRetentionPeriod: spec.backupRetention,
      EnableIAMDatabaseAuthentication: spec.iamAuth,
      MonitoringInterval: spec.monitoring?.interval,
      MonitoringRoleArn: spec.monitoring?.roleArn,
      PubliclyAccessible: spec.publiclyAccessible,
      Tags: tagList(spec.tags),
      ...spec.extra,
    }),
  );
  if (spec.monitoring) {
    // moto 5.2.1 drops monitoring settings given at create; a modify keeps them.
    await clients.get(RDSClient, { region }).send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: id,
        MonitoringInterval: spec.monitoring.interval,
        MonitoringRoleArn: spec.monitoring.roleArn,
        ApplyImmediately: true,
      }),
    );
  }
};

export const createParameterAndOptionGroups = async (
  clients: ClientFactory,
  region: string,
  name: string,
): Promise<void> => {
  const rds = clients.get(RDSClient, { region });
  await rds.send(
    new CreateDBParameterGroupCommand({
      DBParameterGroupName: name,
      DBParameterGroupFamily: 'mysql8.0',
      Description: 'app settings',
    }),
  );
  await rds.send(
    new CreateOptionGroupCommand({
      OptionGroupName: name,
      EngineName: 'mysql',
      MajorEngineVersion: '8.0',
      OptionGroupDescription: 'app options',
    }),
  );
};

export const createCluster = async (
  clients: ClientFactory,
  region: string,
  id: string,
  spec: {
    encrypted?: boolean;
    kmsKeyId?: string;
    members?: string[];
    port?: number;
    backupRetention?: number;
    iamAuth?: boolean;
    tags?: Record<string, string>;
    securityGroupIds?: string[];
    engine?: string;
    engineVersion?: string;
    /** Member instance class (default db.r6g.large); db.serverless needs extra.ServerlessV2ScalingConfiguration. */
    memberClass?: string;
    extra?: Partial<CreateDBClusterCommandInput>;
  } = {},
): Promise<void> => {
  const rds = clients.get(RDSClient, { region });
  await rds.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: id,
      Engine: spec.engine ?? 'aurora-mysql',
      EngineVersion: spec.engineVersion,
      MasterUsername: 'admin',
      MasterUserPassword: 'not-a-real-secret-1',
      StorageEncrypted: spec.encrypted ?? false,
      KmsKeyId: spec.kmsKeyId,
      Port: spec.port,
      BackupRetentionPeriod: spec.backupRetention,
      EnableIAMDatabaseAuthentication: spec.iamAuth,
      VpcSecurityGroupIds: spec.securityGroupIds,
      Tags: tagList(spec.tags),
      ...spec.extra,
    }),
  );
  for (const m of spec.members ?? []) {
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: m,
        DBClusterIdentifier: id,
        Engine: spec.engine ?? 'aurora-mysql',
        DBInstanceClass: spec.memberClass ?? 'db.r6g.large',
      }),
    );
  }
};

/** An RDS CloudTrail event as EventBridge delivers it: camelCase request fields, like the real records. */

// One CloudTrail event builder for every estate (testbed/estates/estate.ts).
/**
 * An RDS Proxy (CreateDBProxy: engine family, Secrets Manager auth, role, subnets are required) with the given
 * instances or clusters registered as targets of its default target group (RegisterDBProxyTargets).
 */
export const createProxy = async (
  clients: ClientFactory,
  region: string,
  name: string,
  targets: { instances?: string[]; clusters?: string[] } = {},
  engineFamily: 'MYSQL' | 'POSTGRESQL' = 'MYSQL',
): Promise<void> => {
  const client = clients.get(RDSClient, { region });
  const ec2 = clients.get(EC2Client, { region });
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc?.VpcId;
  const subnets = await Promise.all(
    ['10.20.1.0/24', '10.20.2.0/24'].map(
      async (CidrBlock) => (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock }))).Subnet?.SubnetId ?? '',
    ),
  );
  await client.send(
    new CreateDBProxyCommand({
      DBProxyName: name,
      EngineFamily: engineFamily,
      Auth: [{ AuthScheme: 'SECRETS', SecretArn: `arn:aws:secretsmanager:${region}:123456789012:secret:${name}` }],
      RoleArn: `arn:aws:iam::123456789012:role/${name}`,
      VpcSubnetIds: subnets,
    }),
  );
  if (targets.instances?.length || targets.clusters?.length)
    await client.send(
      new RegisterDBProxyTargetsCommand({
        DBProxyName: name,
        DBInstanceIdentifiers: targets.instances,
        DBClusterIdentifiers: targets.clusters,
      }),
    );
};

export { rdsEvent } from './estate';
