import {
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  ModifyDBParameterGroupCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { processEvent } from '../../shared/pipeline/process';
import { createKey } from '../../testbed/estates/estate';
import { cloudTrailEvent } from '../../testbed/estates/estate';
import {
  createDbInstance,
  createParameterGroup,
  createRedshiftCluster,
  rdsEvent,
  redshiftEvent,
} from '../../testbed/estates/estate-kms-tls';
import { testDeps, testPolicy, useEmulator, onlyRules } from '../support/harness';

// Other rules answer some of the same calls; this file is about rds-tls and redshift-tls.
onlyRules('rds-tls', 'redshift-tls');

const R = 'us-east-1';
const emu = useEmulator();

const rds = () => emu.clients().get(RDSClient, { region: R });
const groupOf = async (id: string) =>
  (await rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0]
    ?.DBParameterGroups?.[0]?.DBParameterGroupName;
const paramOf = async (group: string, name: string) =>
  (await rds().send(new DescribeDBParametersCommand({ DBParameterGroupName: group }))).Parameters?.find(
    (p) => p.ParameterName === name,
  )?.ParameterValue;

beforeAll(async () => {
  // The emulator's first RDS call is slow: pay it once, outside the tests' timings.
  await emu.current.reset();
  await rds().send(new DescribeDBInstancesCommand({}));
}, 30_000);

beforeEach(async () => {
  await emu.current.reset();
  await createKey(emu.clients(), R, 'alias/data-platform');
});

describe('rds-tls rule on the emulator', () => {
  // moto reports every instance's ParameterApplyStatus as in-sync: what AWS shows until the reboot (pending-reboot)
  // is tested with SDK mocks in test/unit/rules/rds-tls/apply.test.ts.
  it('an instance on the default group gets a custom copy with rds.force_ssl=1 attached: PENDING, reboot named in the alert', async () => {
    const clients = emu.clients();
    await createDbInstance(clients, R, 'orders-db');
    const before = await groupOf('orders-db');
    expect(before).toMatch(/^default\./);
    const deps = testDeps(clients);
    const result = await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'orders-db' }, R), deps);
    expect(result.outcomes[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'NO_TLS',
      action: 'REMEDIATE',
      result: 'PENDING',
    });
    expect(result.outcomes[0]?.actionDetail).toMatch(/reboot instance orders-db/);
    const group = await groupOf('orders-db');
    expect(group).toMatch(/^cmk-sentinel-tls-postgres/);
    expect(await paramOf(group as string, 'rds.force_ssl')).toBe('1');
    expect(deps.alerts.alerts[0]?.action.detail).toMatch(/reboot/);

    // A second instance of the same family reuses the group; a repeat changes nothing (moto reports the attached group
    // in-sync).
    await createDbInstance(clients, R, 'billing-db');
    const second = await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'billing-db' }, R), deps);
    expect(second.outcomes[0]).toMatchObject({ result: 'PENDING' });
    expect(await groupOf('billing-db')).toBe(group);
    const repeat = await processEvent(rdsEvent('ModifyDBInstance', { dBInstanceIdentifier: 'orders-db' }, R), deps);
    expect(repeat.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
  });

  it('MySQL uses require_secure_transport (dynamic) on its own custom group, changed in place with immediate apply and verified', async () => {
    const clients = emu.clients();
    await createParameterGroup(clients, R, 'shop-mysql', 'mysql8.0');
    await createDbInstance(clients, R, 'shop-db', { engine: 'mysql', parameterGroup: 'shop-mysql' });
    const result = await processEvent(
      rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'shop-db' }, R),
      testDeps(clients),
    );
    expect(result.outcomes[0]).toMatchObject({ reason: 'NO_TLS', result: 'VERIFIED' });
    expect(await groupOf('shop-db')).toBe('shop-mysql');
    expect(await paramOf('shop-mysql', 'require_secure_transport')).toBe('1');
  });

  it('a shared custom group is left alone behind the gate, and the alert lists every affected instance', async () => {
    const clients = emu.clients();
    await createParameterGroup(clients, R, 'team-pg', 'postgres16');
    for (const id of ['pg-a', 'pg-b', 'pg-c']) await createDbInstance(clients, R, id, { parameterGroup: 'team-pg' });
    const deps = testDeps(clients);
    const result = await processEvent(rdsEvent('ModifyDBInstance', { dBInstanceIdentifier: 'pg-a' }, R), deps);
    expect(result.outcomes[0]).toMatchObject({ reason: 'NO_TLS', action: 'REPORT', result: 'NOT_ATTEMPTED' });
    expect(result.outcomes[0]?.actionDetail).toMatch(/pg-a, pg-b, pg-c/);
    expect(await paramOf('team-pg', 'rds.force_ssl')).toBeUndefined();
    expect(deps.alerts.alerts).toHaveLength(1);

    const gated = testDeps(clients, { policy: testPolicy({ gates: { modifySharedParameterGroups: true } }) });
    const open = await processEvent(rdsEvent('ModifyDBInstance', { dBInstanceIdentifier: 'pg-a' }, R), gated);
    expect(open.outcomes[0]).toMatchObject({ result: 'VERIFIED' });
    expect(open.outcomes[0]?.actionDetail).toMatch(/pg-a, pg-b, pg-c/);
    expect(await paramOf('team-pg', 'rds.force_ssl')).toBe('1');
  });

  it('a group already forcing TLS is compliant; an instance that is gone is not applicable', async () => {
    const clients = emu.clients();
    await createParameterGroup(clients, R, 'secure-pg', 'postgres16');
    await rds().send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: 'secure-pg',
        Parameters: [{ ParameterName: 'rds.force_ssl', ParameterValue: '1', ApplyMethod: 'immediate' }],
      }),
    );
    await createDbInstance(clients, R, 'secure-db', { parameterGroup: 'secure-pg' });
    const deps = testDeps(clients);
    expect(
      (await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'secure-db' }, R), deps)).outcomes[0],
    ).toMatchObject({ status: 'COMPLIANT' });
    expect(
      (await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'no-such-db' }, R), deps)).outcomes[0],
    ).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'RESOURCE_GONE' });
    expect(deps.alerts.alerts).toHaveLength(0);
  });

  it('redshift-tls reads a cluster on the emulator: default group without require_ssl is reported (the change: redshift-tls.test.ts)', async () => {
    const clients = emu.clients();
    await createRedshiftCluster(clients, R, 'warehouse');
    const deps = testDeps(clients, { policy: testPolicy({ types: { 'redshift-tls': { mode: 'report' } } }) });
    const result = await processEvent(redshiftEvent('CreateCluster', { clusterIdentifier: 'warehouse' }, R), deps);
    expect(result.outcomes[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'NO_TLS',
      action: 'REPORT',
      detail: expect.stringContaining('default.redshift-1.0'),
    });
    expect(
      (await processEvent(redshiftEvent('ModifyCluster', { clusterIdentifier: 'gone' }, R), deps)).outcomes[0],
    ).toMatchObject({ status: 'NOT_APPLICABLE' });
  });

  it('ModifyDBParameterGroup turning TLS off: the group is judged for every instance on it, behind the gate when shared', async () => {
    const clients = emu.clients();
    await createParameterGroup(clients, R, 'solo-pg', 'postgres16');
    await createParameterGroup(clients, R, 'duo-pg', 'postgres16');
    await createParameterGroup(clients, R, 'idle-pg', 'postgres16');
    await createDbInstance(clients, R, 'solo-db', { parameterGroup: 'solo-pg' });
    for (const id of ['duo-a', 'duo-b']) await createDbInstance(clients, R, id, { parameterGroup: 'duo-pg' });
    const groupEvent = (group: string) =>
      cloudTrailEvent({
        source: 'aws.rds',
        eventSource: 'rds.amazonaws.com',
        eventName: 'ModifyDBParameterGroup',
        region: R,
        requestParameters: {
          dBParameterGroupName: group,
          parameters: [{ parameterName: 'rds.force_ssl', parameterValue: '0', applyMethod: 'immediate' }],
        },
      });
    const deps = testDeps(clients);
    const solo = await processEvent(groupEvent('solo-pg'), deps);
    expect(solo.outcomes[0]).toMatchObject({
      ref: { type: 'rds-tls', id: 'pg:solo-pg' },
      reason: 'NO_TLS',
      result: 'VERIFIED',
      arn: expect.stringMatching(/:pg:solo-pg$/),
    });
    expect(await paramOf('solo-pg', 'rds.force_ssl')).toBe('1');
    const duo = await processEvent(groupEvent('duo-pg'), deps);
    expect(duo.outcomes[0]).toMatchObject({ action: 'REPORT', actionDetail: expect.stringMatching(/duo-a, duo-b/) });
    expect(await paramOf('duo-pg', 'rds.force_ssl')).toBeUndefined();
    expect((await processEvent(groupEvent('idle-pg'), deps)).outcomes[0]).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'UNUSED_GROUP',
    });
    expect((await processEvent(groupEvent('no-such-pg'), deps)).outcomes[0]).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'RESOURCE_GONE',
    });
  });
});
