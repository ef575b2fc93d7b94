import { DeleteBucketTaggingCommand, PutBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { translateAwsError } from '../../aws/errors';
import { readBucketTags } from '../../aws/s3-tags';
import type { RuleContext } from '../contract';

// The bucket tags only s3-bucket writes (quarantine, the objects marker); reading them is shared (shared/aws/s3-tags).

/** PutBucketTagging replaces the whole set: merge so no owner tag is lost. Returns false when nothing changed. */
export const mergeBucketTags = async (
  bucket: string,
  add: Record<string, string>,
  ctx: RuleContext,
): Promise<boolean> => {
  const current = await readBucketTags(bucket, ctx);
  if (Object.entries(add).every(([k, v]) => current[k] === v)) return false;
  const merged = { ...current, ...add };
  const s3 = ctx.clients.get(S3Client, ctx.scope);
  try {
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: bucket,
        Tagging: { TagSet: Object.entries(merged).map(([Key, Value]) => ({ Key, Value })) },
      }),
    );
  } catch (e) {
    throw translateAwsError(e, 's3:PutBucketTagging', bucket);
  }
  return true;
};

/**
 * The bucket's objects marker: present while not all of its existing objects are known to be on the CMK
 * (set before an object pass, kept when it ends short, removed when it ends complete). On the bucket, so
 * every later event and sweep sees it whichever function reads it.
 */
export const OBJECTS_MARKER = 'cmk-sentinel:objects';

/**
 * Set one tag, or remove it (`undefined`), keeping every other tag. DeleteBucketTagging is authorized by
 * s3:PutBucketTagging. `known`: the tags just read (saves the read; only right after reading them).
 */
export const setBucketTag = async (
  bucket: string,
  key: string,
  value: string | undefined,
  ctx: RuleContext,
  known?: Record<string, string>,
): Promise<void> => {
  const current = known ?? (await readBucketTags(bucket, ctx));
  if (current[key] === value) return;
  const next = { ...current };
  if (value === undefined) delete next[key];
  else next[key] = value;
  const s3 = ctx.clients.get(S3Client, ctx.scope);
  try {
    if (Object.keys(next).length === 0) await s3.send(new DeleteBucketTaggingCommand({ Bucket: bucket }));
    else
      await s3.send(
        new PutBucketTaggingCommand({
          Bucket: bucket,
          Tagging: { TagSet: Object.entries(next).map(([Key, Value]) => ({ Key, Value })) },
        }),
      );
  } catch (e) {
    throw translateAwsError(e, 's3:PutBucketTagging', bucket);
  }
};
