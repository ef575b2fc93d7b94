import { tagRecord } from './tags';
import { GetBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { awsErrorName, translateAwsError } from './errors';
import type { RuleContext } from '../rules/contract';

export const readBucketTags = async (bucket: string, ctx: RuleContext): Promise<Record<string, string>> => {
  const s3 = ctx.clients.get(S3Client, ctx.scope);
  try {
    const out = await s3.send(new GetBucketTaggingCommand({ Bucket: bucket }));
    return tagRecord(out.TagSet);
  } catch (e) {
    if (awsErrorName(e) === 'NoSuchTagSet') return {};
    throw translateAwsError(e, 's3:GetBucketTagging', bucket);
  }
};
