import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { type DBInstance, DeleteDBInstanceCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { processEvent } from '../../../../shared/pipeline/process';
import { rdsEvent } from '../../../../testbed/estates/estate-cross-region';
import { offlineClients, testDeps, testPolicy } from '../../../support/harness';

/**
 * The cut-over (gate cutOver) while the replacement is still creating: a state the emulator cannot hold (its
 * instances are available at once), so RDS is mocked here. The rest of the cut-over runs on the emulator
 * (test/integration/rds-read-replica.test.ts).
 */
const rds = mockClient(RDSClient);
const kms = mockClient(KMSClient);
const W = 'eu-west-1';
const eastKey = 'arn:aws:kms:us-east-1:123456789012:key/east';
const westKey = 'arn:aws:kms:eu-west-1:123456789012:key/west';
const source = 'arn:aws:rds:us-east-1:123456789012:db:orders';
const clients = offlineClients();

const db = (id: string, key: string, status = 'available'): DBInstance => ({
  DBInstanceIdentifier: id,
  DBInstanceArn: `arn:aws:rds:${W}:123456789012:db:${id}`,
  DBInstanceStatus: status,
  StorageEncrypted: true,
  KmsKeyId: key,
  ReadReplicaSourceDBInstanceIdentifier: source,
  DBInstanceClass: 'db.t3.micro',
  TagList: [],
});

beforeEach(() => {
  rds.reset();
  kms.reset();
  kms.on(DescribeKeyCommand).callsFake((input: { KeyId: string }) => {
    const arn = input.KeyId.startsWith('arn:') ? input.KeyId : westKey;
    return { KeyMetadata: { Arn: arn, KeyId: arn.split('/')[1], KeyManager: 'CUSTOMER' } };
  });
  rds
    .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'orders-eu' })
    .resolves({ DBInstances: [db('orders-eu', eastKey)] });
});
afterAll(() => {
  rds.restore();
  kms.restore();
});

const event = rdsEvent(
  'CreateDBInstanceReadReplica',
  { dBInstanceIdentifier: 'orders-eu', sourceDBInstanceIdentifier: source },
  W,
);
const cutOver = () => testDeps(clients, { policy: testPolicy({ gates: { cutOver: true } }) });

describe('rds-read-replica cut-over while the replacement is creating (SDK mock)', () => {
  it('keeps the original while the replacement is still creating', async () => {
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'orders-eu-cmk' })
      .resolves({ DBInstances: [db('orders-eu-cmk', westKey, 'creating')] });
    const result = await processEvent(event, cutOver());
    expect(result.outcomes[0]).toMatchObject({ result: 'UNCHANGED' });
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
  });
});
