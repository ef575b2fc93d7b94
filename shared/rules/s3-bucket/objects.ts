import {
  AbortMultipartUploadCommand,
  type ChecksumAlgorithm,
  CompleteMultipartUploadCommand,
  type CompletedPart,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetBucketVersioningCommand,
  GetObjectAclCommand,
  type GetObjectAclCommandOutput,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  type ObjectVersion,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  S3Client,
  UpdateObjectEncryptionCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import type * as S3Control from '@aws-sdk/client-s3-control';
import { createHash } from 'node:crypto';
import { awsErrorName, translateAwsError } from '../../aws/errors';
import { SentinelError } from '../../errors';
import type { DataOutcome, ResourceRef, RuleContext } from '../contract';
import { itemName, leavesOldVersion, type ObjectEncryption, type ObjectVersionState, planObject } from './object-plan';
import { addFailure, addSkip, emptyData } from '../data-outcome';

/**
 * S3 Control is only needed when a remediation meets a large bucket: loaded on first use, by a
 * name esbuild leaves alone, so the on-change bundle does not carry it (-20 KB zipped).
 * Lambda's Node.js 22 runtime provides AWS SDK v3; locally it comes from node_modules.
 */
const S3_CONTROL = '@aws-sdk/client-s3-control';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const s3Control = (): typeof S3Control => require(S3_CONTROL) as typeof S3Control;

const s3 = (ctx: RuleContext): S3Client => ctx.clients.get(S3Client, ctx.scope);
const CONCURRENCY = 8;
const ARCHIVE_CLASSES = new Set(['GLACIER', 'DEEP_ARCHIVE']);
/** Which checksum HeadObject (ChecksumMode ENABLED) reports, so the copy computes the same algorithm. */
const CHECKSUM_FIELDS: [keyof HeadObjectCommandOutput, ChecksumAlgorithm][] = [
  ['ChecksumCRC64NVME', 'CRC64NVME'],
  ['ChecksumCRC32C', 'CRC32C'],
  ['ChecksumCRC32', 'CRC32'],
  ['ChecksumSHA256', 'SHA256'],
  ['ChecksumSHA1', 'SHA1'],
];

/** One pass over a bucket: its counters, and the key ARNs resolved so far. */
interface Pass {
  bucket: string;
  cmkArn: string;
  ctx: RuleContext;
  data: DataOutcome;
  now: Date;
  keyArns: Map<string, string | undefined>;
  /** What a copy writes: the bucket's own algorithm (a DSSE-KMS bucket's copies are DSSE-KMS, without a bucket key). */
  copyEncryption: { ServerSideEncryption: 'aws:kms' | 'aws:kms:dsse'; BucketKeyEnabled?: boolean };
}

const send = async <T>(p: Pass, action: string, item: string, call: () => Promise<T>): Promise<T> => {
  p.data.calls++;
  try {
    return await call();
  } catch (e) {
    throw translateAwsError(e, action, item);
  }
};

const encryptionOf = (h: HeadObjectCommandOutput): ObjectEncryption => {
  if (h.SSECustomerAlgorithm) return 'SSE-C';
  if (h.ServerSideEncryption === 'aws:kms:dsse') return 'DSSE-KMS';
  if (h.ServerSideEncryption === 'aws:kms') return 'SSE-KMS';
  if (h.ServerSideEncryption === 'AES256') return 'SSE-S3';
  return 'NONE';
};

/** A KMS key as HeadObject names it (an ARN on AWS; whatever was sent on the emulator), as a canonical ARN. */
const canonicalKey = async (p: Pass, ref: string | undefined): Promise<string | undefined> => {
  if (!ref || ref === p.cmkArn) return ref;
  if (!p.keyArns.has(ref)) p.keyArns.set(ref, (await p.ctx.keys.observe(ref, p.ctx.scope.region))?.info?.arn ?? ref);
  return p.keyArns.get(ref);
};

const versionParam = (v: { versionId?: string }) =>
  v.versionId && v.versionId !== 'null' ? { VersionId: v.versionId } : {};
const copySource = (bucket: string, v: { key: string; versionId?: string }) =>
  `${bucket}/${encodeURIComponent(v.key)}${v.versionId && v.versionId !== 'null' ? `?versionId=${encodeURIComponent(v.versionId)}` : ''}`;

const readVersion = async (
  p: Pass,
  o: ObjectVersion,
  versioned: boolean,
): Promise<{ state: ObjectVersionState; head?: HeadObjectCommandOutput }> => {
  const key = o.Key as string;
  const base = {
    key,
    versionId: o.VersionId,
    latest: o.IsLatest !== false,
    versioned,
    size: o.Size ?? 0,
    storageClass: o.StorageClass ?? 'STANDARD',
  };
  let head: HeadObjectCommandOutput;
  try {
    p.data.calls++;
    head = await s3(p.ctx).send(
      new HeadObjectCommand({ Bucket: p.bucket, Key: key, ...versionParam(base), ChecksumMode: 'ENABLED' }),
    );
  } catch (e) {
    // HEAD of an SSE-C object without its customer key is a 400 (S3 API reference, HeadObject): the key is not ours to
    // have.
    if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 400) {
      return { state: { ...base, encryption: 'SSE-C', archived: false } };
    }
    throw translateAwsError(e, 's3:GetObject', itemName(base));
  }
  const storageClass = head.StorageClass ?? base.storageClass;
  const restored = /ongoing-request="false"/.test(head.Restore ?? '');
  const state: ObjectVersionState = {
    ...base,
    size: head.ContentLength ?? base.size,
    storageClass,
    encryption: encryptionOf(head),
    kmsKeyArn: await canonicalKey(p, head.SSEKMSKeyId),
    bucketKey: head.BucketKeyEnabled === true,
    archived: (ARCHIVE_CLASSES.has(storageClass) || head.ArchiveStatus !== undefined) && !restored,
    lock:
      head.ObjectLockMode || head.ObjectLockLegalHoldStatus
        ? {
            mode: head.ObjectLockMode,
            retainUntil: head.ObjectLockRetainUntilDate?.toISOString(),
            legalHold: head.ObjectLockLegalHoldStatus === 'ON',
          }
        : undefined,
  };
  return { state, head };
};

