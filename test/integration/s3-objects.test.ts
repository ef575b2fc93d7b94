import { GetObjectTaggingCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { reencryptExistingObjects } from '../../shared/rules/s3-bucket/objects';
import type { RuleContext } from '../../shared/rules/contract';
import { ruleContext } from '../../shared/pipeline/scope';
import { createBucket, createKey } from '../../scripts/lib/estate';
import { ACCOUNT, testDeps, testPolicy, useEmulator } from '../support/harness';

const R = 'us-east-1';
const emu = useEmulator();

beforeEach(async () => { await emu.current.reset(); });

const ctxFor = (objects?: Record<string, unknown>): RuleContext => {
  const policy = testPolicy(objects ? { objects } : {});
  const deps = testDeps(emu.clients(), { policy });
  return ruleContext(deps, ACCOUNT, R);
};

describe('existing S3 objects on the emulator', () => {
  it('copies each object in place under the CMK, keeping metadata, tags and storage class; a re-run copies nothing', async () => {
    const clients = emu.clients();
    const cmk = await createKey(clients, R, 'alias/data-platform');
    await createBucket(clients, R, 'small', { kind: 'kms', keyId: cmk.arn });
    const s3 = clients.get(S3Client, { region: R });
    await s3.send(new PutObjectCommand({ Bucket: 'small', Key: 'a/one.csv', Body: 'x,y\n1,2\n', ContentType: 'text/csv', Metadata: { owner: 'team-a' }, Tagging: 'pii=yes', StorageClass: 'STANDARD_IA', ServerSideEncryption: 'AES256' }));
    await s3.send(new PutObjectCommand({ Bucket: 'small', Key: 'b two.txt', Body: 'hello', ServerSideEncryption: 'AES256' }));
    const ctx = ctxFor();
    const done = await reencryptExistingObjects({ type: 's3-bucket', account: ACCOUNT, region: R, id: 'small' }, ctx);
    expect(done).toMatchObject({ changed: true, detail: '2 objects copied in place under the CMK, 0 already under it' });
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'small', Key: 'a/one.csv' }));
    expect(head).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: cmk.arn, Metadata: { owner: 'team-a' }, StorageClass: 'STANDARD_IA', ContentType: 'text/csv' });
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: 'small', Key: 'a/one.csv' }))).TagSet).toEqual([{ Key: 'pii', Value: 'yes' }]);
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'small', Key: 'b two.txt' }))).SSEKMSKeyId).toBe(cmk.arn);
    const again = await reencryptExistingObjects({ type: 's3-bucket', account: ACCOUNT, region: R, id: 'small' }, ctx);
    expect(again).toMatchObject({ changed: false, detail: '0 objects copied in place under the CMK, 2 already under it' });
  });

  it('an empty bucket needs nothing; above the threshold without a batch role it is only reported', async () => {
    const clients = emu.clients();
    await createKey(clients, R, 'alias/data-platform');
    await createBucket(clients, R, 'empty');
    await createBucket(clients, R, 'big');
    const s3 = clients.get(S3Client, { region: R });
    for (let i = 0; i < 3; i++) await s3.send(new PutObjectCommand({ Bucket: 'big', Key: `k${i}`, Body: 'x' }));
    expect(await reencryptExistingObjects({ type: 's3-bucket', account: ACCOUNT, region: R, id: 'empty' }, ctxFor())).toEqual({ changed: false, detail: 'no objects' });
    const big = await reencryptExistingObjects({ type: 's3-bucket', account: ACCOUNT, region: R, id: 'big' }, ctxFor({ inPlaceMaxObjects: 2 }));
    expect(big).toMatchObject({ changed: false, pending: true });
    expect(big.detail).toContain('objects.batchRoleName');
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'big', Key: 'k0' }))).ServerSideEncryption).not.toBe('aws:kms');
  });
});
