import {
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import type { PipelineDeps } from '../../shared/pipeline/context';
import { processEvent } from '../../shared/pipeline/process';
import { LocalWorkflowDriver } from '../../shared/workflows/local-driver';
import type { ReencryptState } from '../../shared/workflows/rds-reencrypt/state';
import { createKey } from '../../testbed/estates/estate';
import {
  createCluster,
  createInstance,
  createParameterAndOptionGroups,
  createProxy,
  rdsEvent,
} from '../../testbed/estates/estate-rds';
import { emulatorClients, testDeps, testPolicy, useEmulator, onlyRules } from '../support/harness';

// Other rules answer some of the same calls; this file is about rds-instance and rds-cluster.
onlyRules('rds-instance', 'rds-cluster');

// These tests are about the snapshot-and-restore fallback: engines AWS Blue/Green does not take (route.ts):
// RDS for MySQL 5.6 and Aurora PostgreSQL below 14.9. The Blue/Green path is rds-blue-green.test.ts.
const FALLBACK = { engineVersion: '5.6.51' };
const FALLBACK_CLUSTER = { engine: 'aurora-postgresql', engineVersion: '14.8' };
const R = 'us-east-1';
const SG = 'sg-0a1b2c3d4e5f60718';
const MONITORING_ROLE = 'arn:aws:iam::123456789012:role/rds-monitoring';
// IAM enforced (moto): the rule runs as the packaged on-change role, the workflow's steps as the workflow-step role.
const emu = useEmulator({ iam: true });
let cmkArn: string;

const rds = () => emu.clients().get(RDSClient, { region: R });
const instance = async (id: string) =>
  (
    await rds()
      .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
      .catch(() => undefined)
  )?.DBInstances?.[0];
const cluster = async (id: string) =>
  (
    await rds()
      .send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))
      .catch(() => undefined)
  )?.DBClusters?.[0];
const tagsOf = (t: { Key?: string; Value?: string }[] | undefined) =>
  Object.fromEntries((t ?? []).map((x) => [x.Key, x.Value]));

type Db = Awaited<ReturnType<typeof instance>>;
const essentials = (d: Db) => ({
  status: d?.DBInstanceStatus,
  encrypted: d?.StorageEncrypted,
  key: d?.KmsKeyId,
  cls: d?.DBInstanceClass,
  multiAz: d?.MultiAZ,
  port: d?.Endpoint?.Port,
  protection: d?.DeletionProtection,
  backups: d?.BackupRetentionPeriod,
  public: d?.PubliclyAccessible,
  monitoring: d?.MonitoringInterval,
  groups: d?.DBParameterGroups?.map((g) => g.DBParameterGroupName),
  sgs: d?.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId),
  tags: tagsOf(d?.TagList),
});

/** Pipeline deps whose workflow engine is the local driver running the deployed ASL against moto. */
const depsWith = (policy = testPolicy(), beforeStep?: (step: string, s: ReencryptState) => Promise<void>) => {
  const deps = testDeps(emu.clients(), { policy });
  // The steps run as the workflow-step function does on Lambda, with its own role.
  const steps = testDeps(emu.clients(), { policy, log: deps.log, alerts: deps.alerts }, 'workflowStep');
  const driver = new LocalWorkflowDriver(() => steps as PipelineDeps, { log: deps.log, beforeStep });
  deps.workflows = driver;
  return { deps, driver };
};

beforeAll(async () => {
  await rds().send(new DescribeDBInstancesCommand({})); // the first RDS call is slow on moto: warm it up once
});

beforeEach(async () => {
  await emu.current.reset();
  cmkArn = (await createKey(emu.clients(), R, 'alias/data-platform')).arn;
});

const ORDERS = {
  instanceClass: 'db.m5.large',
  securityGroupIds: [SG],
  parameterGroup: 'orders-app',
  optionGroup: 'orders-app',
  multiAz: true,
  port: 3307,
  deletionProtection: true,
  backupRetention: 7,
  iamAuth: true,
  monitoring: { interval: 60, roleArn: MONITORING_ROLE },
  tags: { team: 'orders', env: 'prod' },
};

