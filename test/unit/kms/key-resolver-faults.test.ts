import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { KeyResolver } from '../../../shared/kms/key-resolver';
import { offlineClients, testPolicy } from '../../support/harness';

describe('KeyResolver caching and faults (SDK mock: faults cannot be made on the emulator)', () => {
  const kms = mockClient(KMSClient);
  afterEach(() => kms.reset());
  afterAll(() => kms.restore());
  const clients = offlineClients();
  const arn = 'arn:aws:kms:us-east-1:123456789012:key/k1';

  it('caches per region for the TTL, then asks again', async () => {
    let t = 0;
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { Arn: arn, KeyId: 'k1', KeyManager: 'CUSTOMER' } });
    const keys = new KeyResolver(clients, testPolicy(), 1000, () => t);
    await keys.regionalCmk('us-east-1');
    await keys.regionalCmk('us-east-1');
    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(1);
    t = 2000;
    await keys.regionalCmk('us-east-1');
    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(2);
  });

  it('AccessDenied becomes a typed error naming kms:DescribeKey, and is not cached', async () => {
    kms
      .on(DescribeKeyCommand)
      .rejectsOnce(
        Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }),
      )
      .resolves({ KeyMetadata: { Arn: arn, KeyId: 'k1', KeyManager: 'CUSTOMER' } });
    const keys = new KeyResolver(clients, testPolicy());
    await expect(keys.resolve('alias/data-platform', 'us-east-1')).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      details: { missingPermission: 'kms:DescribeKey' },
    });
    await expect(keys.resolve('alias/data-platform', 'us-east-1')).resolves.toMatchObject({ arn });
  });

  it('throttling becomes a retryable THROTTLED error', async () => {
    kms
      .on(DescribeKeyCommand)
      .rejects(
        Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
      );
    const keys = new KeyResolver(clients, testPolicy());
    await expect(keys.resolve('alias/x', 'us-east-1')).rejects.toMatchObject({ code: 'THROTTLED', retryable: true });
  });
});
