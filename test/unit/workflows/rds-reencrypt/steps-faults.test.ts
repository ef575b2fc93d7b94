import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { processEvent } from '../../../../shared/pipeline/process';
import { reencryptNames } from '../../../../shared/workflows/rds-reencrypt/names';
import type { ReencryptState } from '../../../../shared/workflows/rds-reencrypt/state';
import { runStep } from '../../../../shared/workflows/rds-reencrypt/steps';
import { StepFunctionsStarter } from '../../../../shared/workflows/sfn-starter';
import { asStepError } from '../../../../shared/workflows/step-error';
import { rdsEvent } from '../../../../testbed/estates/estate-rds';
import { offlineClients, testDeps } from '../../../support/harness';

/** Faults the emulator cannot produce: throttling and AccessDenied (SDK mocks, this file only). */
describe('rds re-encryption under faults', () => {
  const rds = mockClient(RDSClient);
  const kms = mockClient(KMSClient);
  const sfn = mockClient(SFNClient);
  afterEach(() => {
    rds.reset();
    kms.reset();
    sfn.reset();
  });
  afterAll(() => {
    rds.restore();
    kms.restore();
    sfn.restore();
  });
  const clients = offlineClients();
  const cmk = 'arn:aws:kms:us-east-1:123456789012:key/k1';
  const instance = {
    DBInstanceIdentifier: 'orders',
    DBInstanceArn: 'arn:aws:rds:us-east-1:123456789012:db:orders',
    DBInstanceStatus: 'available',
    StorageEncrypted: false,
  };
  const state: ReencryptState = {
    kind: 'instance',
    account: '123456789012',
    region: 'us-east-1',
    sourceId: 'orders',
    sourceArn: instance.DBInstanceArn,
    reason: 'UNENCRYPTED',
    cmkArn: cmk,
    names: reencryptNames('orders'),
    execution: 'x',
  };

  it('a throttled RDS call leaves the step named THROTTLED, which the state machine retries', async () => {
    rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance] });
    rds
      .on(DescribeDBSnapshotsCommand)
      .rejects(Object.assign(new Error('not found'), { name: 'DBSnapshotNotFoundFault' }));
    rds
      .on(CreateDBSnapshotCommand)
      .rejects(
        Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
      );
    const err = await runStep('snapshot', state, testDeps(clients)).catch((e: unknown) => asStepError(e));
    expect(err).toMatchObject({ name: 'THROTTLED' });
    const def = (await import('../../../../shared/workflows/rds-reencrypt/definition.asl.json')).default as unknown as {
      States: Record<string, { Retry?: { ErrorEquals: string[] }[] }>;
    };
    expect(def.States.Snapshot?.Retry?.[0]?.ErrorEquals).toContain('THROTTLED');
  });

  it('AccessDenied on StartExecution is an ERROR outcome naming the missing permission, with an alert', async () => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'orders' }).resolves({ DBInstances: [instance] });
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'orders-cmk' })
      .rejects(Object.assign(new Error('nf'), { name: 'DBInstanceNotFoundFault' }));
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { Arn: cmk, KeyId: 'k1', KeyManager: 'CUSTOMER' } });
    sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('nope'), { name: 'ExecutionDoesNotExist' }));
    sfn
      .on(StartExecutionCommand)
      .rejects(
        Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }),
      );
    const deps = testDeps(clients);
    deps.workflows = new StepFunctionsStarter(
      clients,
      { 'rds-reencrypt': 'arn:aws:states:us-east-1:123456789012:stateMachine:rds-reencrypt' },
      deps.log,
    );
    const result = await processEvent(
      rdsEvent('CreateDBInstance', { dBInstanceIdentifier: 'orders' }, 'us-east-1'),
      deps,
    );
    expect(result.outcomes.find((o) => o.ref.type === 'rds-instance')).toMatchObject({
      status: 'ERROR',
      action: 'REMEDIATE',
      result: 'FAILED',
      error: { code: 'ACCESS_DENIED', missingPermission: 'states:StartExecution' },
    });
    expect(deps.alerts.alerts.find((a) => a.resource.type === 'rds-instance')).toMatchObject({
      status: 'ERROR',
      error: { code: 'ACCESS_DENIED' },
    });
  });
});