/** The version's ACL grants, or undefined where ACLs are disabled (Object Ownership: bucket owner enforced). */
const readAcl = async (p: Pass, v: ObjectVersionState): Promise<GetObjectAclCommandOutput | undefined> => {
  try {
    p.data.calls++;
    return await s3(p.ctx).send(new GetObjectAclCommand({ Bucket: p.bucket, Key: v.key, ...versionParam(v) }));
  } catch (e) {
    if (awsErrorName(e) === 'AccessControlListNotSupported') return undefined;
    throw translateAwsError(e, 's3:GetObjectVersionAcl', itemName(v));
  }
};

const GRANT_HEADER = {
  FULL_CONTROL: 'GrantFullControl',
  READ: 'GrantRead',
  READ_ACP: 'GrantReadACP',
  WRITE_ACP: 'GrantWriteACP',
} as const;

/**
 * A copy is private (S3 API reference, CopyObject): the source's grants are given again as the copy's
 * grant headers (`id=`, `uri=`, `emailAddress=`), owner's included, so the new version has them from its first byte.
 * Undefined when only the owner holds grants: nothing to give back.
 */
export const grantHeaders = (
  acl: GetObjectAclCommandOutput | undefined,
): Partial<Record<(typeof GRANT_HEADER)[keyof typeof GRANT_HEADER], string>> | undefined => {
  const grants = acl?.Grants ?? [];
  if (
    grants.every(
      (g) => g.Permission === 'FULL_CONTROL' && g.Grantee?.ID !== undefined && g.Grantee.ID === acl?.Owner?.ID,
    )
  )
    return undefined;
  const out: Partial<Record<string, string[]>> = {};
  for (const g of grants) {
    const header = GRANT_HEADER[g.Permission as keyof typeof GRANT_HEADER];
    const who = g.Grantee?.ID
      ? `id="${g.Grantee.ID}"`
      : g.Grantee?.URI
        ? `uri="${g.Grantee.URI}"`
        : g.Grantee?.EmailAddress
          ? `emailAddress="${g.Grantee.EmailAddress}"`
          : undefined;
    if (header && who) (out[header] ??= []).push(who);
  }
  return Object.fromEntries(Object.entries(out).map(([h, w]) => [h, (w ?? []).join(', ')]));
};

/**
 * What a copy onto itself would lose unless given again (S3 API reference, CopyObject): the redirect (not
 * copied with a metadata directive), the storage class (else STANDARD), the checksum algorithm; tags and
 * metadata are copied by directive; Object Lock retention and legal hold are set on the new version after.
 */
