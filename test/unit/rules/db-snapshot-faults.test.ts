import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  AddTagsToResourceCommand,
  CopyDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  CreateTagsCommand,
  DescribeClustersCommand,
  DescribeClusterSnapshotsCommand,
  ModifyClusterCommand,
  RedshiftClient,
  RevokeSnapshotAccessCommand,
} from '@aws-sdk/client-redshift';
import { mockClient } from 'aws-sdk-client-mock';
import { processEvent } from '../../../shared/pipeline/process';
import { rdsEvent, redshiftEvent } from '../../../testbed/estates/estate-snapshots';
import { offlineClients, testDeps, testPolicy } from '../../support/harness';

// SDK mocks: for states the emulator cannot hold (a copy that takes time, a migration in progress) and for
// faults. Nothing here talks to moto. Redshift snapshot sharing runs on the emulator
// (test/integration/redshift.test.ts).
const R = 'us-east-1';
const CMK = `arn:aws:kms:${R}:123456789012:key/cmk-1`;
const kms = mockClient(KMSClient);
const rds = mockClient(RDSClient);
const redshift = mockClient(RedshiftClient);
const clients = offlineClients();
const awsError = (name: string) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 400 } });

beforeEach(() => {
  kms.reset();
  rds.reset();
  redshift.reset();
  kms
    .on(DescribeKeyCommand)
    .resolves({ KeyMetadata: { Arn: CMK, KeyId: 'cmk-1', KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
  process.env.CMK_SENTINEL_SNAPSHOT_WAIT_SECONDS = '0.3';
  process.env.CMK_SENTINEL_SNAPSHOT_POLL_SECONDS = '0.1';
});
afterAll(() => {
  kms.restore();
  rds.restore();
  redshift.restore();
});

const plainSnapshot = {
  DBSnapshotIdentifier: 'nightly',
  DBSnapshotArn: `arn:aws:rds:${R}:123456789012:snapshot:nightly`,
  SnapshotType: 'manual',
  Status: 'available',
  Encrypted: false,
  TagList: [],
};

describe('rds-snapshot with SDK mocks', () => {
  it('a copy still copying after the wait budget is PENDING; nothing is tagged or deleted before it is verified', async () => {
    rds.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'nightly' }).resolves({ DBSnapshots: [plainSnapshot] });
    rds
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'nightly-cmk' })
      .rejectsOnce(awsError('DBSnapshotNotFoundFault'))
      .resolves({
        DBSnapshots: [{ DBSnapshotIdentifier: 'nightly-cmk', Status: 'copying', Encrypted: true, KmsKeyId: CMK }],
      });
    rds.on(DescribeDBSnapshotAttributesCommand).resolves({
      DBSnapshotAttributesResult: { DBSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: [] }] },
    });
    rds.on(CopyDBSnapshotCommand).resolves({});
    const deps = testDeps(clients, { policy: testPolicy({ gates: { deleteOriginals: true } }) });
    const result = await processEvent(rdsEvent('CreateDBSnapshot', { dBSnapshotIdentifier: 'nightly' }, R), deps);
    expect(result.outcomes[0]).toMatchObject({ reason: 'UNENCRYPTED', action: 'REMEDIATE', result: 'PENDING' });
    expect(result.outcomes[0]?.actionDetail).toContain('nightly-cmk is still copying');
    expect(rds.commandCalls(CopyDBSnapshotCommand)[0]?.args[0].input).toEqual({
      SourceDBSnapshotIdentifier: 'nightly',
      TargetDBSnapshotIdentifier: 'nightly-cmk',
      KmsKeyId: CMK,
      CopyTags: true,
    });
    expect(rds.commandCalls(AddTagsToResourceCommand)).toHaveLength(0);
    expect(rds.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
    // It polled more than once within the budget.
    expect(
      rds.commandCalls(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'nightly-cmk' }).length,
    ).toBeGreaterThan(2);
  });

  it('with deleteOriginals on, an original already deleted by a concurrent duplicate run is not an error', async () => {
    rds.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'nightly' }).resolves({ DBSnapshots: [plainSnapshot] });
    rds.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'nightly-cmk' }).resolves({
      DBSnapshots: [{ DBSnapshotIdentifier: 'nightly-cmk', Status: 'available', Encrypted: true, KmsKeyId: CMK }],
    });
    rds.on(DescribeDBSnapshotAttributesCommand).resolves({});
    rds.on(AddTagsToResourceCommand).resolves({});
    rds.on(DeleteDBSnapshotCommand).rejects(awsError('DBSnapshotNotFoundFault'));
    const result = await processEvent(
      rdsEvent('CreateDBSnapshot', { dBSnapshotIdentifier: 'nightly' }, R),
      testDeps(clients, { policy: testPolicy({ gates: { deleteOriginals: true } }) }),
    );
    expect(result.outcomes[0]).toMatchObject({ action: 'REMEDIATE', result: 'VERIFIED' });
    expect(rds.commandCalls(CopyDBSnapshotCommand)).toHaveLength(0);
    expect(rds.commandCalls(AddTagsToResourceCommand)[0]?.args[0].input).toEqual({
      ResourceName: plainSnapshot.DBSnapshotArn,
      Tags: [{ Key: 'cmk-sentinel:superseded-by', Value: 'nightly-cmk' }],
    });
  });

  it('a copy a concurrent duplicate run made first (DBSnapshotAlreadyExists) is waited for and verified like our own', async () => {
    const tagged = { ...plainSnapshot, TagList: [{ Key: 'cmk-sentinel:superseded-by', Value: 'nightly-cmk' }] };
    rds
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'nightly' })
      .resolvesOnce({ DBSnapshots: [plainSnapshot] })
      .resolves({ DBSnapshots: [tagged] });
    rds
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'nightly-cmk' })
      .rejectsOnce(awsError('DBSnapshotNotFoundFault'))
      .resolvesOnce({
        DBSnapshots: [{ DBSnapshotIdentifier: 'nightly-cmk', Status: 'copying', Encrypted: true, KmsKeyId: CMK }],
      })
      .resolves({
        DBSnapshots: [{ DBSnapshotIdentifier: 'nightly-cmk', Status: 'available', Encrypted: true, KmsKeyId: CMK }],
      });
    rds.on(DescribeDBSnapshotAttributesCommand).resolves({});
    rds.on(CopyDBSnapshotCommand).rejects(awsError('DBSnapshotAlreadyExists'));
    rds.on(AddTagsToResourceCommand).resolves({});
    const result = await processEvent(
      rdsEvent('CreateDBSnapshot', { dBSnapshotIdentifier: 'nightly' }, R),
      testDeps(clients),
    );
    expect(result.outcomes[0]).toMatchObject({ action: 'REMEDIATE', result: 'VERIFIED' });
    expect(rds.commandCalls(AddTagsToResourceCommand)).toHaveLength(1);
  });

  it('AccessDenied on CopyDBSnapshot is an ERROR naming the missing permission', async () => {
    rds.on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'nightly' }).resolves({ DBSnapshots: [plainSnapshot] });
    rds
      .on(DescribeDBSnapshotsCommand, { DBSnapshotIdentifier: 'nightly-cmk' })
      .rejects(awsError('DBSnapshotNotFoundFault'));
    rds.on(DescribeDBSnapshotAttributesCommand).resolves({});
    rds.on(CopyDBSnapshotCommand).rejects(awsError('AccessDenied'));
    const deps = testDeps(clients);
    const result = await processEvent(rdsEvent('CreateDBSnapshot', { dBSnapshotIdentifier: 'nightly' }, R), deps);
    expect(result.outcomes[0]).toMatchObject({
      status: 'ERROR',
      action: 'REMEDIATE',
      result: 'FAILED',
      error: { code: 'ACCESS_DENIED', missingPermission: 'rds:CopyDBSnapshot' },
    });
    expect(deps.alerts.alerts[0]?.error?.code).toBe('ACCESS_DENIED');
  });

  it('throttling on describe is a retryable ERROR', async () => {
    rds.on(DescribeDBSnapshotsCommand).rejects(awsError('Throttling'));
    const result = await processEvent(
      rdsEvent('CreateDBSnapshot', { dBSnapshotIdentifier: 'nightly' }, R),
      testDeps(clients),
    );
    expect(result.outcomes[0]).toMatchObject({ status: 'ERROR', error: { code: 'THROTTLED', retryable: true } });
  });
});

