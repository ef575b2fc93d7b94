import {
  CreateDBClusterCommand,
  type CreateDBClusterCommandInput,
  CreateDBInstanceCommand,
  type CreateDBInstanceCommandInput,
  CreateDBParameterGroupCommand,
  CreateOptionGroupCommand,
  ModifyDBInstanceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
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
export { rdsEvent } from './estate';
