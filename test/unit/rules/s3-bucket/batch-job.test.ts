import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetBucketVersioningCommand,
  GetObjectAclCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  PutObjectRetentionCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { CreateJobCommand, DescribeJobCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { mockClient } from 'aws-sdk-client-mock';
import { ClientFactory } from '../../../../shared/aws/clients';
import { bucketsInRegion } from '../../../../shared/aws/s3';
import type { KeyResolver } from '../../../../shared/kms/key-resolver';
import { parsePolicy } from '../../../../shared/policy/policy';
import type { RuleContext } from '../../../../shared/rules/contract';
import { rekeyObjects } from '../../../../shared/rules/s3-bucket/objects';

// Job states the emulator does not produce (it records jobs, never runs them: Complete, failed tasks) and faults are
// SDK mocks here; the job request itself is also checked on the emulator in test/integration/s3-batch-job.test.ts.
const s3 = mockClient(S3Client);
const control = mockClient(S3ControlClient);
const CMK = 'arn:aws:kms:eu-west-1:111122223333:key/1111aaaa-2222-3333-4444-555566667777';
const REF = { type: 's3-bucket' as const, account: '111122223333', region: 'eu-west-1', id: 'big-bucket' };

const ctx = (batchRoleName: string | undefined = 'cmk-sentinel-batch'): RuleContext => {
  const policy = parsePolicy({
    cmk: { alias: 'alias/data-platform' },
    objects: {
      inPlaceMaxObjects: 1000,
      ...(batchRoleName ? { batchRoleName } : {}),
      batchReportBucket: 'audit-bucket',
    },
  });
  const keys = {
    regionalCmk: async () => ({
      arn: CMK,
      keyId: '1111',
      region: 'eu-west-1',
      account: '111122223333',
      managedBy: 'CUSTOMER',
    }),
  } as unknown as KeyResolver;
  return {
    clients: new ClientFactory({ maxAttempts: 1, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }),
    keys,
    policy,
    scope: { region: 'eu-west-1' },
  };
};
const page = (n: number, truncated: boolean) => ({
  Versions: Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, VersionId: `v${i}`, IsLatest: true, Size: 1 })),
  IsTruncated: truncated,
  NextKeyMarker: truncated ? 'k' : undefined,
  NextVersionIdMarker: truncated ? 'v' : undefined,
});

beforeEach(() => {
  s3.reset();
  control.reset();
});

