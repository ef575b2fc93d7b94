import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketTaggingCommand,
  GetObjectAclCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  DeleteBucketPolicyCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Outcome } from '../../shared/alerts/alert';
import { processEvent } from '../../shared/pipeline/process';
import { createBucket, createKey, s3Event } from '../../testbed/estates/estate';
import { ACCOUNT, onlyRules, testDeps, testPolicy, useEmulator } from '../support/harness';

const R = 'us-east-1';
onlyRules('s3-bucket');
const emu = useEmulator();
let cmkArn: string;
let otherArn: string;
const s3 = () => emu.clients().get(S3Client, { region: R });

beforeEach(async () => {
  await emu.current.reset();
  cmkArn = (await createKey(emu.clients(), R, 'alias/data-platform')).arn;
  otherArn = (await createKey(emu.clients(), R, 'alias/other')).arn;
});

const run = async (bucket: string, policy = testPolicy()): Promise<Outcome> => {
  const deps = testDeps(emu.clients(), { policy });
  const res = await processEvent(s3Event('PutBucketEncryption', bucket, R, { id: `evt-${Math.random()}` }), deps);
  return res.outcomes[0] as Outcome;
};
const marker = async (bucket: string) => {
  const tags = await s3()
    .send(new GetBucketTaggingCommand({ Bucket: bucket }))
    .catch(() => ({ TagSet: [] }));
  return tags.TagSet?.find((t) => t.Key === 'cmk-sentinel:objects')?.Value;
};
const versions = async (bucket: string) =>
  (await s3().send(new ListObjectVersionsCommand({ Bucket: bucket }))).Versions ?? [];
const head = (bucket: string, key: string, versionId?: string) =>
  s3().send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId, ChecksumMode: 'ENABLED' }));

