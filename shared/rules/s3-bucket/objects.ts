import {
  CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, GetObjectTaggingCommand, HeadObjectCommand, ListObjectsV2Command,
  type ListObjectsV2CommandOutput, S3Client, UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import type * as S3Control from '@aws-sdk/client-s3-control';
import { createHash } from 'node:crypto';
import { translateAwsError } from '../../aws/errors';
import type { ActionResult, ResourceRef, RuleContext } from '../contract';

/**
 * S3 Control is only needed when a sweep meets a large bucket: loaded on first use, by a
 * name esbuild leaves alone, so the on-change bundle does not carry it (-20 KB zipped).
 * Lambda's Node.js 22 runtime provides AWS SDK v3; locally it comes from node_modules.
 */
const S3_CONTROL = '@aws-sdk/client-s3-control';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const s3Control = (): typeof S3Control => require(S3_CONTROL) as typeof S3Control;

const FIVE_GB = 5 * 1024 ** 3;
const PART = 512 * 1024 ** 2;

const s3 = (ctx: RuleContext): S3Client => ctx.clients.get(S3Client, ctx.scope);

/** Count objects up to `limit + 1`: enough to choose between in-place and a batch job. */
const countUpTo = async (bucket: string, limit: number, ctx: RuleContext): Promise<number> => {
  let n = 0;
  let token: string | undefined;
  do {
    const out: ListObjectsV2CommandOutput = await s3(ctx).send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token, MaxKeys: Math.min(1000, limit + 1) }))
      .catch((e: unknown) => { throw translateAwsError(e, 's3:ListBucket', bucket); });
    n += out.KeyCount ?? out.Contents?.length ?? 0;
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token && n <= limit);
  return n;
};

const copyLarge = async (bucket: string, key: string, size: number, head: Record<string, unknown>, cmkArn: string, ctx: RuleContext): Promise<void> => {
  const client = s3(ctx);
  // A multipart upload does not carry tags over by itself.
  const tags = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  const tagging = (tags.TagSet ?? []).map((t) => `${encodeURIComponent(t.Key ?? '')}=${encodeURIComponent(t.Value ?? '')}`).join('&') || undefined;
  const up = await client.send(new CreateMultipartUploadCommand({
    Bucket: bucket, Key: key, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: cmkArn, BucketKeyEnabled: true,
    Metadata: head.Metadata as Record<string, string>, ContentType: head.ContentType as string | undefined,
    StorageClass: head.StorageClass as never, Tagging: tagging,
  }));
  const parts: { ETag: string; PartNumber: number }[] = [];
  for (let start = 0, n = 1; start < size; start += PART, n++) {
    const end = Math.min(size, start + PART) - 1;
    const out = await client.send(new UploadPartCopyCommand({ Bucket: bucket, Key: key, UploadId: up.UploadId, PartNumber: n, CopySource: `${bucket}/${encodeURIComponent(key)}`, CopySourceRange: `bytes=${start}-${end}` }));
    parts.push({ ETag: out.CopyPartResult?.ETag as string, PartNumber: n });
  }
  await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: up.UploadId, MultipartUpload: { Parts: parts } }));
};

/**
 * Copy each object onto itself with SSE-KMS under the CMK. Metadata, tags and the
 * storage class are kept (COPY directives, explicit class); objects already under the
 * CMK are skipped, so a re-run changes nothing; over 5 GB, a multipart copy.
 */
export const reencryptInPlace = async (bucket: string, cmkArn: string, ctx: RuleContext): Promise<{ copied: number; skipped: number }> => {
  const client = s3(ctx);
  let copied = 0;
  let skipped = 0;
  let token: string | undefined;
  do {
    const page: ListObjectsV2CommandOutput = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }))
      .catch((e: unknown) => { throw translateAwsError(e, 's3:ListBucket', bucket); });
    for (const o of page.Contents ?? []) {
      const key = o.Key as string;
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        if (head.ServerSideEncryption === 'aws:kms' && head.SSEKMSKeyId === cmkArn) { skipped++; continue; }
        const size = head.ContentLength ?? o.Size ?? 0;
        if (size > FIVE_GB) {
          await copyLarge(bucket, key, size, { ...head }, cmkArn, ctx);
        } else {
          await client.send(new CopyObjectCommand({
            Bucket: bucket, Key: key, CopySource: `${bucket}/${encodeURIComponent(key)}`,
            MetadataDirective: 'COPY', TaggingDirective: 'COPY',
            StorageClass: (head.StorageClass ?? o.StorageClass ?? 'STANDARD') as never,
            ServerSideEncryption: 'aws:kms', SSEKMSKeyId: cmkArn, BucketKeyEnabled: true,
          }));
        }
        copied++;
      } catch (e) {
        throw translateAwsError(e, 's3:PutObject', `${bucket}/${key}`);
      }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { copied, skipped };
};

