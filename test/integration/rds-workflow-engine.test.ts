import {
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  StopDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { CreateStateMachineCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { buildDeps, type PipelineDeps } from '../../shared/pipeline/context';
import { processEvent } from '../../shared/pipeline/process';
import { LocalWorkflowDriver } from '../../shared/workflows/local-driver';
import definition from '../../shared/workflows/rds-reencrypt/definition.asl.json';
import type { ReencryptState } from '../../shared/workflows/rds-reencrypt/state';
import { runStep } from '../../shared/workflows/rds-reencrypt/steps';
import { StepFunctionsStarter } from '../../shared/workflows/sfn-starter';
import { createKey } from '../../testbed/estates/estate';
import { createInstance, rdsEvent } from '../../testbed/estates/estate-rds';
import { testDeps, useEmulator, onlyRules } from '../support/harness';

// Other rules answer some of the same calls; this file is about rds-instance and rds-cluster.
onlyRules('rds-instance', 'rds-cluster');

// These tests are about the snapshot-and-restore fallback: engines AWS Blue/Green does not take (route.ts):
// RDS for MySQL 5.6 and Aurora PostgreSQL below 14.9. The Blue/Green path is rds-blue-green.test.ts.
const FALLBACK = { engineVersion: '5.6.51' };
const R = 'us-east-1';
const emu = useEmulator();

const createMachine = async (): Promise<string> => {
  const sfn = emu.clients().get(SFNClient, { region: R });
  const def = JSON.stringify(definition).replaceAll(
    '${WorkflowStepFunctionArn}',
    'arn:aws:lambda:us-east-1:123456789012:function:workflow-step',
  );
  const out = await sfn.send(
    new CreateStateMachineCommand({
      name: 'rds-reencrypt',
      definition: def,
      roleArn: 'arn:aws:iam::123456789012:role/sfn',
      type: 'STANDARD',
    }),
  );
  return out.stateMachineArn as string;
};

beforeEach(async () => {
  await emu.current.reset();
  await createKey(emu.clients(), R, 'alias/data-platform');
});

describe('Step Functions starter (moto records executions)', () => {
  it('starts one execution per database; a second event finds that execution, starts nothing and logs it', async () => {
    const machine = await createMachine();
    await createInstance(emu.clients(), R, 'orders', FALLBACK);
    const deps = testDeps(emu.clients());
    deps.workflows = new StepFunctionsStarter(emu.clients(), { 'rds-reencrypt': machine }, deps.log);
    const first = await processEvent(
      rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'orders' }, R, { id: 'e1' }),
      deps,
    );
    const second = await processEvent(
      rdsEvent('ModifyDBInstance', { dBInstanceIdentifier: 'orders' }, R, { id: 'e2' }),
      deps,
    );
    expect(first.outcomes[0]).toMatchObject({ action: 'REMEDIATE', result: 'PENDING' });
    expect(first.outcomes[0]?.actionDetail).toMatch(
      /arn:aws:states:us-east-1:123456789012:execution:rds-reencrypt:rds-instance-123456789012-orders-/,
    );
    expect(second.outcomes[0]).toMatchObject({ action: 'REMEDIATE', result: 'UNCHANGED' });
    expect(deps.log.lines.filter((l) => l.message.startsWith('workflow already started'))).toHaveLength(1);
    const executions = await emu
      .clients()
      .get(SFNClient, { region: R })
      .send(new ListExecutionsCommand({ stateMachineArn: machine }));
    expect(executions.executions).toHaveLength(1);
    // Only the first start alerted (PENDING); the no-op did not.
    expect(deps.alerts.alerts.map((a) => a.action.result)).toEqual(['PENDING']);
  });

  it('buildDeps wires the starter from RDS_REENCRYPT_STATE_MACHINE_ARN, and none without it', () => {
    const withArn = buildDeps(
      { clients: emu.clients() },
      { RDS_REENCRYPT_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:x' },
    );
    expect(withArn.workflows).toBeInstanceOf(StepFunctionsStarter);
    expect(buildDeps({ clients: emu.clients() }, {}).workflows).toBeUndefined();
  });
});

describe('workflow steps are idempotent', () => {
  it('re-running every step after the workflow finished creates nothing new and changes nothing', async () => {
    await createInstance(emu.clients(), R, 'ledger', { ...FALLBACK, tags: { team: 'finance' } });
    const deps = testDeps(emu.clients());
    const driver = new LocalWorkflowDriver(() => deps as PipelineDeps);
    deps.workflows = driver;
    await processEvent(rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'ledger' }, R), deps);
    const run = [...(await driver.settle()).values()][0];
    expect(run?.status).toBe('SUCCEEDED');
    const rds = emu.clients().get(RDSClient, { region: R });
    const inventory = async () => ({
      instances: (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances?.map(
        (d) => `${d.DBInstanceIdentifier}:${d.DBInstanceStatus}:${d.StorageEncrypted}`,
      ).sort(),
      snapshots: (await rds.send(new DescribeDBSnapshotsCommand({}))).DBSnapshots?.filter(
        (s) => s.SnapshotType === 'manual',
      )
        .map((s) => `${s.DBSnapshotIdentifier}:${s.Encrypted}`)
        .sort(),
    });
    const before = await inventory();
    expect(before.instances).toEqual(['ledger-cmk:available:true', 'ledger:available:false']);
    const alertsBefore = deps.alerts.alerts.length;
    let state = run?.output as unknown as ReencryptState;
    for (const step of ['snapshot', 'copy', 'restore', 'configure', 'verify', 'cutOver', 'deleteOriginal']) {
      state = await runStep(step, state, deps);
      expect({ step, outcome: state.outcome }).toEqual({ step, outcome: 'READY' });
    }
    expect(await inventory()).toEqual(before);
    expect(deps.alerts.alerts).toHaveLength(alertsBefore);
  });

  it('snapshots a stopped instance without starting it', async () => {
    await createInstance(emu.clients(), R, 'idle', FALLBACK);
    const rds = emu.clients().get(RDSClient, { region: R });
    await rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: 'idle' }));
    const deps = testDeps(emu.clients());
    const state = {
      kind: 'instance',
      account: '123456789012',
      region: R,
      sourceId: 'idle',
      sourceArn: 'arn:aws:rds:us-east-1:123456789012:db:idle',
      reason: 'UNENCRYPTED',
      cmkArn: 'arn',
      execution: 'x',
      names: { snapshot: 'idle-cmk-src', copy: 'b', target: 'c', retired: 'd', final: 'e' },
    } as ReencryptState;
    expect(await runStep('snapshot', state, deps)).toMatchObject({ outcome: 'READY' });
    expect(
      (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'idle' }))).DBInstances?.[0]
        ?.DBInstanceStatus,
    ).toBe('stopped');
    expect(
      (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'idle-cmk-src' }))).DBSnapshots,
    ).toHaveLength(1);
  });

  it('the step Lambda handler runs the step named in its input and rejects an unknown one', async () => {
    process.env.AWS_ENDPOINT_URL = emu.current.endpoint;
    delete process.env.CMK_SENTINEL_POLICY;
    try {
      const { handler } = await import('../../functions/workflow-step/handler');
      const context = {
        functionName: 'workflow-step',
        awsRequestId: 'req-1',
        getRemainingTimeInMillis: () => 30_000,
      } as unknown as Context;
      const state = {
        kind: 'instance',
        account: '123456789012',
        region: R,
        sourceId: 'nothing-here',
        sourceArn: 'arn:aws:rds:us-east-1:123456789012:db:nothing-here',
        reason: 'UNENCRYPTED',
        cmkArn: 'arn',
        execution: 'x',
        names: { snapshot: 'a', copy: 'b', target: 'c', retired: 'd', final: 'e' },
      } as ReencryptState;
      await expect(handler({ step: 'snapshot', state }, context)).resolves.toMatchObject({
        outcome: 'GONE',
        step: 'snapshot',
      });
      await expect(handler({ step: 'no-such-step', state }, context)).rejects.toThrow(/unknown workflow step/);
    } finally {
      delete process.env.AWS_ENDPOINT_URL;
    }
  });
});
