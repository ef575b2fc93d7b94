import {
  CancelKeyDeletionCommand,
  DescribeKeyCommand,
  EnableKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { processEvent } from '../../../../shared/pipeline/process';
import { kmsEvent } from '../../../../testbed/estates/estate-kms-tls';
import { offlineClients, testDeps } from '../../../support/harness';

/** SDK mocks: AccessDenied and throttling cannot be made on the emulator. */
describe('kms-key faults', () => {
  const kms = mockClient(KMSClient);
  const s3 = mockClient(S3Client);
  const clients = offlineClients();
  const arn = 'arn:aws:kms:us-east-1:123456789012:key/k1';
  const meta = (KeyState: string) => ({
    KeyMetadata: { Arn: arn, KeyId: 'k1', KeyManager: 'CUSTOMER' as const, KeyState: KeyState as 'Enabled' },
  });

  beforeEach(() => {
    kms.on(GetKeyPolicyCommand).resolves({ Policy: '{"Statement":[]}' });
    kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true });
    kms.on(ListResourceTagsCommand).resolves({ Tags: [] });
    s3.on(ListBucketsCommand).rejects(
      Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    );
  });
  afterEach(() => {
    kms.reset();
    s3.reset();
  });
  afterAll(() => {
    kms.restore();
    s3.restore();
  });

  it('AccessDenied on CancelKeyDeletion: a typed error naming the action, still a critical alert', async () => {
    kms.on(DescribeKeyCommand).resolves(meta('PendingDeletion'));
    kms
      .on(CancelKeyDeletionCommand)
      .rejects(
        Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }),
      );
    const deps = testDeps(clients);
    const result = await processEvent(kmsEvent('ScheduleKeyDeletion', 'us-east-1', { keyId: 'k1' }), deps);
    expect(result.outcomes[0]).toMatchObject({
      status: 'ERROR',
      reason: 'PENDING_DELETION',
      action: 'REMEDIATE',
      error: { code: 'ACCESS_DENIED', missingPermission: 'kms:CancelKeyDeletion' },
    });
    expect(deps.alerts.alerts[0]?.severity).toBe('CRITICAL');
    // A type that cannot be listed makes the usage count a stated lower bound, not a failure.
    expect(result.outcomes[0]?.detail).toMatch(/At least 0 resource\(s\).*s3-bucket not listable/);
  });

  it('throttled EnableKey is retryable', async () => {
    kms.on(DescribeKeyCommand).resolves(meta('Disabled'));
    kms
      .on(EnableKeyCommand)
      .rejects(Object.assign(new Error('slow'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    const result = await processEvent(kmsEvent('DisableKey', 'us-east-1', { keyId: arn }), testDeps(clients));
    expect(result.outcomes[0]).toMatchObject({ status: 'ERROR', error: { code: 'THROTTLED', retryable: true } });
    expect(kms.commandCalls(EnableKeyCommand)[0]?.args[0].input).toEqual({ KeyId: 'k1' });
  });
});
