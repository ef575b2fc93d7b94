import {
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  SwitchoverBlueGreenDeploymentCommand,
} from '@aws-sdk/client-rds';
import type { PipelineDeps } from '../../shared/pipeline/context';
import { processEvent } from '../../shared/pipeline/process';
import { decide, LocalApprovals } from '../../shared/workflows/approval';
import { LocalWorkflowDriver } from '../../shared/workflows/local-driver';
import { createKey } from '../../testbed/estates/estate';
import { createInstance, createProxy, rdsEvent } from '../../testbed/estates/estate-rds';
import { testDeps, testPolicy, useEmulator, onlyRules } from '../support/harness';

// The Blue/Green path on the emulator: its CreateBlueGreenDeployment honours TargetResourceConfigurations
// (testbed/emulator/rds_ext.py).
onlyRules('rds-instance');

const R = 'us-east-1';
const emu = useEmulator();
let cmkArn: string;
const rds = () => emu.clients().get(RDSClient, { region: R });
const instance = async (id: string) =>
  (
    await rds()
      .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
      .catch(() => undefined)
  )?.DBInstances?.[0];
const tagsOf = (t: { Key?: string; Value?: string }[] | undefined) =>
  Object.fromEntries((t ?? []).map((x) => [x.Key, x.Value]));

const start = async (
  gates: Record<string, boolean>,
  approvals = new LocalApprovals(() => new Promise(() => undefined)),
) => {
  const deps = testDeps(emu.clients(), { policy: testPolicy({ gates }) });
  deps.approvals = approvals;
  const driver = new LocalWorkflowDriver(() => deps as PipelineDeps, { log: deps.log, approvals });
  deps.workflows = driver;
  const result = await processEvent(
    rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'orders', engine: 'mysql' }, R),
    deps,
  );
  expect(result.outcomes[0]).toMatchObject({ status: 'NON_COMPLIANT', reason: 'UNENCRYPTED', result: 'PENDING' });
  const execution = [...driver.executions.keys()][0] as string;
  return { deps, driver, approvals, execution, run: async () => [...(await driver.settle()).values()][0] };
};

beforeAll(async () => {
  await rds().send(new DescribeDBInstancesCommand({}));
});

beforeEach(async () => {
  await emu.current.reset();
  cmkArn = (await createKey(emu.clients(), R, 'alias/data-platform')).arn;
  await createInstance(emu.clients(), R, 'orders', { backupRetention: 7, tags: { team: 'orders' } });
});

afterEach(() => jest.restoreAllMocks());

