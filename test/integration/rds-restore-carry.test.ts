import {
  AddRoleToDBClusterCommand,
  AddRoleToDBInstanceCommand,
  CreateDBClusterEndpointCommand,
  DescribeDBClusterEndpointsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  FailoverDBClusterCommand,
  ModifyDBClusterCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import type { PipelineDeps } from '../../shared/pipeline/context';
import { processEvent } from '../../shared/pipeline/process';
import { LocalWorkflowDriver } from '../../shared/workflows/local-driver';
import { createKey } from '../../testbed/estates/estate';
import { createCluster, createInstance, rdsEvent } from '../../testbed/estates/estate-rds';
import { emulatorClients, testDeps, testPolicy, useEmulator, onlyRules } from '../support/harness';

// The restore fallback carries every setting RestoreDB*FromSnapshot would otherwise reset to its defaults
// (carry.ts, with its AWS sources). The emulator restores with AWS's defaults (testbed/emulator/rds_ext.py), so a
// setting not passed shows up as lost here.
onlyRules('rds-instance', 'rds-cluster');

const R = 'us-east-1';
const emu = useEmulator({ iam: true });
let cmkArn: string;
let oldKeyArn: string;
const S3_ROLE = 'arn:aws:iam::123456789012:role/rds-s3-import';
const rds = () => emu.clients().get(RDSClient, { region: R });
const instance = async (id: string) =>
  (await rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })))?.DBInstances?.[0];
const cluster = async (id: string) =>
  (await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })))?.DBClusters?.[0];

/** The workflow's steps run with their own role; `intercept` may change their RDS requests (a fault). */
const depsWith = (intercept?: (command: string, input: Record<string, unknown>) => void) => {
  const policy = testPolicy({ gates: { cutOver: true, deleteOriginals: true } });
  const deps = testDeps(emu.clients(), { policy });
  let stepClients = emu.clients();
  if (intercept) {
    const credentials = emu.credentials?.('workflowStep');
    if (!credentials) throw new Error('this suite runs with IAM enforced');
    stepClients = emulatorClients(emu.current.endpoint, credentials);
    stepClients.get(RDSClient, { region: R }).middlewareStack.add(
      (next, context) => async (args) => {
        intercept(context.commandName as string, args.input as Record<string, unknown>);
        return next(args);
      },
      { step: 'initialize', name: 'intercept' },
    );
  }
  const steps = testDeps(stepClients, { policy, log: deps.log, alerts: deps.alerts }, 'workflowStep');
  const driver = new LocalWorkflowDriver(() => steps as PipelineDeps, { log: deps.log });
  deps.workflows = driver;
  return { deps, driver };
};

beforeAll(async () => {
  await rds().send(new DescribeDBInstancesCommand({}));
});

beforeEach(async () => {
  await emu.current.reset();
  cmkArn = (await createKey(emu.clients(), R, 'alias/data-platform')).arn;
  oldKeyArn = (await createKey(emu.clients(), R, 'alias/old-insights')).arn;
});

// RDS for MySQL 5.6 is not on the Blue/Green list (route.ts): the restore fallback.
const createLedger = async () => {
  await createInstance(emu.clients(), R, 'ledger', {
    engineVersion: '5.6.51',
    iamAuth: true,
    extra: {
      AllocatedStorage: 400,
      StorageType: 'gp3',
      Iops: 12000,
      StorageThroughput: 500,
      MaxAllocatedStorage: 1000,
      EnableCloudwatchLogsExports: ['error', 'slowquery'],
      CACertificateIdentifier: 'rds-ca-rsa4096-g1',
      AutoMinorVersionUpgrade: false,
      NetworkType: 'DUAL',
      Domain: 'd-1234567890',
      DomainIAMRoleName: 'rds-directory-access',
      PreferredBackupWindow: '03:00-03:30',
      PreferredMaintenanceWindow: 'sun:05:00-sun:05:30',
      EngineLifecycleSupport: 'open-source-rds-extended-support-disabled',
      EnablePerformanceInsights: true,
      PerformanceInsightsKMSKeyId: oldKeyArn,
      PerformanceInsightsRetentionPeriod: 31,
      CopyTagsToSnapshot: true,
    },
  });
  await rds().send(
    new AddRoleToDBInstanceCommand({ DBInstanceIdentifier: 'ledger', RoleArn: S3_ROLE, FeatureName: 'S3_INTEGRATION' }),
  );
};