describe('existing objects, every version, on the emulator', () => {
  it('UpdateObjectEncryption re-keys every SSE-S3 and SSE-KMS version without moving data; the bucket is VERIFIED and unmarked', async () => {
    await createBucket(emu.clients(), R, 'clean', { kind: 'sse-s3' });
    await s3().send(
      new PutBucketVersioningCommand({ Bucket: 'clean', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    await s3().send(
      new PutObjectCommand({
        Bucket: 'clean',
        Key: 'a.csv',
        Body: 'v1',
        StorageClass: 'STANDARD_IA',
        Metadata: { owner: 'a' },
        ServerSideEncryption: 'AES256',
      }),
    );
    await s3().send(
      new PutObjectCommand({
        Bucket: 'clean',
        Key: 'a.csv',
        Body: 'v2',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: otherArn,
      }),
    );
    await s3().send(
      new PutObjectCommand({
        Bucket: 'clean',
        Key: 'b/deep.bin',
        Body: 'x',
        StorageClass: 'DEEP_ARCHIVE',
        ServerSideEncryption: 'AES256',
      }),
    );
    const before = await Promise.all((await versions('clean')).map((v) => head('clean', v.Key as string, v.VersionId)));

    const o = await run('clean');
    expect(o).toMatchObject({
      reason: 'NOT_KMS',
      action: 'REMEDIATE',
      result: 'VERIFIED',
      data: { rekeyed: 3, updated: 3, copied: 0, failedCount: 0, skipped: {} },
    });
    const after = await Promise.all((await versions('clean')).map((v) => head('clean', v.Key as string, v.VersionId)));
    expect(after).toHaveLength(3);
    for (const [i, h] of after.entries()) {
      expect(h).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: cmkArn, BucketKeyEnabled: true });
      // What the operation promises to keep: ETag, class, dates, metadata; and no new version.
      const b = before[i];
      expect([h.VersionId, h.ETag, h.StorageClass, h.LastModified?.toISOString(), h.Metadata]).toEqual([
        b?.VersionId,
        b?.ETag,
        b?.StorageClass,
        b?.LastModified?.toISOString(),
        b?.Metadata,
      ]);
    }
    expect(await marker('clean')).toBeUndefined();
    // The event of our own change, or a later sweep: compliant, nothing sent.
    expect(await run('clean')).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
  });

  it('copies unencrypted objects keeping ACL grants, redirect, class, tags, metadata, checksum; skips and names what cannot be re-keyed; not VERIFIED', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'mixed', ObjectLockEnabledForBucket: true }));
    await s3().send(
      new PutObjectCommand({
        Bucket: 'mixed',
        Key: 'site/index.html',
        Body: '<p>',
        ContentType: 'text/html',
        Metadata: { team: 'web' },
        Tagging: 'pii=no',
        StorageClass: 'STANDARD_IA',
        ACL: 'public-read',
        WebsiteRedirectLocation: '/new.html',
        ChecksumAlgorithm: 'SHA256',
        ObjectLockLegalHoldStatus: 'ON',
      }),
    );
    await s3().send(new PutObjectCommand({ Bucket: 'mixed', Key: 'cold.bin', Body: 'x', StorageClass: 'GLACIER' }));
    await s3().send(
      new PutObjectCommand({
        Bucket: 'mixed',
        Key: 'dsse.bin',
        Body: 'x',
        ServerSideEncryption: 'aws:kms:dsse',
        SSEKMSKeyId: otherArn,
      }),
    );
    await s3().send(
      new PutObjectCommand({
        Bucket: 'mixed',
        Key: 'held.csv',
        Body: 'x',
        ServerSideEncryption: 'AES256',
        ObjectLockLegalHoldStatus: 'ON',
        ChecksumAlgorithm: 'CRC32',
      }),
    );
    const original = (await versions('mixed')).find((v) => v.Key === 'site/index.html');

    const o = await run('mixed');
    expect(o).toMatchObject({
      reason: 'UNENCRYPTED',
      action: 'REMEDIATE',
      result: 'INCOMPLETE',
      data: { copied: 1, updated: 0, failedCount: 0 },
    });
    expect(o.data?.skipped).toEqual({
      ARCHIVED_UNENCRYPTED: { count: 1, items: [expect.stringMatching(/^cold\.bin/)] },
      DSSE_KMS_OTHER_KEY: { count: 1, items: [expect.stringMatching(/^dsse\.bin/)] },
      OBJECT_LOCKED: { count: 1, items: [expect.stringMatching(/^held\.csv/)] },
      UNENCRYPTED_OLD_VERSION: { count: 1, items: [`site/index.html?versionId=${original?.VersionId}`] },
    });
    expect(o.actionDetail).toContain('skipped: ');
    const copied = await head('mixed', 'site/index.html');
    expect(copied).toMatchObject({
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: cmkArn,
      ContentType: 'text/html',
      Metadata: { team: 'web' },
      StorageClass: 'STANDARD_IA',
      WebsiteRedirectLocation: '/new.html',
      ObjectLockLegalHoldStatus: 'ON',
    });
    expect(copied.ChecksumSHA256).toBeDefined();
    expect((await s3().send(new GetObjectTaggingCommand({ Bucket: 'mixed', Key: 'site/index.html' }))).TagSet).toEqual([
      { Key: 'pii', Value: 'no' },
    ]);
    const grants = (await s3().send(new GetObjectAclCommand({ Bucket: 'mixed', Key: 'site/index.html' }))).Grants ?? [];
    expect(grants).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Grantee: expect.objectContaining({ URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }),
          Permission: 'READ',
        }),
      ]),
    );
    // Untouched: DSSE (never downgraded), the archived and the locked object, the old version (kept, not deleted).
    expect(await head('mixed', 'dsse.bin')).toMatchObject({ ServerSideEncryption: 'aws:kms:dsse' });
    expect((await head('mixed', 'held.csv')).ServerSideEncryption).toBe('AES256');
    expect((await head('mixed', 'site/index.html', original?.VersionId)).ServerSideEncryption).toBeUndefined();
    expect(await marker('mixed')).toBe('failed=0 skipped=4');

    // The marker keeps the bucket non-compliant for its objects: the next event retries, and sends nothing new.
    const again = await run('mixed');
    expect(again).toMatchObject({
      reason: 'OBJECTS_NOT_ON_CMK',
      action: 'REMEDIATE',
      result: 'INCOMPLETE',
      data: { rekeyed: 0, copied: 0, already: 1 },
    });
    expect(again.data?.calls).toBeGreaterThan(0);
  });

  it('a DSSE-KMS bucket default on the CMK is compliant without a bucket key; on another key it is re-keyed as DSSE, BlockedEncryptionTypes kept', async () => {
    await createBucket(emu.clients(), R, 'dsse-ok');
    await s3().send(
      new PutBucketEncryptionCommand({
        Bucket: 'dsse-ok',
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse', KMSMasterKeyID: cmkArn } }],
        },
      }),
    );
    expect(await run('dsse-ok')).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });

    await createBucket(emu.clients(), R, 'dsse-other');
    await s3().send(
      new PutBucketEncryptionCommand({
        Bucket: 'dsse-other',
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse', KMSMasterKeyID: otherArn },
              BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] },
            },
          ],
        },
      }),
    );
    const o = await run('dsse-other');
    const rule = (await s3().send(new GetBucketEncryptionCommand({ Bucket: 'dsse-other' })))
      .ServerSideEncryptionConfiguration?.Rules?.[0];
    expect(rule?.ApplyServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'aws:kms:dsse', KMSMasterKeyID: cmkArn });
    expect(rule?.BucketKeyEnabled).not.toBe(true);
    // Written back as read, and verified on the re-read (a re-read without it fails:
    // test/unit/rules/s3-bucket/remediate.test.ts).
    expect(rule?.BlockedEncryptionTypes).toEqual({ EncryptionType: ['SSE-C'] });
    expect(o).toMatchObject({ reason: 'WRONG_KEY', result: 'VERIFIED' });
  });

  it('an object the bucket policy denies is a named failure, the bucket is not VERIFIED and stays marked for the next run', async () => {
    await createBucket(emu.clients(), R, 'denied', { kind: 'sse-s3' });
    await s3().send(new PutObjectCommand({ Bucket: 'denied', Key: 'k', Body: 'x', ServerSideEncryption: 'AES256' }));
    // The emulator enforces a Principal-* Deny with its conditions ignored (DESIGN.md §5): this one has none.
    await s3().send(
      new PutBucketPolicyCommand({
        Bucket: 'denied',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'NoWrites',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:PutObject',
              Resource: 'arn:aws:s3:::denied/*',
            },
          ],
        }),
      }),
    );
    const o = await run('denied');
    expect(o.result).toBe('INCOMPLETE');
    expect(o.data).toMatchObject({ rekeyed: 0, failedCount: 1, failed: [{ item: 'k', code: 'ACCESS_DENIED' }] });
    expect(await marker('denied')).toBe('failed=1 skipped=0');
    expect((await head('denied', 'k')).ServerSideEncryption).toBe('AES256');
    expect(await run('denied')).toMatchObject({ reason: 'OBJECTS_NOT_ON_CMK', result: 'INCOMPLETE' });
  });

  it('the CLI sweep exits 1 for a bucket whose objects failed, and the next sweep retries them and exits 0', async () => {
    await createBucket(emu.clients(), R, 'swept', { kind: 'sse-s3' });
    await s3().send(new PutObjectCommand({ Bucket: 'swept', Key: 'k', Body: 'x', ServerSideEncryption: 'AES256' }));
    await s3().send(
      new PutBucketPolicyCommand({
        Bucket: 'swept',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'NoWrites',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:PutObject',
              Resource: 'arn:aws:s3:::swept/*',
            },
          ],
        }),
      }),
    );
    const dir = mkdtempSync(join(tmpdir(), 'sweep-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'cmk: { alias: alias/data-platform }\nregions: [us-east-1]\nmode: remediate\n');
    const sweep = (id: string) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [
            join(__dirname, '..', '..', 'bin', 'cmk-sentinel.js'),
            'backfill',
            '--types',
            's3-bucket',
            '--regions',
            R,
            '--sweep-id',
            id,
          ],
          {
            env: {
              ...process.env,
              AWS_ENDPOINT_URL: emu.current.endpoint,
              CMK_SENTINEL_SWEEP_DIR: dir,
              CMK_SENTINEL_POLICY: policy,
              CMK_SENTINEL_ACCOUNT_ID: ACCOUNT,
            },
            stdio: ['ignore', 'pipe', 'ignore'],
          },
        );
        let out = '';
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
        });
        child.once('exit', (code) => resolve({ code, out }));
      });
    const first = await sweep('first');
    expect(first.code).toBe(1);
    expect(JSON.parse(first.out).totals).toMatchObject({ nonCompliant: 1, fixed: 0, incomplete: 1, errors: 0 });
    expect(await marker('swept')).toBe('failed=1 skipped=0');

    await s3().send(new DeleteBucketPolicyCommand({ Bucket: 'swept' }));
    const second = await sweep('second');
    expect(JSON.parse(second.out).totals).toMatchObject({ nonCompliant: 1, fixed: 1, incomplete: 0 });
    expect(second.code).toBe(0);
    expect((await head('swept', 'k')).SSEKMSKeyId).toBe(cmkArn);
    expect(await marker('swept')).toBeUndefined();
  });
});
