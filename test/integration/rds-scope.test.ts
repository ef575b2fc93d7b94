import {
  CreateDBClusterCommand,
  CreateGlobalClusterCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import type { PipelineDeps } from '../../shared/pipeline/context';
import { processEvent } from '../../shared/pipeline/process';
import { LocalWorkflowDriver } from '../../shared/workflows/local-driver';
import { createKey } from '../../testbed/estates/estate';
import { createCluster, createInstance, rdsEvent } from '../../testbed/estates/estate-rds';
import { testDeps, testPolicy, useEmulator, onlyRules } from '../support/harness';

// What rds-cluster / rds-instance leave to others or refuse, with the reason in the alert; and the 50-tag limit.
onlyRules('rds-instance', 'rds-cluster');

const R = 'us-east-1';
const emu = useEmulator();
const rds = () => emu.clients().get(RDSClient, { region: R });
const tagsOf = (t: { Key?: string; Value?: string }[] | undefined) =>
  Object.fromEntries((t ?? []).map((x) => [x.Key, x.Value]));

const depsWith = () => {
  const deps = testDeps(emu.clients(), { policy: testPolicy() });
  const driver = new LocalWorkflowDriver(() => deps as PipelineDeps, { log: deps.log });
  deps.workflows = driver;
  return { deps, driver };
};

beforeAll(async () => {
  await rds().send(new DescribeDBInstancesCommand({}));
});
beforeEach(async () => {
  await emu.current.reset();
  await createKey(emu.clients(), R, 'alias/data-platform');
});

describe('rds-cluster scope', () => {
  it('a member of a global database is not re-encrypted on its own: quarantined with the reason, no workflow', async () => {
    await createCluster(emu.clients(), R, 'orders-eu', { engineVersion: '8.0.mysql_aurora.3.05.2' });
    const arn = (await rds().send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'orders-eu' }))).DBClusters?.[0]
      ?.DBClusterArn;
    await rds().send(
      new CreateGlobalClusterCommand({ GlobalClusterIdentifier: 'orders', SourceDBClusterIdentifier: arn }),
    );
    const { deps, driver } = depsWith();
    const result = await processEvent(rdsEvent('CreateDBCluster', { dBClusterIdentifier: 'orders-eu' }, R), deps);
    expect(result.outcomes[0]).toMatchObject({ status: 'NON_COMPLIANT', reason: 'UNENCRYPTED', action: 'QUARANTINE' });
    expect(result.outcomes[0]?.actionDetail).toMatch(
      /cannot re-encrypt: orders-eu is a member of global database .*orders.*re-encrypt the global database as a whole/,
    );
    expect(driver.executions.size).toBe(0);
  });

  it('a Multi-AZ DB cluster gets its own reason and a runbook, not an Aurora workflow', async () => {
    await rds().send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'payments',
        Engine: 'mysql',
        EngineVersion: '8.0.35',
        DBClusterInstanceClass: 'db.m6gd.large',
        StorageType: 'io1',
        AllocatedStorage: 100,
        Iops: 1000,
        MasterUsername: 'admin',
        MasterUserPassword: 'not-a-real-secret-1',
      }),
    );
    const { deps, driver } = depsWith();
    const result = await processEvent(rdsEvent('CreateDBCluster', { dBClusterIdentifier: 'payments' }, R), deps);
    const o = result.outcomes[0];
    expect(o).toMatchObject({ status: 'NON_COMPLIANT', reason: 'UNENCRYPTED', action: 'QUARANTINE' });
    expect(o?.detail).toMatch(/^Multi-AZ DB cluster payments has unencrypted storage/);
    expect(o?.actionDetail).toMatch(
      /cannot re-encrypt: payments is a Multi-AZ DB cluster \(mysql, db\.m6gd\.large\): Blue\/Green does not support Multi-AZ DB cluster deployments/,
    );
    expect(driver.executions.size).toBe(0);
    expect(result.outcomes[0]?.result).not.toBe('FAILED');
  });
});

describe('50-tag limit on what the restore fallback creates', () => {
  it('keeps the workflow’s own tags, leaves the last user tags off and says which', async () => {
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${String(i).padStart(2, '0')}`, 'v']));
    await createInstance(emu.clients(), R, 'crowded', { engineVersion: '5.6.51', tags });
    const { deps, driver } = depsWith();
    await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'crowded' }, R), deps);
    const run = [...(await driver.settle()).values()][0];
    expect(run?.status).toBe('SUCCEEDED');
    expect(run?.output?.droppedTags).toEqual(['t48', 't49']);
    const copy = (await rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'crowded-cmk' })))
      .DBInstances?.[0];
    const copyTags = tagsOf(copy?.TagList);
    expect(Object.keys(copyTags)).toHaveLength(50);
    expect(copyTags).toMatchObject({ t00: 'v', t47: 'v', 'cmk-sentinel:reencrypted-from': 'crowded' });
    expect(copyTags.t48).toBeUndefined();
    expect(deps.alerts.alerts.at(-1)?.action.detail).toMatch(
      /Tags not carried \(RDS allows 50 per resource; the workflow's own tags are kept\): t48, t49\./,
    );
  });

  it('quarantine of a database that already carries 50 tags: the rest is done, the mark is left off and said', async () => {
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`, 'v']));
    await createInstance(emu.clients(), R, 'full', { engineVersion: '5.6.51', publiclyAccessible: true, tags });
    const deps = testDeps(emu.clients(), { policy: testPolicy({ types: { 'rds-instance': { mode: 'quarantine' } } }) });
    const result = await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'full' }, R), deps);
    expect(result.outcomes[0]).toMatchObject({ action: 'QUARANTINE', result: 'VERIFIED' });
    expect(result.outcomes[0]?.actionDetail).toMatch(/not tagged cmk-sentinel:quarantine: it carries 50 tags/);
    const after = (await rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'full' }))).DBInstances?.[0];
    expect(after?.PubliclyAccessible).toBe(false);
    expect(after?.TagList).toHaveLength(50);
  });
});