describe('restore fallback: every setting of an RDS instance carried or reported', () => {
  it('carries each setting on the restore or after it, with Performance Insights on the CMK, and lists what to move by hand', async () => {
    await createLedger();
    const original = await instance('ledger');
    const { deps, driver } = depsWith();
    await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'ledger' }, R), deps);
    const run = [...(await driver.settle()).values()][0];
    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      output: { path: 'RESTORE', differences: [], cutOver: 'SKIPPED' },
    });

    const copy = await instance('ledger-cmk');
    expect(copy).toMatchObject({
      StorageEncrypted: true,
      KmsKeyId: cmkArn,
      // on the restore request
      EnabledCloudwatchLogsExports: ['error', 'slowquery'],
      CACertificateIdentifier: 'rds-ca-rsa4096-g1',
      AutoMinorVersionUpgrade: false,
      NetworkType: 'DUAL',
      PreferredBackupWindow: '03:00-03:30',
      StorageType: 'gp3',
      Iops: 12000,
      StorageThroughput: 500,
      EngineLifecycleSupport: 'open-source-rds-extended-support-disabled',
      CopyTagsToSnapshot: true,
      IAMDatabaseAuthenticationEnabled: true,
      // after it (ModifyDBInstance, AddRoleToDBInstance)
      PreferredMaintenanceWindow: 'sun:05:00-sun:05:30',
      MaxAllocatedStorage: 1000,
      PerformanceInsightsEnabled: true,
      PerformanceInsightsKMSKeyId: cmkArn,
      PerformanceInsightsRetentionPeriod: 31,
      AssociatedRoles: [expect.objectContaining({ RoleArn: S3_ROLE, FeatureName: 'S3_INTEGRATION' })],
    });
    expect(copy?.DomainMemberships?.[0]).toMatchObject({ Domain: 'd-1234567890', IAMRoleName: 'rds-directory-access' });
    expect(copy?.DbiResourceId).not.toBe(original?.DbiResourceId);

    const detail = deps.alerts.alerts.at(-1)?.action.detail ?? '';
    expect(detail).toMatch(/The settings compared match/);
    expect(detail).toContain(
      `IAM database-auth policies: rds-db:connect names the resource id ${original?.DbiResourceId}; the copy's is ${copy?.DbiResourceId}`,
    );
    expect(detail).toMatch(/master-user password .*; CloudWatch alarms.*; read replicas: none/);
    // The original is only read.
    expect(await instance('ledger')).toMatchObject({ StorageEncrypted: false, PerformanceInsightsKMSKeyId: oldKeyArn });
  });

  it('reports exactly what the copy lacks when a setting did not arrive (a restore request that lost two members)', async () => {
    await createLedger();
    const { deps, driver } = depsWith((command, input) => {
      if (command === 'RestoreDBInstanceFromDBSnapshotCommand') {
        delete input.EnableCloudwatchLogsExports;
        delete input.EngineLifecycleSupport;
      }
    });
    await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'ledger' }, R), deps);
    const run = [...(await driver.settle()).values()][0];
    expect(run?.output).toMatchObject({
      differences: [
        'cloudwatchLogsExports: error,slowquery -> (none)',
        'engineLifecycleSupport: open-source-rds-extended-support-disabled -> open-source-rds-extended-support',
      ],
    });
    const last = deps.alerts.alerts.at(-1)?.action;
    expect(last?.result).toBe('VERIFIED');
    expect(last?.detail).toMatch(
      /Settings that differ: cloudwatchLogsExports: error,slowquery -> \(none\); engineLifecycleSupport: open-source-rds-extended-support-disabled -> open-source-rds-extended-support\./,
    );
  });
});

