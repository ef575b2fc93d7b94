import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { KeyResolver } from '../../../shared/kms/key-resolver';
import { offlineClients, testPolicy } from '../../support/harness';

describe('KeyResolver.refresh (SDK mock: counts the calls the cache saves or must not save)', () => {
  const kms = mockClient(KMSClient);
  afterEach(() => kms.reset());
  afterAll(() => kms.restore());
  const clients = offlineClients();
  const key = (id: string, KeyState: string, DeletionDate?: Date) => ({
    KeyMetadata: {
      Arn: `arn:aws:kms:us-east-1:123456789012:key/${id}`,
      KeyId: id,
      KeyManager: 'CUSTOMER' as const,
      KeyState: KeyState as 'Enabled',
      DeletionDate,
    },
  });

  it('bypasses the cache, returns what was known before, and refills the cache with the fresh state', async () => {
    kms
      .on(DescribeKeyCommand)
      .resolvesOnce(key('k1', 'Enabled'))
      .resolves(key('k2', 'PendingDeletion', new Date('2026-12-04T10:00:00Z')));
    const keys = new KeyResolver(clients, testPolicy());
    expect((await keys.resolve('alias/data-platform', 'us-east-1'))?.keyId).toBe('k1');
    const { current, previous } = await keys.refresh('alias/data-platform', 'us-east-1');
    expect(previous?.keyId).toBe('k1');
    expect(current).toMatchObject({ keyId: 'k2', state: 'PendingDeletion', deletionDate: '2026-12-04T10:00:00.000Z' });
    expect((await keys.regionalCmk('us-east-1')).keyId).toBe('k2');
    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(2);
  });

  it('a cold instance knows nothing before; a failed earlier lookup is no "previous"', async () => {
    kms
      .on(DescribeKeyCommand)
      .rejectsOnce(Object.assign(new Error('x'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }))
      .resolves(key('k1', 'Enabled'));
    const keys = new KeyResolver(clients, testPolicy());
    expect(await keys.refresh('k1', 'us-east-1').catch(() => 'failed')).toBe('failed');
    const { current, previous } = await keys.refresh('k1', 'us-east-1');
    expect(previous).toBeUndefined();
    expect(current?.keyId).toBe('k1');
  });
});
