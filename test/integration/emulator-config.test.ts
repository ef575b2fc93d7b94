import {
  BatchGetAggregateResourceConfigCommand,
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  ListDiscoveredResourcesCommand,
  PutConfigurationAggregatorCommand,
  PutConfigurationRecorderCommand,
} from '@aws-sdk/client-config-service';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutBucketEncryptionCommand, PutBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { ACCOUNT, useEmulator } from '../support/harness';
import { sentInvalidOnPurpose } from '../../testbed/requests';

// The emulator extension's AWS Config inventory of S3 buckets (testbed/emulator/config_ext.py) with moto's own
// ListDiscoveredResources and batch reads, driven with the real SDK. Config API Reference: API_BatchGetResourceConfig,
// API_ListDiscoveredResources, API_BatchGetAggregateResourceConfig; the item's shape: the AWS Config resource schema
// (AWS::S3::Bucket.properties.json).
const R = 'us-east-1';
const emu = useEmulator();
const config = () => emu.clients().get(ConfigServiceClient, { region: R });
const s3 = () => emu.clients().get(S3Client, { region: R });

const recorder = () =>
  config().send(
    new PutConfigurationRecorderCommand({
      ConfigurationRecorder: {
        name: 'default',
        roleARN: `arn:aws:iam::${ACCOUNT}:role/config`,
        recordingGroup: { allSupported: true, includeGlobalResourceTypes: false },
      },
    }),
  );

beforeEach(async () => {
  await emu.current.reset();
});

describe('AWS Config S3 bucket items on the emulator', () => {
  it('refuses reads with no configuration recorder in the account and region', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'bkt-1' }));
    await expect(
      config().send(new ListDiscoveredResourcesCommand({ resourceType: 'AWS::S3::Bucket' })),
    ).rejects.toMatchObject({ name: 'NoAvailableConfigurationRecorderException' });
    await expect(
      config().send(
        new BatchGetResourceConfigCommand({ resourceKeys: [{ resourceType: 'AWS::S3::Bucket', resourceId: 'bkt-1' }] }),
      ),
    ).rejects.toMatchObject({ name: 'NoAvailableConfigurationRecorderException' });
  });

  it("records the default encryption and the last change's capture time, and leaves tags out of the batch read", async () => {
    await recorder();
    const key = (await emu.clients().get(KMSClient, { region: R }).send(new CreateKeyCommand({}))).KeyMetadata?.Arn;
    await s3().send(new CreateBucketCommand({ Bucket: 'bkt-1' }));
    await s3().send(new CreateBucketCommand({ Bucket: 'bkt-2' }));
    await s3().send(
      new PutBucketTaggingCommand({
        Bucket: 'bkt-1',
        Tagging: { TagSet: [{ Key: 'cmk-sentinel:objects', Value: 'x' }] },
      }),
    );
    const before = Date.now();
    await s3().send(
      new PutBucketEncryptionCommand({
        Bucket: 'bkt-1',
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key },
              BucketKeyEnabled: true,
            },
          ],
        },
      }),
    );
    const listed = await config().send(new ListDiscoveredResourcesCommand({ resourceType: 'AWS::S3::Bucket' }));
    expect(listed.resourceIdentifiers?.map((r) => r.resourceId).sort()).toEqual(['bkt-1', 'bkt-2']);

    const out = await config().send(
      new BatchGetResourceConfigCommand({
        resourceKeys: ['bkt-1', 'bkt-2'].map((resourceId) => ({ resourceType: 'AWS::S3::Bucket', resourceId })),
      }),
    );
    const one = out.baseConfigurationItems?.find((i) => i.resourceId === 'bkt-1');
    const two = out.baseConfigurationItems?.find((i) => i.resourceId === 'bkt-2');
    expect(JSON.parse(one?.supplementaryConfiguration?.ServerSideEncryptionConfiguration ?? '{}')).toEqual({
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyID: key },
          bucketKeyEnabled: true,
        },
      ],
    });
    expect(one?.configurationItemStatus).toBe('OK');
    expect(one?.configurationItemCaptureTime?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(one?.accountId).toBe(ACCOUNT);
    expect(one?.awsRegion).toBe(R);
    // "The API does not return any tags ... filtered out of the supplementaryConfiguration section".
    expect(one?.supplementaryConfiguration?.BucketTaggingConfiguration).toBeUndefined();
    expect(two?.supplementaryConfiguration?.ServerSideEncryptionConfiguration).toBeUndefined();
    expect(two?.configurationItemStatus).toBe('ResourceDiscovered');
  });

  it('refuses more than 100 keys per batch (ResourceKeys: length 1-100)', async () => {
    await recorder();
    const keys = Array.from({ length: 101 }, (_, i) => ({
      resourceType: 'AWS::S3::Bucket' as const,
      resourceId: `bkt-${i}`,
    }));
    await expect(
      sentInvalidOnPurpose(() => config().send(new BatchGetResourceConfigCommand({ resourceKeys: keys }))),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('reads through an aggregator (and refuses an aggregator that does not exist), tags left out', async () => {
    await recorder();
    await s3().send(new CreateBucketCommand({ Bucket: 'bkt-1' }));
    await s3().send(
      new PutBucketTaggingCommand({ Bucket: 'bkt-1', Tagging: { TagSet: [{ Key: 'team', Value: 'data' }] } }),
    );
    const ids = [
      { SourceAccountId: ACCOUNT, SourceRegion: R, ResourceId: 'bkt-1', ResourceType: 'AWS::S3::Bucket' as const },
    ];
    await expect(
      config().send(
        new BatchGetAggregateResourceConfigCommand({ ConfigurationAggregatorName: 'org', ResourceIdentifiers: ids }),
      ),
    ).rejects.toMatchObject({ name: 'NoSuchConfigurationAggregatorException' });
    await config().send(
      new PutConfigurationAggregatorCommand({
        ConfigurationAggregatorName: 'org',
        AccountAggregationSources: [{ AccountIds: [ACCOUNT], AllAwsRegions: true }],
      }),
    );
    const out = await config().send(
      new BatchGetAggregateResourceConfigCommand({ ConfigurationAggregatorName: 'org', ResourceIdentifiers: ids }),
    );
    expect(out.BaseConfigurationItems?.map((i) => i.resourceId)).toEqual(['bkt-1']);
    expect(out.BaseConfigurationItems?.[0]?.supplementaryConfiguration?.BucketTaggingConfiguration).toBeUndefined();
  });
});