const keptFields = (h: HeadObjectCommandOutput) => ({
  StorageClass: h.StorageClass ?? 'STANDARD',
  ...(h.WebsiteRedirectLocation ? { WebsiteRedirectLocation: h.WebsiteRedirectLocation } : {}),
  ...(CHECKSUM_FIELDS.find(([f]) => h[f] !== undefined)
    ? { ChecksumAlgorithm: CHECKSUM_FIELDS.find(([f]) => h[f] !== undefined)?.[1] }
    : {}),
});

type Grants = ReturnType<typeof grantHeaders>;

const copySmall = async (
  p: Pass,
  v: ObjectVersionState,
  head: HeadObjectCommandOutput,
  grants: Grants,
): Promise<string | undefined> => {
  const out = await send(p, 's3:PutObject', itemName(v), () =>
    s3(p.ctx).send(
      new CopyObjectCommand({
        Bucket: p.bucket,
        Key: v.key,
        CopySource: copySource(p.bucket, v),
        // Only what was read is copied: a write since the HEAD fails the copy instead of being re-encrypted unseen.
        CopySourceIfMatch: head.ETag,
        MetadataDirective: 'COPY',
        TaggingDirective: 'COPY',
        ...p.copyEncryption,
        SSEKMSKeyId: p.cmkArn,
        ...keptFields(head),
        ...grants,
      }),
    ),
  );
  return out.VersionId;
};

/** Multipart copy for objects over 5 GiB: every header given again, each part conditional, aborted on any failure. */
const copyLarge = async (
  p: Pass,
  v: ObjectVersionState,
  head: HeadObjectCommandOutput,
  grants: Grants,
  partSize: number,
): Promise<string | undefined> => {
  const client = s3(p.ctx);
  const item = itemName(v);
  // A multipart upload copies neither tags nor metadata by itself.
  const tags = await send(p, 's3:GetObjectTagging', item, () =>
    client.send(new GetObjectTaggingCommand({ Bucket: p.bucket, Key: v.key, ...versionParam(v) })),
  );
  const tagging =
    (tags.TagSet ?? [])
      .map((t) => `${encodeURIComponent(t.Key ?? '')}=${encodeURIComponent(t.Value ?? '')}`)
      .join('&') || undefined;
  const up = await send(p, 's3:PutObject', item, () =>
    client.send(
      new CreateMultipartUploadCommand({
        Bucket: p.bucket,
        Key: v.key,
        ...p.copyEncryption,
        SSEKMSKeyId: p.cmkArn,
        Metadata: head.Metadata,
        ContentType: head.ContentType,
        ContentEncoding: head.ContentEncoding,
        ContentDisposition: head.ContentDisposition,
        ContentLanguage: head.ContentLanguage,
        CacheControl: head.CacheControl,
        Expires: head.Expires,
        Tagging: tagging,
        ...keptFields(head),
        ...grants,
      }),
    ),
  );
  try {
    const parts: CompletedPart[] = [];
    for (let start = 0, n = 1; start < v.size; start += partSize, n++) {
      const end = Math.min(v.size, start + partSize) - 1;
      const out = await send(p, 's3:PutObject', item, () =>
        client.send(
          new UploadPartCopyCommand({
            Bucket: p.bucket,
            Key: v.key,
            UploadId: up.UploadId,
            PartNumber: n,
            CopySource: copySource(p.bucket, v),
            CopySourceIfMatch: head.ETag,
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        ),
      );
      const r = out.CopyPartResult;
      parts.push({
        PartNumber: n,
        ETag: r?.ETag,
        ChecksumCRC32: r?.ChecksumCRC32,
        ChecksumCRC32C: r?.ChecksumCRC32C,
        ChecksumSHA1: r?.ChecksumSHA1,
        ChecksumSHA256: r?.ChecksumSHA256,
        ChecksumCRC64NVME: r?.ChecksumCRC64NVME,
      });
    }
    const done = await send(p, 's3:PutObject', item, () =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: p.bucket,
          Key: v.key,
          UploadId: up.UploadId,
          MultipartUpload: { Parts: parts },
        }),
      ),
    );
    return done.VersionId;
  } catch (e) {
    // An upload left open is billed storage nobody sees: abort it, and report the copy's own failure.
    await send(p, 's3:AbortMultipartUpload', item, () =>
      client.send(new AbortMultipartUploadCommand({ Bucket: p.bucket, Key: v.key, UploadId: up.UploadId })),
    ).catch(() => undefined);
    throw e;
  }
};

