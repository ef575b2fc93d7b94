import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  DescribeDBInstanceAutomatedBackupsCommand, RDSClient, StartDBInstanceAutomatedBackupsReplicationCommand, StopDBInstanceAutomatedBackupsReplicationCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { processEvent } from '../../shared/pipeline/process';
import { rdsEvent } from '../../scripts/lib/estate-cross-region';
import { offlineClients, testDeps, testPolicy } from '../support/harness';

/** moto 5 has no StartDBInstanceAutomatedBackupsReplication and lists no replicated backups: RDS is an SDK mock here. */
const rds = mockClient(RDSClient);
const kms = mockClient(KMSClient);
const W = 'eu-west-1';
const eastKey = 'arn:aws:kms:us-east-1:123456789012:key/east';
const westKey = 'arn:aws:kms:eu-west-1:123456789012:key/west';
const source = 'arn:aws:rds:us-east-1:123456789012:db:orders';
const clients = offlineClients();
const event = rdsEvent('StartDBInstanceAutomatedBackupsReplication', { sourceDBInstanceArn: source, kmsKeyId: eastKey }, W);

const backups = (key: string | undefined) => ({
  DBInstanceAutomatedBackups: [
    { DBInstanceArn: 'arn:aws:rds:eu-west-1:123456789012:db:local', Region: W, Encrypted: true, KmsKeyId: westKey, Status: 'active' },
    { DBInstanceArn: source, Region: 'us-east-1', Status: 'replicating', BackupRetentionPeriod: 7, Encrypted: key !== undefined, ...(key ? { KmsKeyId: key } : {}) },
  ],
});

beforeEach(() => {
  rds.reset();
  kms.reset();
  kms.on(DescribeKeyCommand).callsFake((input: { KeyId: string }) => {
    const arn = input.KeyId.startsWith('arn:') ? input.KeyId : westKey;
    return { KeyMetadata: { Arn: arn, KeyId: arn.split('/')[1], KeyManager: 'CUSTOMER' } };
  });
});
afterAll(() => {
  rds.restore();
  kms.restore();
});

describe('rds-backup-replication (SDK mock)', () => {
  it('backups replicated under the source region\'s key: reported; without the gate nothing is stopped', async () => {
    rds.on(DescribeDBInstanceAutomatedBackupsCommand).resolves(backups(eastKey));
    const deps = testDeps(clients);
    const result = await processEvent(event, deps);
    expect(result.outcomes[0]).toMatchObject({ ref: { type: 'rds-backup-replication', id: source }, reason: 'WRONG_REGION_KEY', action: 'REMEDIATE', result: 'PENDING', observedKey: eastKey, expectedKey: westKey });
    expect(result.outcomes[0]?.actionDetail).toContain('gates.cutOver');
    expect(rds.commandCalls(StopDBInstanceAutomatedBackupsReplicationCommand)).toHaveLength(0);
    expect(rds.commandCalls(StartDBInstanceAutomatedBackupsReplicationCommand)).toHaveLength(0);
    expect(deps.alerts.alerts).toHaveLength(1);
  });

  it('with gate cutOver replication is restarted with the destination CMK and the same retention', async () => {
    rds.on(DescribeDBInstanceAutomatedBackupsCommand).resolves(backups(eastKey));
    const result = await processEvent(event, testDeps(clients, { policy: testPolicy({ gates: { cutOver: true } }) }));
    expect(result.outcomes[0]).toMatchObject({ result: 'PENDING' });
    expect(rds.commandCalls(StopDBInstanceAutomatedBackupsReplicationCommand)[0]?.args[0].input).toEqual({ SourceDBInstanceArn: source });
    expect(rds.commandCalls(StartDBInstanceAutomatedBackupsReplicationCommand)[0]?.args[0].input).toEqual({ SourceDBInstanceArn: source, KmsKeyId: westKey, BackupRetentionPeriod: 7 });
  });

  it('backups replicated under the destination CMK are compliant; unencrypted ones are UNENCRYPTED', async () => {
    rds.on(DescribeDBInstanceAutomatedBackupsCommand).resolves(backups(westKey));
    expect((await processEvent(event, testDeps(clients))).outcomes[0]).toMatchObject({ status: 'COMPLIANT' });
    rds.on(DescribeDBInstanceAutomatedBackupsCommand).resolves(backups(undefined));
    expect((await processEvent(event, testDeps(clients, { policy: testPolicy({ mode: 'report' }) }))).outcomes[0]).toMatchObject({ reason: 'UNENCRYPTED', action: 'REPORT' });
  });

  it('no replicated backup of that source (replication stopped since): RESOURCE_GONE', async () => {
    rds.on(DescribeDBInstanceAutomatedBackupsCommand).resolves({ DBInstanceAutomatedBackups: [] });
    expect((await processEvent(event, testDeps(clients))).outcomes[0]).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'RESOURCE_GONE' });
  });
});