describe('S3 Batch Operations UpdateObjectEncryption job for a large bucket', () => {
  // The filter takes exactly one encryption (S3 Control API Reference, JobManifestGeneratorFilter: "Fixed number of 1
  // item"):
  // the SSE-KMS job first, then the SSE-S3 one.
  it('creates one idempotent job with the UpdateObjectEncryption operation over a manifest filtered to one encryption, SSE-KMS first', async () => {
    s3.on(ListObjectVersionsCommand).resolves(page(1000, true));
    control.on(CreateJobCommand).resolves({ JobId: 'job-123' });
    const res = await rekeyObjects(REF, CMK, undefined, ctx());
    expect(res).toMatchObject({ rekeyed: 0, failedCount: 0, job: { id: 'job-123', status: 'New' } });
    // Counting stops as soon as the threshold is passed: two pages, not the whole bucket.
    expect(s3.commandCalls(ListObjectVersionsCommand)).toHaveLength(2);
    const input = control.commandCalls(CreateJobCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      AccountId: '111122223333',
      ConfirmationRequired: false,
      RoleArn: 'arn:aws:iam::111122223333:role/cmk-sentinel-batch',
      // The operation name in @aws-sdk/client-s3-control's JobOperation; no copy, so no 5 GB limit and no class change.
      Operation: {
        S3UpdateObjectEncryption: { ObjectEncryption: { SSEKMS: { KMSKeyArn: CMK, BucketKeyEnabled: true } } },
      },
      ManifestGenerator: {
        S3JobManifestGenerator: {
          SourceBucket: 'arn:aws:s3:::big-bucket',
          EnableManifestOutput: true,
          Filter: { MatchAnyObjectEncryption: [{ SSEKMS: {} }] },
        },
      },
      Report: { Enabled: true, Bucket: 'arn:aws:s3:::audit-bucket', ReportScope: 'FailedTasksOnly' },
    });
    expect(input?.Operation?.S3PutObjectCopy).toBeUndefined();
    expect(input?.ManifestGenerator?.S3JobManifestGenerator?.Filter?.MatchAnyStorageClass).toBeUndefined();
    await rekeyObjects(REF, CMK, undefined, ctx());
    const tokens = control.commandCalls(CreateJobCommand).map((c) => c.args[0].input.ClientRequestToken);
    expect(tokens[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(tokens[1]).toBe(tokens[0]);
  });

  it('follows the job the marker names: running stays pending, complete is done, failed tasks start one follow-up job', async () => {
    const described = (phase: string) => `cmk-sentinel: re-key ${phase} objects of big-bucket to ${CMK}`;
    control.on(DescribeJobCommand, { JobId: 'j-run' }).resolves({ Job: { Status: 'Active' } });
    control.on(DescribeJobCommand, { JobId: 'j-ok' }).resolves({
      Job: {
        Status: 'Complete',
        Description: described('SSE-S3'),
        ProgressSummary: { NumberOfTasksSucceeded: 5000, NumberOfTasksFailed: 0 },
      },
    });
    control.on(DescribeJobCommand, { JobId: 'j-bad' }).resolves({
      Job: {
        Status: 'Complete',
        Description: described('SSE-S3'),
        ProgressSummary: { NumberOfTasksSucceeded: 4990, NumberOfTasksFailed: 10 },
      },
    });
    control.on(CreateJobCommand).resolves({ JobId: 'j-next' });
    expect(await rekeyObjects(REF, CMK, 'job:j-run', ctx())).toMatchObject({
      job: { id: 'j-run', status: 'Active' },
      failedCount: 0,
    });
    const ok = await rekeyObjects(REF, CMK, 'job:j-ok', ctx());
    expect(ok).toMatchObject({ rekeyed: 5000, failedCount: 0 });
    expect(ok.job).toBeUndefined();
    const bad = await rekeyObjects(REF, CMK, 'job:j-bad', ctx());
    expect(bad).toMatchObject({ failedCount: 10, job: { id: 'j-next' } });
    expect(bad.failed[0]).toMatchObject({ item: 'job j-bad', code: 'TASKS_FAILED' });
    expect(control.commandCalls(CreateJobCommand)).toHaveLength(1);
    // The follow-up's token differs from the first job's, and is the same on a re-run.
    expect(control.commandCalls(CreateJobCommand)[0]?.args[0].input.ClientRequestToken).not.toBe(
      (await import('node:crypto'))
        .createHash('sha256')
        .update(`111122223333|eu-west-1|big-bucket|${CMK}|`)
        .digest('hex')
        .slice(0, 64),
    );
    expect(
      control.commandCalls(CreateJobCommand)[0]?.args[0].input.ManifestGenerator?.S3JobManifestGenerator?.Filter
        ?.MatchAnyObjectEncryption,
    ).toEqual([{ SSES3: {} }]);
    expect(s3.commandCalls(ListObjectVersionsCommand)).toHaveLength(0);
  });

  it('the SSE-KMS job done starts the SSE-S3 one; a job not described as one of ours is followed by the SSE-S3 one too', async () => {
    control.on(DescribeJobCommand, { JobId: 'j-kms' }).resolves({
      Job: {
        Status: 'Complete',
        Description: `cmk-sentinel: re-key SSE-KMS objects of big-bucket to ${CMK}`,
        ProgressSummary: { NumberOfTasksSucceeded: 7, NumberOfTasksFailed: 0 },
      },
    });
    control.on(DescribeJobCommand, { JobId: 'j-other' }).resolves({
      Job: { Status: 'Complete', ProgressSummary: { NumberOfTasksSucceeded: 3, NumberOfTasksFailed: 0 } },
    });
    control.on(CreateJobCommand).resolves({ JobId: 'j-s3' });
    expect(await rekeyObjects(REF, CMK, 'job:j-kms', ctx())).toMatchObject({
      rekeyed: 7,
      failedCount: 0,
      job: { id: 'j-s3', status: 'New' },
    });
    expect(await rekeyObjects(REF, CMK, 'job:j-other', ctx())).toMatchObject({
      rekeyed: 3,
      failedCount: 0,
      job: { id: 'j-s3', status: 'New' },
    });
    const inputs = control.commandCalls(CreateJobCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => i.ManifestGenerator?.S3JobManifestGenerator?.Filter?.MatchAnyObjectEncryption)).toEqual([
      [{ SSES3: {} }],
      [{ SSES3: {} }],
    ]);
    expect(inputs.map((i) => i.Description)).toEqual([
      expect.stringMatching(/^cmk-sentinel: re-key SSE-S3 objects of big-bucket/),
      expect.stringMatching(/^cmk-sentinel: re-key SSE-S3 objects of big-bucket/),
    ]);
    expect(inputs[0]?.ClientRequestToken).not.toBe(inputs[1]?.ClientRequestToken);
  });

  it('above the threshold without a batch role: a named failure, not a silent skip', async () => {
    s3.on(ListObjectVersionsCommand).resolves(page(1001, false));
    const res = await rekeyObjects(REF, CMK, undefined, ctx(''));
    expect(res.failed).toEqual([expect.objectContaining({ code: 'BATCH_ROLE_NOT_SET' })]);
    expect(control.commandCalls(CreateJobCommand)).toHaveLength(0);
  });

  it('a refused CreateJob surfaces as ACCESS_DENIED naming s3:CreateJob', async () => {
    s3.on(ListObjectVersionsCommand).resolves(page(1001, false));
    control
      .on(CreateJobCommand)
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    await expect(rekeyObjects(REF, CMK, undefined, ctx())).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      details: { missingPermission: 's3:CreateJob' },
    });
  });
});