const copyUnencrypted = async (
  p: Pass,
  v: ObjectVersionState,
  head: HeadObjectCommandOutput,
  partSize?: number,
): Promise<void> => {
  const grants = grantHeaders(await readAcl(p, v));
  const newVersion = partSize ? await copyLarge(p, v, head, grants, partSize) : await copySmall(p, v, head, grants);
  const target = {
    Bucket: p.bucket,
    Key: v.key,
    ...(newVersion && newVersion !== 'null' ? { VersionId: newVersion } : {}),
  };
  // Retention and legal hold are not carried to the new version (S3 API reference, CopyObject): set as they were.
  // Their own calls rather than copy headers: the emulator refuses lock headers on a copy without a Content-MD5.
  if (head.ObjectLockMode && head.ObjectLockRetainUntilDate) {
    await send(p, 's3:PutObjectRetention', itemName(v), () =>
      s3(p.ctx).send(
        new PutObjectRetentionCommand({
          ...target,
          Retention: {
            Mode: head.ObjectLockMode as 'GOVERNANCE' | 'COMPLIANCE',
            RetainUntilDate: head.ObjectLockRetainUntilDate,
          },
        }),
      ),
    );
  }
  if (head.ObjectLockLegalHoldStatus === 'ON') {
    await send(p, 's3:PutObjectLegalHold', itemName(v), () =>
      s3(p.ctx).send(new PutObjectLegalHoldCommand({ ...target, LegalHold: { Status: 'ON' } })),
    );
  }
};

const oneVersion = async (p: Pass, o: ObjectVersion, versioned: boolean): Promise<void> => {
  const item = itemName({ key: o.Key as string, versionId: o.VersionId });
  try {
    const { state, head } = await readVersion(p, o, versioned);
    const step = planObject(state, p.cmkArn, p.now);
    switch (step.kind) {
      case 'ALREADY':
        p.data.already++;
        return;
      case 'SKIP':
        addSkip(p.data, step.reason, item);
        return;
      case 'UPDATE':
        await send(p, 's3:UpdateObjectEncryption', item, () =>
          s3(p.ctx).send(
            new UpdateObjectEncryptionCommand({
              Bucket: p.bucket,
              Key: state.key,
              ...versionParam(state),
              ObjectEncryption: { SSEKMS: { KMSKeyArn: p.cmkArn, BucketKeyEnabled: true } },
            }),
          ),
        );
        p.data.updated++;
        p.data.rekeyed++;
        return;
      case 'COPY':
        await copyUnencrypted(p, state, head as HeadObjectCommandOutput, step.multipart ? step.partSize : undefined);
        p.data.copied++;
        p.data.rekeyed++;
        if (leavesOldVersion(state)) addSkip(p.data, 'UNENCRYPTED_OLD_VERSION', item);
        return;
    }
  } catch (e) {
    const err = e instanceof SentinelError ? e : translateAwsError(e, 's3:UpdateObjectEncryption', item);
    addFailure(p.data, item, err.code, err.message);
  }
};

/** Object versions (delete markers hold no data), up to `limit + 1`: enough to choose between in place and a job. */
const listVersions = async (p: Pass, limit: number): Promise<ObjectVersion[]> => {
  const out: ObjectVersion[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page: ListObjectVersionsCommandOutput = await send(p, 's3:ListBucketVersions', p.bucket, () =>
      s3(p.ctx).send(
        new ListObjectVersionsCommand({
          Bucket: p.bucket,
          KeyMarker: keyMarker,
          VersionIdMarker: versionMarker,
          MaxKeys: Math.min(1000, limit + 1 - out.length),
        }),
      ),
    );
    out.push(...(page.Versions ?? []));
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker && out.length <= limit);
  return out;
};

const isVersioned = async (p: Pass): Promise<boolean> => {
  const out = await send(p, 's3:GetBucketVersioning', p.bucket, () =>
    s3(p.ctx).send(new GetBucketVersioningCommand({ Bucket: p.bucket })),
  );
  return out.Status === 'Enabled' || out.Status === 'Suspended';
};

/** Every version through the plan, a few at a time; one object's failure never stops the others. */
const rekeyInPlace = async (p: Pass, versions: ObjectVersion[]): Promise<void> => {
  if (versions.length === 0) return;
  const versioned = await isVersioned(p);
  const queue = [...versions];
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
      for (let o = queue.shift(); o; o = queue.shift()) await oneVersion(p, o, versioned);
    }),
  );
};