describe('rds-instance re-encryption workflow on the emulator', () => {
  it('restores an unencrypted instance as a verified CMK-encrypted copy with its configuration, leaving the original untouched', async () => {
    await createParameterAndOptionGroups(emu.clients(), R, 'orders-app');
    await createInstance(emu.clients(), R, 'orders', { ...FALLBACK, ...ORDERS });
    const before = await instance('orders');
    const { deps, driver } = depsWith();

    const result = await processEvent(
      rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'orders', engine: 'mysql' }, R),
      deps,
    );
    expect(result.outcomes[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'UNENCRYPTED',
      action: 'REMEDIATE',
      result: 'PENDING',
    });
    const runs = await driver.settle();
    expect([...runs.values()][0]).toMatchObject({ status: 'SUCCEEDED' });
    expect([...runs.values()][0]?.path).toEqual(
      expect.arrayContaining([
        'Snapshot',
        'Copy',
        'Restore',
        'Configure',
        'Verify',
        'CutOver',
        'DeleteOriginal',
        'Notify',
        'Done',
      ]),
    );

    const copy = await instance('orders-cmk');
    expect(copy).toMatchObject({
      DBInstanceStatus: 'available',
      StorageEncrypted: true,
      KmsKeyId: cmkArn,
      DBInstanceClass: 'db.m5.large',
      MultiAZ: true,
      DeletionProtection: true,
      BackupRetentionPeriod: 7,
      IAMDatabaseAuthenticationEnabled: true,
      MonitoringInterval: 60,
      MonitoringRoleArn: MONITORING_ROLE,
    });
    expect(copy?.Endpoint?.Port).toBe(3307);
    expect(copy?.DBParameterGroups?.[0]?.DBParameterGroupName).toBe('orders-app');
    expect(copy?.OptionGroupMemberships?.[0]?.OptionGroupName).toBe('orders-app');
    expect(copy?.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).toEqual([SG]);
    expect(tagsOf(copy?.TagList)).toMatchObject({
      team: 'orders',
      env: 'prod',
      'cmk-sentinel:reencrypted-from': 'orders',
    });

    // The original: same name, still unencrypted, configuration unchanged.
    const after = await instance('orders');
    expect(after).toMatchObject({ DBInstanceStatus: 'available', StorageEncrypted: false });
    expect(essentials(after)).toEqual(essentials(before));

    const alerts = deps.alerts.alerts;
    expect(alerts.map((a) => a.action.result)).toEqual(['PENDING', 'VERIFIED']);
    expect(alerts[1]?.action.detail).toMatch(
      /verified.*To cut over: stop writes to orders.*--new-db-instance-identifier orders-pre-cmk.*never cuts over on its own/s,
    );

    // A later event for the same original: the verified copy is found, nothing starts, nobody is alerted again.
    const again = await processEvent(rdsEvent('ModifyDBInstance', { dBInstanceIdentifier: 'orders' }, R), deps);
    expect(again.outcomes[0]).toMatchObject({ result: 'UNCHANGED' });
    expect(again.outcomes[0]?.actionDetail).toMatch(/orders-cmk exists/);
    expect(driver.executions.size).toBe(1);
    expect(deps.alerts.alerts).toHaveLength(2);
  });

  it('re-keys an instance on the AWS-managed key (reported by moto as default_kms_key_id)', async () => {
    await createInstance(emu.clients(), R, 'billing', { ...FALLBACK, encrypted: true });
    const { deps, driver } = depsWith();
    const result = await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'billing' }, R), deps);
    expect(result.outcomes[0]).toMatchObject({ reason: 'AWS_MANAGED_KEY', result: 'PENDING' });
    await driver.settle();
    expect(await instance('billing-cmk')).toMatchObject({ StorageEncrypted: true, KmsKeyId: cmkArn });
  });

  it('with gates on, the restore fallback still never cuts over or deletes: it cannot fence writes (a verified copy and a runbook)', async () => {
    await createInstance(emu.clients(), R, 'ledger', {
      ...FALLBACK,
      deletionProtection: true,
      tags: { team: 'finance' },
    });
    const { deps, driver } = depsWith(testPolicy({ gates: { cutOver: true, deleteOriginals: true } }));
    await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'ledger' }, R), deps);
    const run = [...(await driver.settle()).values()][0];
    expect(run?.status).toBe('SUCCEEDED');
    expect(run?.output).toMatchObject({
      path: 'RESTORE',
      cutOver: 'SKIPPED',
      deleted: 'SKIPPED',
      route: { reason: expect.stringMatching(/MySQL 5\.6\.51/) },
    });
    expect(await instance('ledger')).toMatchObject({ StorageEncrypted: false, DeletionProtection: true });
    expect(await instance('ledger-cmk')).toMatchObject({ StorageEncrypted: true, KmsKeyId: cmkArn });
    expect(await instance('ledger-pre-cmk')).toBeUndefined();
    const detail = deps.alerts.alerts.at(-1)?.action.detail;
    expect(detail).toMatch(/To cut over: stop writes to ledger/);
    expect(detail).toMatch(/IAM database-auth policies .* master-user secret, alarms, read replicas/);
    expect(detail).toMatch(/never cuts over on its own/);
    expect(detail).toMatch(
      /Restore path: RDS for MySQL 5\.6\.51 is not 5\.7, 8\.0 or 8\.4 \(https:\/\/docs\.aws\.amazon\.com/,
    );
  });

  it('an RDS Proxy target on the fallback: the route found the proxy as the workflow-step role, the alert says to re-point it', async () => {
    await createInstance(emu.clients(), R, 'ledger', FALLBACK);
    await createInstance(emu.clients(), R, 'other', FALLBACK);
    await createProxy(emu.clients(), R, 'ledger-proxy', { instances: ['ledger'] });
    await createProxy(emu.clients(), R, 'other-proxy', { instances: ['other'] });
    const { deps, driver } = depsWith();
    await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'ledger' }, R), deps);
    const run = [...(await driver.settle()).values()][0];
    expect(run?.status).toBe('SUCCEEDED');
    expect(run?.output).toMatchObject({
      path: 'RESTORE',
      route: { reason: expect.stringMatching(/MySQL 5\.6\.51.*registered with RDS Proxy ledger-proxy in place/) },
    });
    const detail = deps.alerts.alerts.at(-1)?.action.detail;
    expect(detail).toMatch(/Restore path: .*RDS Proxy ledger-proxy .*RegisterDBProxyTargets/);
    expect(detail).not.toMatch(/other-proxy/);
  });

  it('a second event while the workflow runs starts nothing and logs why', async () => {
    await createInstance(emu.clients(), R, 'events', FALLBACK);
    const { deps, driver } = depsWith();
    const first = processEvent(
      rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'events' }, R, { id: 'one' }),
      deps,
    );
    const second = processEvent(
      rdsEvent('ModifyDBInstance', { dBInstanceIdentifier: 'events' }, R, { id: 'two' }),
      deps,
    );
    const [a, b] = await Promise.all([first, second]);
    expect([a.outcomes[0]?.result, b.outcomes[0]?.result].sort()).toEqual(['PENDING', 'UNCHANGED']);
    expect([a, b].find((r) => r.outcomes[0]?.result === 'UNCHANGED')?.outcomes[0]?.actionDetail).toMatch(
      /already started/,
    );
    expect(deps.log.lines.some((l) => l.message.startsWith('workflow already started'))).toBe(true);
    expect(driver.executions.size).toBe(1);
    await driver.settle();
    expect(deps.alerts.alerts.map((x) => x.action.result)).toEqual(['PENDING', 'VERIFIED']);
  });

  it('stops cleanly and alerts when the instance is deleted mid-workflow', async () => {
    await createInstance(emu.clients(), R, 'scratch', FALLBACK);
    const { deps, driver } = depsWith(testPolicy(), async (step) => {
      if (step === 'copy')
        await rds()
          .send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'scratch', SkipFinalSnapshot: true }))
          .catch(() => undefined);
    });
    await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'scratch' }, R), deps);
    const run = [...(await driver.settle()).values()][0];
    expect(run).toMatchObject({ status: 'FAILED', error: 'RESOURCE_GONE' });
    expect(run?.path.slice(-2)).toEqual(['Stop', 'Stopped']);
    expect(await instance('scratch-cmk')).toBeUndefined();
    const last = deps.alerts.alerts.at(-1);
    expect(last).toMatchObject({ action: { taken: 'REMEDIATE', result: 'FAILED' }, error: { code: 'RESOURCE_GONE' } });
    expect(last?.action.detail).toMatch(/Instance scratch no longer exists: the workflow stopped at "copy"/);
  });

  it('leaves a read replica and an Aurora member to their source, and a CMK instance alone', async () => {
    await createInstance(emu.clients(), R, 'good', { ...FALLBACK, encrypted: true, kmsKeyId: 'alias/data-platform' });
    await createCluster(emu.clients(), R, 'aur', { ...FALLBACK_CLUSTER, members: ['aur-1'] });
    const { deps, driver } = depsWith();
    const r = await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'good' }, R), deps);
    const m = await processEvent(
      rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'aur-1', dBClusterIdentifier: 'aur' }, R),
      deps,
    );
    expect(r.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE', observedKey: cmkArn });
    expect(m.outcomes[0]).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'CLUSTER_MEMBER' });
    expect(driver.executions.size).toBe(0);
  });

  it('quarantine mode tags the instance, closes public access and public snapshot sharing, and keeps the data', async () => {
    const { ModifyDBSnapshotAttributeCommand, CreateDBSnapshotCommand, DescribeDBSnapshotAttributesCommand } =
      await import('@aws-sdk/client-rds');
    await createInstance(emu.clients(), R, 'open', { ...FALLBACK, publiclyAccessible: true, tags: { owner: 'bi' } });
    await rds().send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'open', DBSnapshotIdentifier: 'open-manual' }),
    );
    await rds().send(
      new ModifyDBSnapshotAttributeCommand({
        DBSnapshotIdentifier: 'open-manual',
        AttributeName: 'restore',
        ValuesToAdd: ['all'],
      }),
    );
    const { deps, driver } = depsWith(testPolicy({ types: { 'rds-instance': { mode: 'quarantine' } } }));
    const result = await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'open' }, R), deps);
    expect(result.outcomes[0]).toMatchObject({ action: 'QUARANTINE', result: 'VERIFIED' });
    const after = await instance('open');
    expect(after).toMatchObject({ PubliclyAccessible: false, StorageEncrypted: false, DBInstanceStatus: 'available' });
    expect(tagsOf(after?.TagList)).toMatchObject({ owner: 'bi', 'cmk-sentinel:quarantine': 'UNENCRYPTED' });
    const attrs = await rds().send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: 'open-manual' }));
    expect(
      attrs.DBSnapshotAttributesResult?.DBSnapshotAttributes?.find((a) => a.AttributeName === 'restore')
        ?.AttributeValues ?? [],
    ).not.toContain('all');
    expect(driver.executions.size).toBe(0);
    const again = await processEvent(rdsEvent('ModifyDBInstance', { dBInstanceIdentifier: 'open' }, R), deps);
    expect(again.outcomes[0]).toMatchObject({ action: 'QUARANTINE', result: 'UNCHANGED' });
  });

  it('without a workflow engine, reports an error instead of pretending', async () => {
    await createInstance(emu.clients(), R, 'orphan', FALLBACK);
    const deps = testDeps(emu.clients());
    const result = await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'orphan' }, R), deps);
    expect(result.outcomes[0]).toMatchObject({
      status: 'ERROR',
      action: 'REMEDIATE',
      result: 'FAILED',
      error: { code: 'AWS_ERROR' },
    });
    expect(result.outcomes[0]?.error?.message).toMatch(/No workflow engine/);
  });
});