describe('redshift with SDK mocks', () => {
  const snapshot = (accounts: string[], tags: { Key: string; Value: string }[] = []) => ({
    SnapshotIdentifier: 's1',
    ClusterIdentifier: 'dw',
    SnapshotArn: `arn:aws:redshift:${R}:123456789012:snapshot:dw/s1`,
    SnapshotType: 'manual',
    Status: 'available',
    Encrypted: false,
    AccountsWithRestoreAccess: accounts.map((AccountId) => ({ AccountId })),
    Tags: tags,
  });

  it('a revoke that does not stick is VERIFICATION_FAILED, not success', async () => {
    redshift.on(DescribeClusterSnapshotsCommand).resolves({ Snapshots: [snapshot(['111122223333'])] });
    redshift.on(RevokeSnapshotAccessCommand).resolves({});
    redshift.on(CreateTagsCommand).resolves({});
    const result = await processEvent(
      redshiftEvent('CreateClusterSnapshot', { snapshotIdentifier: 's1' }, R),
      testDeps(clients),
    );
    expect(result.outcomes[0]).toMatchObject({ action: 'QUARANTINE', result: 'VERIFICATION_FAILED' });
  });

  it('real AWS: ModifyCluster leaves the cluster modifying with an encryption change pending → PENDING; the next event sends nothing new', async () => {
    const base = { ClusterIdentifier: 'dw', Encrypted: false, PubliclyAccessible: false, Tags: [] };
    redshift
      .on(DescribeClustersCommand)
      .resolvesOnce({ Clusters: [{ ...base, ClusterStatus: 'available' }] })
      .resolves({
        Clusters: [{ ...base, ClusterStatus: 'modifying', PendingModifiedValues: { EncryptionType: 'KMS' } }],
      });
    redshift.on(ModifyClusterCommand).resolves({});
    const deps = testDeps(clients);
    const first = await processEvent(redshiftEvent('CreateCluster', { clusterIdentifier: 'dw' }, R), deps);
    expect(first.outcomes[0]).toMatchObject({ reason: 'UNENCRYPTED', action: 'REMEDIATE', result: 'PENDING' });
    expect(first.outcomes[0]?.actionDetail).toContain('status modifying');
    expect(redshift.commandCalls(ModifyClusterCommand)[0]?.args[0].input).toEqual({
      ClusterIdentifier: 'dw',
      Encrypted: true,
      KmsKeyId: CMK,
    });
    const again = await processEvent(redshiftEvent('ModifyCluster', { clusterIdentifier: 'dw' }, R), deps);
    expect(again.outcomes[0]).toMatchObject({ reason: 'ENCRYPTION_IN_PROGRESS', result: 'UNCHANGED' });
    expect(redshift.commandCalls(ModifyClusterCommand)).toHaveLength(1);
    expect(deps.alerts.alerts.filter((a) => a.resource.type === 'redshift-cluster')).toHaveLength(1);
  });

  it('real AWS, once the migration is done: the re-read reports the CMK and the remediation is VERIFIED', async () => {
    const base = { ClusterIdentifier: 'dw', PubliclyAccessible: false, Tags: [], ClusterStatus: 'available' };
    redshift
      .on(DescribeClustersCommand)
      .resolvesOnce({ Clusters: [{ ...base, Encrypted: false }] })
      .resolves({ Clusters: [{ ...base, Encrypted: true, KmsKeyId: CMK }] });
    redshift.on(ModifyClusterCommand).resolves({});
    const result = await processEvent(
      redshiftEvent('CreateCluster', { clusterIdentifier: 'dw' }, R),
      testDeps(clients),
    );
    expect(result.outcomes[0]).toMatchObject({ action: 'REMEDIATE', result: 'VERIFIED' });
  });
});