describe('ListBuckets', () => {
  it('follows the continuation token past the first 10,000 buckets', async () => {
    s3.on(ListBucketsCommand).callsFake(async (input: { ContinuationToken?: string }) =>
      input.ContinuationToken === 't2'
        ? { Buckets: [{ Name: 'last', BucketRegion: 'eu-west-1' }] }
        : {
            Buckets: Array.from({ length: 10_000 }, (_, i) => ({ Name: `b${i}`, BucketRegion: 'eu-west-1' })),
            ContinuationToken: 't2',
          },
    );
    const names: string[] = [];
    for await (const n of bucketsInRegion(ctx().clients, { region: 'eu-west-1' })) names.push(n);
    expect(names).toHaveLength(10_001);
    expect(names.at(-1)).toBe('last');
    expect(s3.commandCalls(ListBucketsCommand).map((c) => c.args[0].input)).toEqual([
      { BucketRegion: 'eu-west-1' },
      { BucketRegion: 'eu-west-1', ContinuationToken: 't2' },
    ]);
  });
});

describe('multipart copy of an unencrypted object over 5 GiB (mocks: the emulator cannot hold one)', () => {
  const GiB = 1024 ** 3;
  const big = { Versions: [{ Key: 'huge.bin', VersionId: 'v1', IsLatest: true, Size: 6 * GiB }] };
  const head = {
    ContentLength: 6 * GiB,
    ETag: '"etag-1"',
    ContentType: 'application/x-big',
    Metadata: { owner: 'a' },
    StorageClass: 'STANDARD_IA' as const,
    WebsiteRedirectLocation: '/r',
    ChecksumSHA256: 'abc=',
    ObjectLockMode: 'GOVERNANCE' as const,
    ObjectLockRetainUntilDate: new Date('2030-01-01T00:00:00Z'),
  };
  const small = (): RuleContext => ({ ...ctx(), policy: parsePolicy({ cmk: { alias: 'alias/data-platform' } }) });
  beforeEach(() => {
    s3.on(ListObjectVersionsCommand).resolves(big);
    s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
    s3.on(HeadObjectCommand).resolves(head);
    s3.on(GetObjectAclCommand).resolves({
      Owner: { ID: 'me' },
      Grants: [
        { Grantee: { ID: 'me', Type: 'CanonicalUser' }, Permission: 'FULL_CONTROL' },
        { Grantee: { URI: 'http://acs.amazonaws.com/groups/global/AllUsers', Type: 'Group' }, Permission: 'READ' },
      ],
    });
    s3.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: 'pii', Value: 'yes' }] });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
  });

  it('carries every header, copies 512 MiB parts conditional on the ETag read, completes, and sets the lock on the new version', async () => {
    s3.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"p"', ChecksumSHA256: 's' } });
    s3.on(CompleteMultipartUploadCommand).resolves({ VersionId: 'v2' });
    const res = await rekeyObjects(REF, CMK, undefined, small());
    expect(res).toMatchObject({
      copied: 1,
      rekeyed: 1,
      failedCount: 0,
      skipped: { UNENCRYPTED_OLD_VERSION: { count: 1 } },
    });
    expect(s3.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'big-bucket',
      Key: 'huge.bin',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: CMK,
      BucketKeyEnabled: true,
      ContentType: 'application/x-big',
      Metadata: { owner: 'a' },
      StorageClass: 'STANDARD_IA',
      WebsiteRedirectLocation: '/r',
      ChecksumAlgorithm: 'SHA256',
      Tagging: 'pii=yes',
      GrantFullControl: 'id="me"',
      GrantRead: 'uri="http://acs.amazonaws.com/groups/global/AllUsers"',
    });
    const parts = s3.commandCalls(UploadPartCopyCommand).map((c) => c.args[0].input);
    expect(parts).toHaveLength(12);
    expect(
      parts.every((p) => p.CopySourceIfMatch === '"etag-1"' && p.CopySource === 'big-bucket/huge.bin?versionId=v1'),
    ).toBe(true);
    expect(parts[11]?.CopySourceRange).toBe(`bytes=${11 * 512 * 1024 ** 2}-${6 * GiB - 1}`);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input.MultipartUpload?.Parts?.[0]).toEqual(
      expect.objectContaining({ PartNumber: 1, ETag: '"p"', ChecksumSHA256: 's' }),
    );
    expect(s3.commandCalls(PutObjectRetentionCommand)[0]?.args[0].input).toMatchObject({
      Key: 'huge.bin',
      VersionId: 'v2',
      Retention: { Mode: 'GOVERNANCE' },
    });
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
  });

  it('a part that fails (the source changed since the HEAD) aborts the upload and is a named failure, not a stop', async () => {
    s3.on(UploadPartCopyCommand)
      .resolvesOnce({ CopyPartResult: { ETag: '"p"' } })
      .rejects(
        Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
          name: 'PreconditionFailed',
          $metadata: { httpStatusCode: 412 },
        }),
      );
    const res = await rekeyObjects(REF, CMK, undefined, small());
    expect(res).toMatchObject({
      copied: 0,
      failedCount: 1,
      failed: [{ item: 'huge.bin?versionId=v1', code: 'AWS_ERROR' }],
    });
    expect(res.failed[0]?.message).toContain('PreconditionFailed');
    expect(s3.commandCalls(AbortMultipartUploadCommand)[0]?.args[0].input).toEqual({
      Bucket: 'big-bucket',
      Key: 'huge.bin',
      UploadId: 'up-1',
    });
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });
});