describe('rds-cluster (Aurora) re-encryption workflow on the emulator', () => {
  it('re-keys a cluster on aws/rds: restore from a cluster snapshot with the CMK, members recreated, original untouched', async () => {
    await createCluster(emu.clients(), R, 'analytics', {
      ...FALLBACK_CLUSTER,
      encrypted: true,
      members: ['analytics-1', 'analytics-2'],
      port: 3306,
      backupRetention: 5,
      iamAuth: true,
      tags: { team: 'bi' },
    });
    const { deps, driver } = depsWith();
    // moto reports a new cluster as "creating" first: the snapshot step waits for it.
    const result = await processEvent(rdsEvent('CreateDBCluster', { dBClusterIdentifier: 'analytics' }, R), deps);
    expect(result.outcomes[0]).toMatchObject({ status: 'NON_COMPLIANT', reason: 'AWS_MANAGED_KEY', result: 'PENDING' });
    const run = [...(await driver.settle()).values()][0];
    expect(run?.status).toBe('SUCCEEDED');
    expect(run?.path).not.toContain('Copy');

    const target = await cluster('analytics-cmk');
    expect(target).toMatchObject({
      StorageEncrypted: true,
      KmsKeyId: cmkArn,
      Port: 3306,
      BackupRetentionPeriod: 5,
      IAMDatabaseAuthenticationEnabled: true,
    });
    expect(tagsOf(target?.TagList)).toMatchObject({ team: 'bi', 'cmk-sentinel:reencrypted-from': 'analytics' });
    expect(await instance('analytics-1-cmk')).toMatchObject({
      DBClusterIdentifier: 'analytics-cmk',
      DBInstanceClass: 'db.r6g.large',
    });
    expect(await instance('analytics-2-cmk')).toMatchObject({ DBClusterIdentifier: 'analytics-cmk' });
    expect(await cluster('analytics')).toMatchObject({ StorageEncrypted: true, KmsKeyId: 'default_kms_key_id' });
    expect(deps.alerts.alerts.at(-1)?.action).toMatchObject({ result: 'VERIFIED' });
    expect(deps.alerts.alerts.at(-1)?.action.detail).toMatch(
      /modify-db-cluster --db-cluster-identifier analytics --new-db-cluster-identifier analytics-pre-cmk/,
    );

    // The event of our own restore: the new cluster is compliant, nothing else starts.
    const own = await processEvent(
      rdsEvent('RestoreDBClusterFromSnapshot', { dBClusterIdentifier: 'analytics-cmk' }, R),
      deps,
    );
    expect(own.outcomes[0]).toMatchObject({ status: 'COMPLIANT' });
    expect(driver.executions.size).toBe(1);
  });

  it('encrypts an unencrypted cluster: restored from its snapshot with the CMK, verified, original untouched', async () => {
    await createCluster(emu.clients(), R, 'warehouse', { ...FALLBACK_CLUSTER, members: ['warehouse-1'] });
    const { deps, driver } = depsWith();
    const result = await processEvent(rdsEvent('CreateDBCluster', { dBClusterIdentifier: 'warehouse' }, R), deps);
    expect(result.outcomes[0]).toMatchObject({ reason: 'UNENCRYPTED', result: 'PENDING' });
    const run = [...(await driver.settle()).values()][0];
    expect(run?.status).toBe('SUCCEEDED');
    expect(await cluster('warehouse-cmk')).toMatchObject({ StorageEncrypted: true, KmsKeyId: cmkArn });
    expect(await cluster('warehouse')).toMatchObject({ Status: 'available', StorageEncrypted: false });
    expect(deps.alerts.alerts.at(-1)?.action).toMatchObject({ result: 'VERIFIED' });
  });

  it('an Aurora cluster behind a proxy (its TRACKED_CLUSTER target): the route and the alert name the proxy', async () => {
    await createCluster(emu.clients(), R, 'warehouse', { ...FALLBACK_CLUSTER, members: ['warehouse-1'] });
    await createInstance(emu.clients(), R, 'warehouse-1-standalone', FALLBACK);
    await createProxy(emu.clients(), R, 'wh-proxy', { clusters: ['warehouse'] }, 'POSTGRESQL');
    await createProxy(emu.clients(), R, 'solo-proxy', { instances: ['warehouse-1-standalone'] });
    const { deps, driver } = depsWith();
    await processEvent(rdsEvent('CreateDBCluster', { dBClusterIdentifier: 'warehouse' }, R), deps);
    const run = [...(await driver.settle()).values()][0];
    expect(run?.status).toBe('SUCCEEDED');
    expect(run?.output).toMatchObject({
      path: 'RESTORE',
      route: { reason: expect.stringMatching(/Aurora PostgreSQL 14\.8.*registered with RDS Proxy wh-proxy in place/) },
    });
    const detail = deps.alerts.alerts.at(-1)?.action.detail;
    expect(detail).toMatch(/RDS Proxy wh-proxy/);
    expect(detail).not.toMatch(/solo-proxy/);
  });

  it('never cuts over or deletes when the restored cluster does not verify, even with gates on', async () => {
    // A restore that did not do what was asked (reported unencrypted), injected into the describe responses:
    // verification must catch it. The emulator itself now restores with the key (testbed/emulator/rds_ext.py).
    // The steps' own fresh clients (the fault stays out of the shared cache), as the workflow-step role.
    const credentials = emu.credentials?.('workflowStep');
    if (!credentials) throw new Error('this suite runs with IAM enforced: the workflow-step role has credentials');
    const clients = emulatorClients(emu.current.endpoint, credentials);
    clients.get(RDSClient, { region: R }).middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === 'DescribeDBClustersCommand') {
          const body = out.output as {
            DBClusters?: { DBClusterIdentifier?: string; StorageEncrypted?: boolean; KmsKeyId?: string }[];
          };
          for (const c of body.DBClusters ?? [])
            if (c.DBClusterIdentifier === 'warehouse-cmk')
              Object.assign(c, { StorageEncrypted: false, KmsKeyId: undefined });
        }
        return out;
      },
      { step: 'initialize', name: 'restoreDidNotEncrypt' },
    );
    await createCluster(emu.clients(), R, 'warehouse', { ...FALLBACK_CLUSTER, members: ['warehouse-1'] });
    const policy = testPolicy({ gates: { cutOver: true, deleteOriginals: true } });
    const deps = testDeps(emu.clients(), { policy });
    const steps = testDeps(clients, { policy, log: deps.log, alerts: deps.alerts });
    const driver = new LocalWorkflowDriver(() => steps as PipelineDeps, { log: deps.log });
    deps.workflows = driver;
    const result = await processEvent(rdsEvent('CreateDBCluster', { dBClusterIdentifier: 'warehouse' }, R), deps);
    expect(result.outcomes[0]).toMatchObject({ reason: 'UNENCRYPTED', result: 'PENDING' });
    const run = [...(await driver.settle()).values()][0];
    expect(run).toMatchObject({ status: 'FAILED', error: 'REENCRYPTION_FAILED' });
    expect(run?.path).not.toContain('CutOver');
    expect(await cluster('warehouse')).toMatchObject({ Status: 'available', StorageEncrypted: false });
    expect(await cluster('warehouse-pre-cmk')).toBeUndefined();
    expect(deps.alerts.alerts.at(-1)).toMatchObject({
      action: { result: 'VERIFICATION_FAILED' },
      error: { code: 'VERIFICATION_FAILED' },
    });
    expect(deps.alerts.alerts.at(-1)?.action.detail).toMatch(
      /warehouse-cmk is not encrypted.*original warehouse is untouched/,
    );
  });
});
