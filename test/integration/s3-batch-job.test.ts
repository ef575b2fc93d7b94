import { GetBucketTaggingCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateJobCommand, DescribeJobCommand, ListJobsCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { createBucket, createKey, s3Event } from '../../testbed/estates/estate';
import { processEvent } from '../../shared/pipeline/process';
import type { RuleContext } from '../../shared/rules/contract';
import { rekeyObjects } from '../../shared/rules/s3-bucket/objects';
import { ACCOUNT, testDeps, testPolicy, useEmulator } from '../support/harness';

// S3 Batch Operations on the emulator: CreateJob/DescribeJob/ListJobs come from the extension
// (testbed/emulator/s3control_ext.py, https://docs.aws.amazon.com/AmazonS3/latest/API/API_control_CreateJob.html);
// the job is accepted and recorded, not run. The AccessDenied fault stays an SDK mock
// (test/unit/rules/s3-bucket/batch-job.test.ts).
const R = 'us-east-1';
const emu = useEmulator();
const control = () => emu.clients().get(S3ControlClient, { region: R });

beforeEach(async () => {
  await emu.current.reset();
});

const ctxFor = (): RuleContext => {
  const policy = testPolicy({
    objects: { inPlaceMaxObjects: 4, batchRoleName: 'cmk-sentinel-batch', batchReportBucket: 'audit-bucket' },
  });
  const deps = testDeps(emu.clients(), { policy });
  return { clients: deps.clients, keys: deps.keys, policy, scope: { region: R } };
};

describe('S3 Batch Operations UpdateObjectEncryption job for a large bucket, on the emulator', () => {
  it('one idempotent job with the UpdateObjectEncryption operation, followed by the next run through the bucket marker', async () => {
    const cmk = await createKey(emu.clients(), R, 'alias/data-platform');
    await createBucket(emu.clients(), R, 'big-bucket', { kind: 'sse-s3' });
    const s3 = emu.clients().get(S3Client, { region: R });
    for (let i = 0; i < 12; i++)
      await s3.send(
        new PutObjectCommand({ Bucket: 'big-bucket', Key: `k${i}`, Body: 'x', ServerSideEncryption: 'AES256' }),
      );
    let listCalls = 0;
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ListObjectVersionsCommand') listCalls++;
        return next(args);
      },
      { step: 'initialize', name: 'countListCalls' },
    );

    const ref = { type: 's3-bucket' as const, account: ACCOUNT, region: R, id: 'big-bucket' };
    const res = await rekeyObjects(ref, cmk.arn, undefined, ctxFor());
    const jobId = res.job?.id as string;
    expect(res).toMatchObject({ rekeyed: 0, failedCount: 0, job: { id: expect.any(String), status: 'New' } });
    // Counting stops as soon as the threshold is passed: one page of 5, not the whole bucket.
    expect(listCalls).toBe(1);

    const job = (await control().send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: jobId }))).Job;
    expect(job).toMatchObject({
      JobId: jobId,
      Status: 'Active',
      ConfirmationRequired: false,
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/cmk-sentinel-batch`,
      Operation: {
        S3UpdateObjectEncryption: { ObjectEncryption: { SSEKMS: { KMSKeyArn: cmk.arn, BucketKeyEnabled: true } } },
      },
      ManifestGenerator: {
        S3JobManifestGenerator: {
          SourceBucket: 'arn:aws:s3:::big-bucket',
          EnableManifestOutput: true,
          Filter: { MatchAnyObjectEncryption: [{ SSEKMS: {} }] },
        },
      },
      Description: expect.stringMatching(/^cmk-sentinel: re-key SSE-KMS objects of big-bucket to /),
      Report: { Enabled: true, Bucket: 'arn:aws:s3:::audit-bucket', ReportScope: 'FailedTasksOnly' },
    });

    // The same request again (same ClientRequestToken) is the same job, not a second one.
    expect((await rekeyObjects(ref, cmk.arn, undefined, ctxFor())).job?.id).toBe(jobId);
    // With the marker, a later run follows the job instead of listing: still running, so still pending.
    expect(await rekeyObjects(ref, cmk.arn, `job:${jobId}`, ctxFor())).toMatchObject({
      job: { id: jobId, status: 'Active' },
    });
    const jobs = (await control().send(new ListJobsCommand({ AccountId: ACCOUNT }))).Jobs ?? [];
    expect(jobs.map((j) => [j.JobId, j.Operation, j.Status])).toEqual([[jobId, 'S3UpdateObjectEncryption', 'Active']]);
    expect(listCalls).toBe(2);
  });

  it('through the pipeline: the default is fixed, the result is PENDING with the job (not VERIFIED), and the bucket carries it', async () => {
    await createKey(emu.clients(), R, 'alias/data-platform');
    await createBucket(emu.clients(), R, 'big-two', { kind: 'sse-s3' });
    const s3 = emu.clients().get(S3Client, { region: R });
    for (let i = 0; i < 6; i++) await s3.send(new PutObjectCommand({ Bucket: 'big-two', Key: `k${i}`, Body: 'x' }));
    const deps = testDeps(emu.clients(), { policy: ctxFor().policy });
    const outcome = (
      await processEvent(s3Event('PutBucketEncryption', 'big-two', R, { id: 'e1' }), deps)
    ).outcomes.find((o) => o.ref.type === 's3-bucket');
    expect(outcome).toMatchObject({ action: 'REMEDIATE', result: 'PENDING', data: { job: { status: 'New' } } });
    const marker = (await s3.send(new GetBucketTaggingCommand({ Bucket: 'big-two' }))).TagSet?.find(
      (t) => t.Key === 'cmk-sentinel:objects',
    )?.Value;
    expect(marker).toBe(`job:${outcome?.data?.job?.id}`);
    expect(outcome?.actionDetail).toContain('outside the job');
  });
});

describe('S3 Control jobs on the emulator (the refusals the API reference states)', () => {
  const job = (over: Record<string, unknown> = {}) =>
    new CreateJobCommand({
      AccountId: ACCOUNT,
      ClientRequestToken: 't-1',
      Priority: 10,
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/r`,
      ConfirmationRequired: true,
      Operation: { S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::b' } },
      Manifest: {
        Spec: { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] },
        Location: { ObjectArn: 'arn:aws:s3:::b/manifest.csv', ETag: 'e' },
      },
      Report: { Enabled: false },
      ...over,
    } as never);

  it('a job needing confirmation waits Suspended; a reused token with another request is an IdempotencyException', async () => {
    const { JobId } = await control().send(job());
    expect((await control().send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId }))).Job).toMatchObject({
      Status: 'Suspended',
      SuspendedCause: 'AWAITING_CONFIRMATION',
    });
    expect((await control().send(job())).JobId).toBe(JobId);
    await expect(control().send(job({ Priority: 11 }))).rejects.toMatchObject({ name: 'IdempotencyException' });
    expect(
      (await control().send(new ListJobsCommand({ AccountId: ACCOUNT, JobStatuses: ['Active'] }))).Jobs ?? [],
    ).toEqual([]);
  });

  it('refuses neither or both of Manifest and ManifestGenerator, a report with no bucket; an unknown job is NotFound', async () => {
    await expect(control().send(job({ Manifest: undefined, ClientRequestToken: 'a' }))).rejects.toMatchObject({
      name: 'BadRequestException',
    });
    await expect(
      control().send(
        job({
          ClientRequestToken: 'b',
          ManifestGenerator: {
            S3JobManifestGenerator: { SourceBucket: 'arn:aws:s3:::b', EnableManifestOutput: false },
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'BadRequestException' });
    await expect(control().send(job({ ClientRequestToken: 'c', Report: { Enabled: true } }))).rejects.toMatchObject({
      name: 'BadRequestException',
    });
    await expect(
      control().send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: '00000000-0000-0000-0000-000000000000' })),
    ).rejects.toMatchObject({ name: 'NotFoundException', $metadata: { httpStatusCode: 404 } });
    expect((await control().send(new ListJobsCommand({ AccountId: ACCOUNT }))).Jobs ?? []).toEqual([]);
  });
});
