import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  GetBucketLocationCommand,
  GetBucketReplicationCommand,
  GetBucketTaggingCommand,
  PutBucketReplicationCommand,
  type ReplicationConfiguration,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { processEvent } from '../../../../shared/pipeline/process';
import { s3Event } from '../../../../testbed/estates/estate';
import { offlineClients, testDeps } from '../../../support/harness';

/**
 * Faults of the s3-replication rewrite, with S3 as an SDK mock that reads back what was put: a read-back that
 * differs from the write, and a refused write. The rewrite itself runs on the emulator
 * (test/integration/s3-replication.test.ts).
 */
const s3 = mockClient(S3Client);
const kms = mockClient(KMSClient);
// The role check before a rewrite (iam:SimulatePrincipalPolicy with the key policy): allowed here.
const iam = mockClient(IAMClient);
const E = 'us-east-1';
const W = 'eu-west-1';
const cmk = (r: string) => `arn:aws:kms:${r}:123456789012:key/cmk-${r}`;
const clients = offlineClients();

let stored: ReplicationConfiguration;
const config = (ssc: 'Enabled' | 'Disabled' | undefined): ReplicationConfiguration => ({
  Role: 'arn:aws:iam::123456789012:role/replication',
  Rules: [
    {
      ID: 'logs',
      Priority: 1,
      Status: 'Enabled',
      Filter: { And: { Prefix: 'logs/', Tags: [{ Key: 'class', Value: 'pii' }] } },
      ...(ssc
        ? {
            SourceSelectionCriteria: {
              SseKmsEncryptedObjects: { Status: ssc },
              ReplicaModifications: { Status: 'Enabled' },
            },
          }
        : {}),
      DeleteMarkerReplication: { Status: 'Disabled' },
      Destination: {
        Bucket: 'arn:aws:s3:::dst-eu',
        Account: '123456789012',
        AccessControlTranslation: { Owner: 'Destination' },
        EncryptionConfiguration: { ReplicaKmsKeyID: cmk(W) },
        Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
      },
    },
    {
      ID: 'raw',
      Priority: 2,
      Status: 'Enabled',
      Filter: { Prefix: 'raw/' },
      SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
      DeleteMarkerReplication: { Status: 'Enabled' },
      Destination: { Bucket: 'arn:aws:s3:::dst-eu', EncryptionConfiguration: { ReplicaKmsKeyID: cmk(W) } },
    },
  ],
});

beforeEach(() => {
  s3.reset();
  kms.reset();
  iam.reset();
  iam.on(SimulatePrincipalPolicyCommand).resolves({
    EvaluationResults: [{ EvalActionName: 'kms:Encrypt', EvalResourceName: '*', EvalDecision: 'allowed' }],
  });
  kms.on(GetKeyPolicyCommand).resolves({ Policy: '{"Statement":[]}' });
  kms.on(DescribeKeyCommand).callsFake(async (input: { KeyId?: string }, getClient: () => KMSClient) => {
    const region = await getClient().config.region();
    const arn = input.KeyId?.startsWith('arn:') ? input.KeyId : cmk(region);
    return { KeyMetadata: { Arn: arn, KeyId: arn.split('/')[1], KeyManager: 'CUSTOMER' } };
  });
  s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: W });
  s3.on(GetBucketTaggingCommand).resolves({ TagSet: [] });
  s3.on(GetBucketReplicationCommand).callsFake(() => ({ ReplicationConfiguration: structuredClone(stored) }));
  s3.on(PutBucketReplicationCommand).callsFake((input: { ReplicationConfiguration: ReplicationConfiguration }) => {
    stored = structuredClone(input.ReplicationConfiguration);
    return {};
  });
});
afterAll(() => {
  s3.restore();
  kms.restore();
});

describe('s3-replication faults (SDK mock)', () => {
  it('a configuration that reads back different from what was written is VERIFICATION_FAILED, not silently accepted', async () => {
    stored = config(undefined);
    s3.on(PutBucketReplicationCommand).callsFake((input: { ReplicationConfiguration: ReplicationConfiguration }) => {
      stored = structuredClone(input.ReplicationConfiguration);
      // A store that loses a field: the prefix comes back empty.
      (stored.Rules?.[1]?.Filter as { Prefix?: string }).Prefix = '';
      return {};
    });
    const deps = testDeps(clients);
    const result = await processEvent(s3Event('PutBucketReplication', 'src', E), deps);
    expect(result.outcomes[0]).toMatchObject({
      status: 'ERROR',
      action: 'REMEDIATE',
      error: { code: 'VERIFICATION_FAILED' },
    });
    expect(deps.alerts.alerts[0]?.severity).toBe('HIGH');
  });

  it('AccessDenied on the write names the missing permission', async () => {
    stored = config(undefined);
    s3.on(PutBucketReplicationCommand).rejects(
      Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    );
    const result = await processEvent(s3Event('PutBucketReplication', 'src', E), testDeps(clients));
    expect(result.outcomes[0]).toMatchObject({
      status: 'ERROR',
      error: { code: 'ACCESS_DENIED', missingPermission: 's3:PutReplicationConfiguration' },
    });
  });
});
