import {
  CreateDBInstanceCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  StartDBInstanceAutomatedBackupsReplicationCommand,
  StopDBInstanceAutomatedBackupsReplicationCommand,
} from '@aws-sdk/client-rds';
import { processEvent } from '../../shared/pipeline/process';
import { createKey } from '../../testbed/estates/estate';
import { rdsEvent } from '../../testbed/estates/estate-cross-region';
import { ACCOUNT, testDeps, testPolicy, useEmulator } from '../support/harness';

// rds-backup-replication on the emulator: Start/StopDBInstanceAutomatedBackupsReplication and the replicated
// backups in DescribeDBInstanceAutomatedBackups come from the extension (testbed/emulator/rds_ext.py,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_StartDBInstanceAutomatedBackupsReplication.html).
// Replicated backups under another Region's key cannot be made (the key must be the destination's, as the API
// reference states); that finding is covered by the rule's pure evaluate (test/unit/events/cross-region.test.ts).
const E = 'us-east-1';
const W = 'eu-west-1';
const emu = useEmulator();
const source = `arn:aws:rds:${E}:${ACCOUNT}:db:orders`;
let westCmk: string;
const rds = (region: string) => emu.clients().get(RDSClient, { region });
const event = (kmsKeyId?: string) =>
  rdsEvent(
    'StartDBInstanceAutomatedBackupsReplication',
    { sourceDBInstanceArn: source, ...(kmsKeyId ? { kmsKeyId } : {}) },
    W,
  );
const replicated = async () =>
  (await rds(W).send(new DescribeDBInstanceAutomatedBackupsCommand({}))).DBInstanceAutomatedBackups?.filter(
    (b) => b.DBInstanceArn === source,
  ) ?? [];

beforeAll(async () => {
  await rds(E).send(new DescribeDBInstancesCommand({}));
}); // the first RDS call is slow on moto
beforeEach(async () => {
  await emu.current.reset();
  await createKey(emu.clients(), E, 'alias/data-platform');
  westCmk = (await createKey(emu.clients(), W, 'alias/data-platform')).arn;
});

const sourceInstance = async (encrypted = true) => {
  await rds(E).send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'orders',
      Engine: 'postgres',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      BackupRetentionPeriod: 7,
      MasterUsername: 'app',
      MasterUserPassword: 'not-a-secret-1',
      StorageEncrypted: encrypted,
    }),
  );
};
const replicate = (KmsKeyId?: string, BackupRetentionPeriod?: number) =>
  rds(W).send(
    new StartDBInstanceAutomatedBackupsReplicationCommand({
      SourceDBInstanceArn: source,
      KmsKeyId,
      BackupRetentionPeriod,
    }),
  );

describe('rds-backup-replication on the emulator', () => {
  it('backups replicated under another key of the destination: reported; without the gate nothing is stopped', async () => {
    const other = (await createKey(emu.clients(), W)).arn;
    await sourceInstance();
    await replicate(other, 9);
    const deps = testDeps(emu.clients());
    const result = await processEvent(event(other), deps);
    expect(result.outcomes[0]).toMatchObject({
      ref: { type: 'rds-backup-replication', id: source },
      reason: 'WRONG_KEY',
      action: 'REMEDIATE',
      result: 'PENDING',
      observedKey: other,
      expectedKey: westCmk,
    });
    expect(result.outcomes[0]?.actionDetail).toContain('gates.cutOver');
    expect(await replicated()).toMatchObject([{ KmsKeyId: other, Status: 'replicating', BackupRetentionPeriod: 9 }]);
    expect(deps.alerts.alerts).toHaveLength(1);
  });

  it('with gate cutOver replication is restarted with the destination CMK and the same retention', async () => {
    const other = (await createKey(emu.clients(), W)).arn;
    await sourceInstance();
    await replicate(other, 9);
    const result = await processEvent(
      event(other),
      testDeps(emu.clients(), { policy: testPolicy({ gates: { cutOver: true } }) }),
    );
    expect(result.outcomes[0]).toMatchObject({ result: 'PENDING' });
    expect(await replicated()).toMatchObject([
      { KmsKeyId: westCmk, Encrypted: true, Region: E, Status: 'replicating', BackupRetentionPeriod: 9 },
    ]);
    const names = (await rds(E).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders' })))
      .DBInstances?.[0]?.DBInstanceAutomatedBackupsReplications;
    expect(names).toEqual([
      {
        DBInstanceAutomatedBackupsArn: expect.stringMatching(
          new RegExp(`^arn:aws:rds:${W}:${ACCOUNT}:auto-backup:ab-`),
        ),
      },
    ]);
  });

  it('backups replicated under the destination CMK are compliant; those of an unencrypted source are UNENCRYPTED', async () => {
    await sourceInstance();
    await replicate(westCmk);
    expect((await processEvent(event(westCmk), testDeps(emu.clients()))).outcomes[0]).toMatchObject({
      status: 'COMPLIANT',
    });
    await emu.current.reset();
    await createKey(emu.clients(), W, 'alias/data-platform');
    await sourceInstance(false);
    await replicate();
    expect(
      (await processEvent(event(), testDeps(emu.clients(), { policy: testPolicy({ mode: 'report' }) }))).outcomes[0],
    ).toMatchObject({ reason: 'UNENCRYPTED', action: 'REPORT' });
  });

  it('no replicated backup of that source (replication stopped since): RESOURCE_GONE', async () => {
    await sourceInstance();
    await replicate(westCmk);
    await rds(W).send(new StopDBInstanceAutomatedBackupsReplicationCommand({ SourceDBInstanceArn: source }));
    expect((await processEvent(event(westCmk), testDeps(emu.clients()))).outcomes[0]).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'RESOURCE_GONE',
    });
  });
});

describe('automated backup replication on the emulator (the refusals the API reference states)', () => {
  const refusal = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      return {
        name: (e as Error).name,
        status: (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode,
      };
    }
    throw new Error('expected a refusal');
  };

  it('refuses a missing source, a source in the same Region, a key of another Region, an encrypted source without a key, a second start and a stop with nothing replicating', async () => {
    expect(await refusal(replicate(westCmk))).toEqual({ name: 'DBInstanceNotFoundFault', status: 404 });
    await sourceInstance();
    expect(
      await refusal(
        rds(E).send(new StartDBInstanceAutomatedBackupsReplicationCommand({ SourceDBInstanceArn: source })),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    const eastKey = (await createKey(emu.clients(), E)).arn;
    expect(await refusal(replicate(eastKey))).toMatchObject({ name: 'KMSKeyNotAccessibleFault' });
    expect(await refusal(replicate())).toMatchObject({ name: 'InvalidParameterCombination' });
    expect(
      await refusal(rds(W).send(new StopDBInstanceAutomatedBackupsReplicationCommand({ SourceDBInstanceArn: source }))),
    ).toMatchObject({ name: 'InvalidDBInstanceStateFault' });
    expect(await replicated()).toEqual([]);
    const started = await replicate(westCmk);
    expect(started.DBInstanceAutomatedBackup).toMatchObject({
      DBInstanceArn: source,
      Status: 'replicating',
      BackupRetentionPeriod: 7,
      KmsKeyId: westCmk,
    });
    expect(await refusal(replicate(westCmk))).toMatchObject({ name: 'InvalidDBInstanceAutomatedBackupStateFault' });
  });
});