const JOB_RUNNING = new Set([
  'New',
  'Preparing',
  'Ready',
  'Active',
  'Pausing',
  'Paused',
  'Suspended',
  'Cancelling',
  'Completing',
  'Failing',
]);

/**
 * The source encryptions a Batch job's manifest is filtered to, in the order the jobs run. The filter takes one
 * (JobManifestGeneratorFilter.MatchAnyObjectEncryption: "Array Members: Fixed number of 1 item", S3 Control API
 * Reference; botocore s3control ObjectEncryptionFilterList max 1), so a bucket takes two jobs: SSE-KMS objects first,
 * then SSE-S3 ones (the second then holds no object the first re-keyed).
 */
export const JOB_PHASES = ['SSE-KMS', 'SSE-S3'] as const;
export type JobPhase = (typeof JOB_PHASES)[number];
const PHASE_FILTER: Record<JobPhase, { SSEKMS: object } | { SSES3: object }> = {
  'SSE-KMS': { SSEKMS: {} },
  'SSE-S3': { SSES3: {} },
};
const jobDescription = (phase: JobPhase, bucket: string, cmkArn: string) =>
  `cmk-sentinel: re-key ${phase} objects of ${bucket} to ${cmkArn}`.slice(0, 256);
/** The phase of a job this service created, from the description it gave it; undefined for any other job. */
export const phaseOfJob = (description: string | undefined): JobPhase | undefined =>
  JOB_PHASES.find((ph) => description?.startsWith(`cmk-sentinel: re-key ${ph} objects of `));

/**
 * A large bucket is re-keyed by S3 Batch Operations jobs with the `S3UpdateObjectEncryption` operation
 * (the same API per object, no size limit, no data moved) over a manifest generated from the bucket, one job per
 * source encryption (JOB_PHASES; objects already on the CMK are in the SSE-KMS one and the update leaves them as
 * they are). The client token is derived from the bucket, the CMK, the phase and the job it follows: a re-run
 * creates no second job.
 */
export const createUpdateJob = async (
  ref: ResourceRef,
  cmkArn: string,
  ctx: RuleContext,
  after = '',
  phase: JobPhase = JOB_PHASES[0],
): Promise<string> => {
  const objects = ctx.policy.doc.objects;
  const roleArn = `arn:aws:iam::${ref.account}:role/${objects?.batchRoleName ?? 'cmk-sentinel-batch'}`;
  const reportBucket = `arn:aws:s3:::${objects?.batchReportBucket ?? ref.id}`;
  const { CreateJobCommand, S3ControlClient } = s3Control();
  const control = ctx.clients.get(S3ControlClient, ctx.scope);
  try {
    const out = await control.send(
      new CreateJobCommand({
        AccountId: ref.account,
        ConfirmationRequired: false,
        Priority: 10,
        RoleArn: roleArn,
        ClientRequestToken: createHash('sha256')
          .update(`${ref.account}|${ref.region}|${ref.id}|${cmkArn}|${after}|${phase}`)
          .digest('hex')
          .slice(0, 64),
        Description: jobDescription(phase, ref.id, cmkArn),
        Operation: {
          S3UpdateObjectEncryption: { ObjectEncryption: { SSEKMS: { KMSKeyArn: cmkArn, BucketKeyEnabled: true } } },
        },
        ManifestGenerator: {
          S3JobManifestGenerator: {
            SourceBucket: `arn:aws:s3:::${ref.id}`,
            EnableManifestOutput: true,
            ManifestOutputLocation: {
              Bucket: reportBucket,
              ManifestPrefix: `cmk-sentinel/manifests/${ref.id}`,
              ManifestFormat: 'S3InventoryReport_CSV_20211130',
              ManifestEncryption: { SSEKMS: { KeyId: cmkArn } },
            },
            Filter: { MatchAnyObjectEncryption: [PHASE_FILTER[phase]] },
          },
        },
        Report: {
          Enabled: true,
          Bucket: reportBucket,
          Prefix: `cmk-sentinel/reports/${ref.id}`,
          Format: 'Report_CSV_20180820',
          ReportScope: 'FailedTasksOnly',
        },
        Tags: [{ Key: 'cmk-sentinel', Value: 're-key' }],
      }),
    );
    return out.JobId as string;
  } catch (e) {
    throw translateAwsError(e, 's3:CreateJob', ref.id);
  }
};

const OUTSIDE_JOB =
  'objects stored without encryption are outside the job (UpdateObjectEncryption refuses them; S3 encrypts every new object since 2023-01-05): ' +
  'they are not re-keyed by it, and no Batch copy is started for them (it would drop ACLs and locks and fails above 5 GB)';

