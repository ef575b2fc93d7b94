import {
  CopyObjectCommand,
  type CopyObjectCommandInput,
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  PutBucketEncryptionCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  S3Client,
  S3ServiceException,
  UpdateObjectEncryptionCommand,
} from '@aws-sdk/client-s3';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { useEmulator } from '../support/harness';
import { sentInvalidOnPurpose } from '../../testbed/requests';

// The emulator extension's S3 UpdateObjectEncryption (testbed/emulator/s3_ext.py), driven with the real SDK.
// AWS: https://docs.aws.amazon.com/AmazonS3/latest/API/API_UpdateObjectEncryption.html and
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/update-sse-encryption.html
const R = 'us-east-1';
const emu = useEmulator();
let s3: S3Client;
let kms: KMSClient;

beforeEach(async () => {
  await emu.current.reset();
  s3 = emu.clients().get(S3Client, { region: R });
  kms = emu.clients().get(KMSClient, { region: R });
});

const newKey = async (): Promise<string> => (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn as string;

const refusal = async (p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> => {
  try {
    await p;
  } catch (e) {
    const err = e as S3ServiceException;
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected a refusal');
};

const update = (Key: string, KMSKeyArn: string, extra: { VersionId?: string; BucketKeyEnabled?: boolean } = {}) =>
  s3.send(
    new UpdateObjectEncryptionCommand({
      Bucket: 'data',
      Key,
      VersionId: extra.VersionId,
      ObjectEncryption: { SSEKMS: { KMSKeyArn, BucketKeyEnabled: extra.BucketKeyEnabled } },
    }),
  );

describe('S3 UpdateObjectEncryption on the emulator', () => {
  beforeEach(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'data' }));
  });

  it('moves an SSE-S3 object to SSE-KMS, then to another key with a bucket key, keeping data, storage class, dates and ETag', async () => {
    const [k1, k2] = [await newKey(), await newKey()];
    await s3.send(
      new PutObjectCommand({
        Bucket: 'data',
        Key: 'a.csv',
        Body: 'x,y\n',
        StorageClass: 'STANDARD_IA',
        ServerSideEncryption: 'AES256',
        Metadata: { owner: 'a' },
      }),
    );
    const before = await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'a.csv' }));
    expect(before.ServerSideEncryption).toBe('AES256');

    await update('a.csv', k1);
    const mid = await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'a.csv' }));
    expect(mid).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: k1, BucketKeyEnabled: false });

    await update('a.csv', k2, { BucketKeyEnabled: true });
    const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'a.csv' }));
    expect(got).toMatchObject({
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: k2,
      BucketKeyEnabled: true,
      StorageClass: 'STANDARD_IA',
      Metadata: { owner: 'a' },
    });
    expect(await got.Body?.transformToString()).toBe('x,y\n');
    expect(got.ETag).toBe(before.ETag);
    expect(got.LastModified).toEqual(before.LastModified);
  });

  it('changes only the version named by VersionId', async () => {
    const k = await newKey();
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'data', VersioningConfiguration: { Status: 'Enabled' } }));
    const v1 = (
      await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'v', Body: 'one', ServerSideEncryption: 'AES256' }))
    ).VersionId as string;
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'v', Body: 'two', ServerSideEncryption: 'AES256' }));
    await update('v', k, { VersionId: v1 });
    expect(await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'v', VersionId: v1 }))).toMatchObject({
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: k,
    });
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'v' }))).ServerSideEncryption).toBe('AES256');
    expect(await refusal(update('v', k, { VersionId: 'no-such-version' }))).toMatchObject({
      name: 'NoSuchVersion',
      status: 404,
    });
  });

  it('refuses unencrypted, DSSE-KMS and SSE-C sources with InvalidRequest, and a missing object with NoSuchKey', async () => {
    const k = await newKey();
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'plain', Body: 'p' }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'data',
        Key: 'dsse',
        Body: 'd',
        ServerSideEncryption: 'aws:kms:dsse',
        SSEKMSKeyId: k,
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: 'data',
        Key: 'ssec',
        Body: 'c',
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: Buffer.alloc(32, 7).toString('base64'),
      }),
    );
    expect(await refusal(update('plain', k))).toMatchObject({
      name: 'InvalidRequest',
      status: 400,
      message: expect.stringContaining('unencrypted source objects'),
    });
    expect(await refusal(update('dsse', k))).toMatchObject({
      name: 'InvalidRequest',
      status: 400,
      message: expect.stringContaining('DSSE-KMS or SSE-C'),
    });
    expect(await refusal(update('ssec', k))).toMatchObject({
      name: 'InvalidRequest',
      status: 400,
      message: expect.stringContaining('DSSE-KMS or SSE-C'),
    });
    expect(await refusal(update('gone', k))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    // Refusals change nothing.
    expect(
      (await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'plain' }))).ServerSideEncryption,
    ).toBeUndefined();
  });

  it('HEAD and GET of an SSE-C object without its customer key are 400 InvalidRequest; with it they succeed and name the algorithm', async () => {
    const sseC = { SSECustomerAlgorithm: 'AES256', SSECustomerKey: Buffer.alloc(32, 7).toString('base64') };
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'ssec', Body: 'secret', ...sseC }));
    // API_HeadObject.html / API_GetObject.html: retrieving an SSE-C object requires the customer key headers.
    expect(await refusal(s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'ssec' })))).toMatchObject({
      status: 400,
    });
    expect(await refusal(s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'ssec' })))).toMatchObject({
      name: 'InvalidRequest',
      status: 400,
      message: expect.stringContaining('Server Side Encryption'),
    });
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'ssec', ...sseC }))).SSECustomerAlgorithm).toBe(
      'AES256',
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'ssec', ...sseC }));
    expect(await got.Body?.transformToString()).toBe('secret');
    // Other objects are read as before.
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'plain', Body: 'p' }));
    expect(
      (await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'plain' }))).SSECustomerAlgorithm,
    ).toBeUndefined();
  });

  it('refuses SSE-S3 as the target, a key that is not a key ARN, a key of another account and an unknown key', async () => {
    const k = await newKey();
    await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'o', Body: 'o', ServerSideEncryption: 'AES256' }));
    // The union has no SSE-S3 member; sent as an unknown member it reaches S3 as <SSE-S3/>.
    // Each of the next three breaks the model (no such union member; KMSKeyArn pattern), as AWS would refuse it.
    const toSseS3 = sentInvalidOnPurpose(() =>
      s3.send(
        new UpdateObjectEncryptionCommand({ Bucket: 'data', Key: 'o', ObjectEncryption: { $unknown: ['SSE-S3', ''] } }),
      ),
    );
    expect(await refusal(toSseS3)).toMatchObject({
      name: 'InvalidRequest',
      status: 400,
      message: expect.stringContaining('valid new encryption type'),
    });
    const keyId = k.split('/')[1] as string;
    expect(await refusal(sentInvalidOnPurpose(() => update('o', keyId)))).toMatchObject({
      name: 'InvalidRequest',
      status: 400,
      message: expect.stringContaining('valid AWS KMS key'),
    });
    expect(await refusal(sentInvalidOnPurpose(() => update('o', 'alias/data-platform')))).toMatchObject({
      name: 'InvalidRequest',
      status: 400,
    });
    expect(await refusal(update('o', k.replace(/:\d{12}:/, ':210987654321:')))).toMatchObject({
      name: 'AccessDenied',
      status: 403,
      message: expect.stringContaining('same account'),
    });
    expect(await refusal(update('o', k.replace(/key\/.*/, 'key/11111111-2222-3333-4444-555555555555')))).toMatchObject({
      name: 'KMS.NotFoundException',
      status: 400,
    });
    expect(await refusal(update('o', k.replace(`:${R}:`, ':eu-west-1:')))).toMatchObject({
      name: 'KMS.NotFoundException',
      status: 400,
    });
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'o' }))).ServerSideEncryption).toBe('AES256');
  });

  it('refuses an object under an Object Lock legal hold with AccessDenied', async () => {
    const k = await newKey();
    await s3.send(new CreateBucketCommand({ Bucket: 'locked', ObjectLockEnabledForBucket: true }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'locked',
        Key: 'l',
        Body: 'l',
        ServerSideEncryption: 'AES256',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    await s3.send(
      new PutObjectLegalHoldCommand({
        Bucket: 'locked',
        Key: 'l',
        LegalHold: { Status: 'ON' },
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    const locked = s3.send(
      new UpdateObjectEncryptionCommand({ Bucket: 'locked', Key: 'l', ObjectEncryption: { SSEKMS: { KMSKeyArn: k } } }),
    );
    expect(await refusal(locked)).toMatchObject({
      name: 'AccessDenied',
      status: 403,
      message: expect.stringContaining('Object Lock'),
    });
  });
});

describe('S3 CopyObject preconditions and GetBucketEncryption on the emulator', () => {
  beforeEach(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'data' }));
  });

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html (x-amz-copy-source-if-match / -if-none-match)
  it('CopySourceIfMatch copies only while the ETag matches, CopySourceIfNoneMatch only while it differs; otherwise 412 PreconditionFailed', async () => {
    const etag = (await s3.send(new PutObjectCommand({ Bucket: 'data', Key: 'src', Body: 'one' }))).ETag as string;
    const copy = (extra: Partial<CopyObjectCommandInput>) =>
      s3.send(new CopyObjectCommand({ Bucket: 'data', Key: 'dst', CopySource: 'data/src', ...extra }));
    expect(await refusal(copy({ CopySourceIfMatch: '"0123456789abcdef0123456789abcdef"' }))).toMatchObject({
      name: 'PreconditionFailed',
      status: 412,
    });
    expect(await refusal(copy({ CopySourceIfNoneMatch: etag }))).toMatchObject({
      name: 'PreconditionFailed',
      status: 412,
    });
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'dst' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    await copy({ CopySourceIfMatch: etag });
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'dst' }))).ETag).toBe(etag);
    await copy({ CopySourceIfNoneMatch: '"0123456789abcdef0123456789abcdef"' });
  });

  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionRule.html (BlockedEncryptionTypes)
  it('GetBucketEncryption returns the BlockedEncryptionTypes that were put, and none when none were', async () => {
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'data',
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
              BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
            },
          ],
        },
      }),
    );
    expect(
      (await s3.send(new GetBucketEncryptionCommand({ Bucket: 'data' }))).ServerSideEncryptionConfiguration?.Rules,
    ).toEqual([
      {
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
        BucketKeyEnabled: false,
        BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
      },
    ]);
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'data',
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
    );
    expect(
      (await s3.send(new GetBucketEncryptionCommand({ Bucket: 'data' }))).ServerSideEncryptionConfiguration?.Rules?.[0]
        ?.BlockedEncryptionTypes,
    ).toBeUndefined();
  });
});