describe('rds-instance re-encryption by Blue/Green (MySQL 8.0 is on AWS Blue/Green list)', () => {
  it('gates.cutOver off: green is created on the CMK and verified, blue keeps serving, the alert gives the switchover plan', async () => {
    const { deps, run } = await start({});
    const r = await run();
    expect(r?.status).toBe('SUCCEEDED');
    expect(r?.path).toEqual([
      'Route',
      'RouteCheck',
      'CreateGreen',
      'CreateGreenCheck',
      'VerifyGreen',
      'VerifyGreenCheck',
      'ApprovalGate',
      'Notify',
      'Done',
    ]);
    const green = r?.output.greens as { blue: string; green: string }[];
    expect(green).toEqual([{ blue: 'orders', green: expect.stringMatching(/^orders-green-/) }]);
    expect(await instance(green[0]?.green as string)).toMatchObject({
      StorageEncrypted: true,
      KmsKeyId: cmkArn,
      BackupRetentionPeriod: 7,
    });
    expect((await instance('orders'))?.StorageEncrypted).toBe(false);
    const last = deps.alerts.alerts.at(-1);
    expect(last?.action).toMatchObject({
      result: 'PENDING',
      detail: expect.stringMatching(
        /Not switched over: gates\.cutOver is off.*Switchover plan: SwitchoverBlueGreenDeployment .*SwitchoverTimeout 300/,
      ),
    });
    expect(last?.action.detail).toMatch(/API_TargetResourceConfiguration/);
    expect(last?.action.detail).not.toMatch(/RDS Proxy/);
  });

  // rds-proxy-blue-green.html: RDS Proxy supports Blue/Green for RDS for MySQL, PostgreSQL and MariaDB; the blue
  // instance must already be a target (it is). The route and the alert name the proxy that follows green.
  it('an RDS Proxy target stays on Blue/Green; the route and the alert name its proxy (and no other)', async () => {
    await createInstance(emu.clients(), R, 'billing');
    await createProxy(emu.clients(), R, 'orders-proxy', { instances: ['orders'] });
    await createProxy(emu.clients(), R, 'billing-proxy', { instances: ['billing'] });
    const { deps, run } = await start({});
    const r = await run();
    expect(r?.status).toBe('SUCCEEDED');
    expect(r?.path).toEqual(expect.arrayContaining(['CreateGreen', 'VerifyGreen', 'Notify']));
    expect(r?.output.route).toMatchObject({
      reason: expect.stringMatching(/target of RDS Proxy orders-proxy \(.*UserGuide\/rds-proxy-blue-green\.html\)/),
    });
    const detail = deps.alerts.alerts.at(-1)?.action.detail;
    expect(detail).toMatch(/RDS Proxy orders-proxy.*switchover checks the proxy reaches green/);
    expect(detail).not.toMatch(/billing-proxy/);
  });

  it('approve: waits for the approval, switches over, verifies the production name on the CMK, deletes blue with a final snapshot and automated backups kept', async () => {
    const sent: { name: string; input: unknown }[] = [];
    const original = RDSClient.prototype.send;
    jest.spyOn(RDSClient.prototype, 'send').mockImplementation(function (
      this: RDSClient,
      cmd: unknown,
      ...rest: unknown[]
    ) {
      sent.push({ name: (cmd as object).constructor.name, input: (cmd as { input: unknown }).input });
      return (original as (...a: unknown[]) => unknown).call(this, cmd, ...rest);
    } as never);
    const { deps, approvals, execution, run } = await start({ cutOver: true, deleteOriginals: true });
    await approvals.whenPending(execution);
    expect(deps.alerts.alerts.at(-1)?.action.detail).toMatch(new RegExp(`cmk-sentinel approve ${execution}`));
    expect((await instance('orders'))?.StorageEncrypted).toBe(false); // nothing switched before the approval
    expect(sent.some((c) => c.name === 'SwitchoverBlueGreenDeploymentCommand')).toBe(false);

    expect(await decide(execution, 'approve', { store: approvals, completer: approvals }, 'alice')).toMatchObject({
      completed: true,
    });
    const r = await run();
    expect(r?.status).toBe('SUCCEEDED');
    expect(r?.path).toEqual(
      expect.arrayContaining(['AwaitApproval', 'Switchover', 'VerifySwitchover', 'DeleteBlue', 'Notify']),
    );
    expect(r?.output.approval).toMatchObject({ decision: 'APPROVED', by: 'alice' });
    expect(await instance('orders')).toMatchObject({ StorageEncrypted: true, KmsKeyId: cmkArn });
    expect(sent.find((c) => c.name === 'SwitchoverBlueGreenDeploymentCommand')?.input).toMatchObject({
      SwitchoverTimeout: 300,
    });
    expect(sent.find((c) => c.name === 'DeleteDBInstanceCommand')?.input).toEqual({
      DBInstanceIdentifier: 'orders-old1',
      FinalDBSnapshotIdentifier: 'orders-pre-cmk-final',
      DeleteAutomatedBackups: false,
    });
    expect(await instance('orders-old1')).toBeUndefined();
    const snaps = await rds().send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'orders-pre-cmk-final' }));
    expect(snaps.DBSnapshots?.[0]?.DBSnapshotIdentifier).toBe('orders-pre-cmk-final');
    expect(deps.alerts.alerts.at(-1)?.action).toMatchObject({
      result: 'VERIFIED',
      detail: expect.stringMatching(/switchover .* done and verified: orders is encrypted with/),
    });
    // The token was used once: a second approve finds nothing to do.
    expect(await decide(execution, 'approve', { store: approvals, completer: approvals })).toMatchObject({
      completed: false,
    });
  });

  it('approve without deleteOriginals: blue is kept as <id>-old1, marked so no rule re-encrypts it', async () => {
    const { approvals, execution, run, deps, driver } = await start({ cutOver: true });
    await approvals.whenPending(execution);
    await decide(execution, 'approve', { store: approvals, completer: approvals });
    expect((await run())?.status).toBe('SUCCEEDED');
    const blue = await instance('orders-old1');
    expect(blue?.StorageEncrypted).toBe(false);
    expect(tagsOf(blue?.TagList)).toMatchObject({ 'cmk-sentinel:retired-blue-of': 'orders' });
    const again = await processEvent(rdsEvent('ModifyDBInstance', { dBInstanceIdentifier: 'orders-old1' }, R), deps);
    expect(again.outcomes[0]).toMatchObject({
      result: 'UNCHANGED',
      actionDetail: expect.stringMatching(/retired blue of orders/),
    });
    expect(driver.executions.size).toBe(1);
  });

  it('reject: nothing is switched over, the alert says rejected and gives the plan', async () => {
    const { deps, approvals, execution, run } = await start({ cutOver: true });
    await approvals.whenPending(execution);
    await decide(execution, 'reject', { store: approvals, completer: approvals }, 'bob');
    const r = await run();
    expect(r?.status).toBe('SUCCEEDED');
    expect(r?.path).not.toContain('Switchover');
    expect(r?.output.approval).toMatchObject({
      decision: 'REJECTED',
      detail: expect.stringMatching(/rejected by bob/),
    });
    expect((await instance('orders'))?.StorageEncrypted).toBe(false);
    expect(deps.alerts.alerts.at(-1)?.action).toMatchObject({
      result: 'PENDING',
      detail: expect.stringMatching(/Not switched over: the switchover was rejected/),
    });
  });

  it('approval timeout: nothing is switched over, the alert says no approval came', async () => {
    const { deps, run } = await start({ cutOver: true }, new LocalApprovals(() => Promise.resolve()));
    const r = await run();
    expect(r?.status).toBe('SUCCEEDED');
    expect(r?.output.approval).toMatchObject({ decision: 'TIMED_OUT' });
    expect(r?.path).not.toContain('Switchover');
    expect((await instance('orders'))?.StorageEncrypted).toBe(false);
    expect(deps.alerts.alerts.at(-1)?.action.detail).toMatch(/no approval came/);
  });

  it('a switchover RDS refuses (guardrail; SDK fault) aborts with the cause; blue still serves, nothing deleted', async () => {
    const original = RDSClient.prototype.send;
    jest.spyOn(RDSClient.prototype, 'send').mockImplementation(function (
      this: RDSClient,
      cmd: unknown,
      ...rest: unknown[]
    ) {
      if (cmd instanceof SwitchoverBlueGreenDeploymentCommand) {
        return Promise.reject(
          Object.assign(new Error('Switchover blocked: replica lag on green exceeds the guardrail'), {
            name: 'InvalidBlueGreenDeploymentStateFault',
            $fault: 'client',
            $metadata: { httpStatusCode: 400 },
          }),
        );
      }
      return (original as (...a: unknown[]) => unknown).call(this, cmd, ...rest);
    } as never);
    const { deps, approvals, execution, run } = await start({ cutOver: true, deleteOriginals: true });
    await approvals.whenPending(execution);
    await decide(execution, 'approve', { store: approvals, completer: approvals });
    const r = await run();
    expect(r?.status).toBe('FAILED');
    expect(r?.path).toEqual(expect.arrayContaining(['Switchover', 'Abort']));
    expect(r?.path).not.toContain('DeleteBlue');
    expect(await instance('orders')).toMatchObject({ StorageEncrypted: false });
    expect(deps.alerts.alerts.at(-1)).toMatchObject({
      action: { result: 'FAILED', detail: expect.stringMatching(/replica lag/) },
    });
  });
});
