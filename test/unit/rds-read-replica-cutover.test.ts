import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateDBInstanceReadReplicaCommand, type DBInstance, DeleteDBInstanceCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { processEvent } from '../../shared/pipeline/process';
import { rdsEvent } from '../../scripts/lib/estate-cross-region';
import { offlineClients, testDeps, testPolicy } from '../support/harness';

/** The cut-over (gate cutOver): moto 5 answers DeleteDBInstance of a cross-region replica with HTTP 500, so RDS is mocked here. */
const rds = mockClient(RDSClient);
const kms = mockClient(KMSClient);
const W = 'eu-west-1';
const eastKey = 'arn:aws:kms:us-east-1:123456789012:key/east';
const westKey = 'arn:aws:kms:eu-west-1:123456789012:key/west';
const source = 'arn:aws:rds:us-east-1:123456789012:db:orders';
const clients = offlineClients();

const db = (id: string, key: string, status = 'available'): DBInstance => ({
  DBInstanceIdentifier: id, DBInstanceArn: `arn:aws:rds:${W}:123456789012:db:${id}`, DBInstanceStatus: status, StorageEncrypted: true, KmsKeyId: key,
  ReadReplicaSourceDBInstanceIdentifier: source, DBInstanceClass: 'db.t3.micro', TagList: [],
});
const notFound = Object.assign(new Error('nf'), { name: 'DBInstanceNotFoundFault', $metadata: { httpStatusCode: 404 } });

beforeEach(() => {
  rds.reset();
  kms.reset();
  kms.on(DescribeKeyCommand).callsFake((input: { KeyId: string }) => {
    const arn = input.KeyId.startsWith('arn:') ? input.KeyId : westKey;
    return { KeyMetadata: { Arn: arn, KeyId: arn.split('/')[1], KeyManager: 'CUSTOMER' } };
  });
  rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'orders-eu' }).resolves({ DBInstances: [db('orders-eu', eastKey)] });
});
afterAll(() => {
  rds.restore();
  kms.restore();
});

const event = rdsEvent('CreateDBInstanceReadReplica', { dBInstanceIdentifier: 'orders-eu', sourceDBInstanceIdentifier: source }, W);
const cutOver = () => testDeps(clients, { policy: testPolicy({ gates: { cutOver: true } }) });

describe('rds-read-replica cut-over (SDK mock)', () => {
  it('creates the replacement with the destination CMK and the source ARN, and deletes nothing yet', async () => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'orders-eu-cmk' }).rejects(notFound);
    const result = await processEvent(event, cutOver());
    expect(result.outcomes[0]).toMatchObject({ result: 'PENDING' });
    expect(rds.commandCalls(CreateDBInstanceReadReplicaCommand)[0]?.args[0].input).toMatchObject({ DBInstanceIdentifier: 'orders-eu-cmk', SourceDBInstanceIdentifier: source, KmsKeyId: westKey });
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
  });

  it('keeps the original while the replacement is still creating', async () => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'orders-eu-cmk' }).resolves({ DBInstances: [db('orders-eu-cmk', westKey, 'creating')] });
    const result = await processEvent(event, cutOver());
    expect(result.outcomes[0]).toMatchObject({ result: 'UNCHANGED' });
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
  });

  it('keeps the original when the replacement is on the wrong key', async () => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'orders-eu-cmk' }).resolves({ DBInstances: [db('orders-eu-cmk', eastKey)] });
    await processEvent(event, cutOver());
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
  });

  it('deletes the wrong replica once the replacement is available on the destination CMK', async () => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'orders-eu-cmk' }).resolves({ DBInstances: [db('orders-eu-cmk', westKey)] });
    const result = await processEvent(event, cutOver());
    expect(result.outcomes[0]).toMatchObject({ result: 'PENDING' });
    expect(rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input)).toEqual([{ DBInstanceIdentifier: 'orders-eu', SkipFinalSnapshot: true }]);
  });

  it('without the gate never deletes, even with a verified replacement', async () => {
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'orders-eu-cmk' }).resolves({ DBInstances: [db('orders-eu-cmk', westKey)] });
    await processEvent(event, testDeps(clients));
    expect(rds.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
  });
});