/**
 * A large bucket is re-keyed by S3 Batch Operations, never by a loop in a Lambda:
 * a copy job over a generated manifest of the bucket's objects not yet under KMS,
 * with a completion report. The token makes a re-run return the same job.
 */
export const createCopyJob = async (ref: ResourceRef, cmkArn: string, ctx: RuleContext): Promise<string> => {
  const objects = ctx.policy.doc.objects;
  const account = ref.account;
  const roleArn = `arn:aws:iam::${account}:role/${objects?.batchRoleName ?? 'cmk-sentinel-batch'}`;
  const reportBucket = `arn:aws:s3:::${objects?.batchReportBucket ?? ref.id}`;
  const { CreateJobCommand, S3ControlClient } = s3Control();
  const control = ctx.clients.get(S3ControlClient, ctx.scope);
  try {
    const out = await control.send(new CreateJobCommand({
      AccountId: account,
      ConfirmationRequired: false,
      Priority: 10,
      RoleArn: roleArn,
      ClientRequestToken: createHash('sha256').update(`${ref.account}|${ref.region}|${ref.id}|${cmkArn}`).digest('hex').slice(0, 64),
      Description: `cmk-sentinel: re-encrypt ${ref.id} with ${cmkArn}`,
      Operation: {
        S3PutObjectCopy: {
          TargetResource: `arn:aws:s3:::${ref.id}`,
          MetadataDirective: 'COPY',
          SSEAwsKmsKeyId: cmkArn,
          BucketKeyEnabled: true,
        },
      },
      ManifestGenerator: {
        S3JobManifestGenerator: {
          SourceBucket: `arn:aws:s3:::${ref.id}`,
          EnableManifestOutput: true,
          ManifestOutputLocation: { Bucket: reportBucket, ManifestPrefix: `cmk-sentinel/manifests/${ref.id}`, ManifestFormat: 'S3InventoryReport_CSV_20211130', ManifestEncryption: { SSEKMS: { KeyId: cmkArn } } },
          Filter: { MatchAnyStorageClass: ['STANDARD', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR'] },
        },
      },
      Report: { Enabled: true, Bucket: reportBucket, Prefix: `cmk-sentinel/reports/${ref.id}`, Format: 'Report_CSV_20180820', ReportScope: 'FailedTasksOnly' },
      Tags: [{ Key: 'cmk-sentinel', Value: 're-encrypt' }],
    }));
    return out.JobId as string;
  } catch (e) {
    throw translateAwsError(e, 's3:CreateJob', ref.id);
  }
};

/** Existing objects after the bucket default was re-keyed: in place when small, a batch job when large. */
export const reencryptExistingObjects = async (ref: ResourceRef, ctx: RuleContext): Promise<ActionResult> => {
  const cmk = await ctx.keys.regionalCmk(ref.region);
  const limit = ctx.policy.doc.objects?.inPlaceMaxObjects ?? 1000;
  const count = await countUpTo(ref.id, limit, ctx);
  if (count === 0) return { changed: false, detail: 'no objects' };
  if (count <= limit) {
    const { copied, skipped } = await reencryptInPlace(ref.id, cmk.arn, ctx);
    return { changed: copied > 0, detail: `${copied} objects copied in place under the CMK, ${skipped} already under it` };
  }
  if (!ctx.policy.doc.objects?.batchRoleName) {
    return { changed: false, pending: true, detail: `more than ${limit} objects: set objects.batchRoleName in the policy to re-key them with an S3 Batch Operations job` };
  }
  const jobId = await createCopyJob(ref, cmk.arn, ctx);
  return { changed: true, pending: true, detail: `more than ${limit} objects: S3 Batch Operations job ${jobId} copies them under the CMK` };
};