describe('restore fallback: an Aurora cluster with Serverless v2 members, roles and custom endpoints', () => {
  it('restores with its settings and scaling range, creates the writer first, re-adds roles and endpoints', async () => {
    // A Secrets Manager master password takes Aurora MySQL to the restore path (route.ts).
    await createCluster(emu.clients(), R, 'inventory', {
      members: ['inventory-1', 'inventory-2'],
      memberClass: 'db.serverless',
      iamAuth: true,
      extra: {
        EngineVersion: '8.0.mysql_aurora.3.05.2',
        MasterUserPassword: undefined,
        ManageMasterUserPassword: true,
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
        StorageType: 'aurora-iopt1',
        EnableCloudwatchLogsExports: ['audit', 'error'],
        BacktrackWindow: 3600,
        PreferredBackupWindow: '03:00-03:30',
        EngineLifecycleSupport: 'open-source-rds-extended-support-disabled',
        NetworkType: 'DUAL',
      },
    });
    await rds().send(
      new ModifyDBClusterCommand({
        DBClusterIdentifier: 'inventory',
        PreferredMaintenanceWindow: 'sun:05:00-sun:05:30',
        ApplyImmediately: true,
      }),
    );
    await rds().send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: 'inventory', RoleArn: S3_ROLE }));
    // The writer is the second member: the copy must follow the writer, not the creation order.
    await rds().send(
      new FailoverDBClusterCommand({ DBClusterIdentifier: 'inventory', TargetDBInstanceIdentifier: 'inventory-2' }),
    );
    await rds().send(
      new CreateDBClusterEndpointCommand({
        DBClusterIdentifier: 'inventory',
        DBClusterEndpointIdentifier: 'inventory-reports',
        EndpointType: 'READER',
        StaticMembers: ['inventory-1'],
      }),
    );
    const created: unknown[] = [];
    const { deps, driver } = depsWith((command, input) => {
      if (command === 'CreateDBInstanceCommand') created.push(input.DBInstanceIdentifier);
    });
    await processEvent(rdsEvent('CreateDBCluster', { dBClusterIdentifier: 'inventory' }, R), deps);
    const run = [...(await driver.settle()).values()][0];
    expect(run).toMatchObject({
      status: 'SUCCEEDED',
      output: {
        path: 'RESTORE',
        differences: [],
        endpoints: [{ original: 'inventory-reports', copy: 'inventory-reports-cmk' }],
      },
    });
    expect(run?.output?.route).toMatchObject({ reason: expect.stringMatching(/Secrets Manager/) });

    const copy = await cluster('inventory-cmk');
    expect(copy).toMatchObject({
      StorageEncrypted: true,
      KmsKeyId: cmkArn,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
      StorageType: 'aurora-iopt1',
      EnabledCloudwatchLogsExports: ['audit', 'error'],
      BacktrackWindow: 3600,
      PreferredBackupWindow: '03:00-03:30',
      PreferredMaintenanceWindow: 'sun:05:00-sun:05:30',
      EngineLifecycleSupport: 'open-source-rds-extended-support-disabled',
      NetworkType: 'DUAL',
      AssociatedRoles: [expect.objectContaining({ RoleArn: S3_ROLE })],
    });
    const writer = copy?.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
    expect(writer).toBe('inventory-2-cmk');
    expect(copy?.DBClusterMembers).toHaveLength(2);
    expect((await instance('inventory-1-cmk'))?.DBInstanceClass).toBe('db.serverless');
    const endpoints = await rds().send(new DescribeDBClusterEndpointsCommand({ DBClusterIdentifier: 'inventory-cmk' }));
    expect(endpoints.DBClusterEndpoints).toEqual([
      expect.objectContaining({
        DBClusterEndpointIdentifier: 'inventory-reports-cmk',
        CustomEndpointType: 'READER',
        StaticMembers: ['inventory-1-cmk'],
      }),
    ]);
    // The writer was created first (alone: the readers follow once it is available).
    expect(created).toEqual(['inventory-2-cmk', 'inventory-1-cmk']);
    const detail = deps.alerts.alerts.at(-1)?.action.detail ?? '';
    expect(detail).toMatch(/the master-user secret: the original keeps its Secrets Manager secret/);
    expect(detail).toMatch(/custom endpoint inventory-reports re-created as inventory-reports-cmk/);
  });

  it('without the scaling range, a db.serverless member cannot be created: the workflow fails and says why', async () => {
    await createCluster(emu.clients(), R, 'inventory', {
      members: ['inventory-1'],
      memberClass: 'db.serverless',
      extra: {
        EngineVersion: '8.0.mysql_aurora.3.05.2',
        MasterUserPassword: undefined,
        ManageMasterUserPassword: true,
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
      },
    });
    const { deps, driver } = depsWith((command, input) => {
      if (command === 'RestoreDBClusterFromSnapshotCommand') delete input.ServerlessV2ScalingConfiguration;
    });
    await processEvent(rdsEvent('CreateDBCluster', { dBClusterIdentifier: 'inventory' }, R), deps);
    const run = [...(await driver.settle()).values()][0];
    expect(run?.status).toBe('FAILED');
    expect(deps.alerts.alerts.at(-1)?.action).toMatchObject({ result: 'FAILED' });
    expect(deps.alerts.alerts.at(-1)?.action.detail).toMatch(/Serverless v2 scaling configuration/);
    expect(await cluster('inventory')).toMatchObject({ StorageEncrypted: false });
  });
});