/**
 * A job the bucket's marker names: still running, done, or done with failures (then a follow-up job of the same
 * phase). A phase done starts the next one; a job whose phase is not known (not described by this service) is
 * followed by the last phase, so no source encryption is left out.
 */
const followJob = async (ref: ResourceRef, jobId: string, cmkArn: string, p: Pass): Promise<void> => {
  const { DescribeJobCommand, S3ControlClient } = s3Control();
  const job = (
    await send(p, 's3:DescribeJob', jobId, () =>
      p.ctx.clients
        .get(S3ControlClient, p.ctx.scope)
        .send(new DescribeJobCommand({ AccountId: ref.account, JobId: jobId })),
    )
  ).Job;
  const status = job?.Status ?? 'Unknown';
  p.data.notes = [OUTSIDE_JOB];
  if (JOB_RUNNING.has(status)) {
    p.data.job = { id: jobId, status };
    return;
  }
  const summary = job?.ProgressSummary;
  p.data.rekeyed += summary?.NumberOfTasksSucceeded ?? 0;
  p.data.updated += summary?.NumberOfTasksSucceeded ?? 0;
  const failed = summary?.NumberOfTasksFailed ?? 0;
  const phase = phaseOfJob(job?.Description);
  if (status === 'Complete' && failed === 0) {
    const next = phase === undefined ? (JOB_PHASES.at(-1) as JobPhase) : JOB_PHASES[JOB_PHASES.indexOf(phase) + 1];
    if (!next || next === phase) return;
    p.data.calls++;
    p.data.job = { id: await createUpdateJob(ref, cmkArn, p.ctx, jobId, next), status: 'New' };
    return;
  }
  // Failed tasks (or a failed job) are named by its report; the next pass follows up with one new job.
  p.data.failedCount += Math.max(failed, 1);
  p.data.failed.push({
    item: `job ${jobId}`,
    code: status === 'Complete' ? 'TASKS_FAILED' : `JOB_${status.toUpperCase()}`,
    message: `${failed} tasks failed${job?.FailureReasons?.length ? `: ${job.FailureReasons.map((f) => f.FailureReason).join('; ')}` : ''}; see the report under cmk-sentinel/reports/${ref.id}`,
  });
  p.data.calls++;
  const next = await createUpdateJob(ref, cmkArn, p.ctx, jobId, phase ?? (JOB_PHASES.at(-1) as JobPhase));
  p.data.job = { id: next, status: 'New' };
};

/**
 * Existing objects of a bucket onto the CMK, every version: in place when the bucket holds up to
 * `objects.inPlaceMaxObjects` versions, else one Batch Operations job. `marker` is the bucket's objects
 * marker as read (a job to follow). Failures and skips are counted and named, never thrown.
 */
export const rekeyObjects = async (
  ref: ResourceRef,
  cmkArn: string,
  marker: string | undefined,
  ctx: RuleContext,
  opts: { dsse?: boolean; now?: Date } = {},
): Promise<DataOutcome> => {
  const copyEncryption = opts.dsse
    ? { ServerSideEncryption: 'aws:kms:dsse' as const }
    : { ServerSideEncryption: 'aws:kms' as const, BucketKeyEnabled: true };
  const p: Pass = {
    bucket: ref.id,
    cmkArn,
    ctx,
    data: emptyData(),
    now: opts.now ?? new Date(),
    keyArns: new Map(),
    copyEncryption,
  };
  const job = /^job:(.+)$/.exec(marker ?? '')?.[1];
  if (job) {
    await followJob(ref, job, cmkArn, p);
    return p.data;
  }
  const limit = ctx.policy.doc.objects?.inPlaceMaxObjects ?? 1000;
  const versions = await listVersions(p, limit);
  if (versions.length <= limit) {
    await rekeyInPlace(p, versions);
    return p.data;
  }
  if (!ctx.policy.doc.objects?.batchRoleName) {
    addFailure(
      p.data,
      ref.id,
      'BATCH_ROLE_NOT_SET',
      `more than ${limit} object versions: set objects.batchRoleName in the policy to re-key them with an S3 Batch Operations job`,
    );
    return p.data;
  }
  p.data.calls++;
  p.data.job = { id: await createUpdateJob(ref, cmkArn, ctx), status: 'New' };
  p.data.notes = [OUTSIDE_JOB];
  return p.data;
};
