import { bucketsInRegion } from '../../aws/s3';
import {
  GetBucketEncryptionCommand, GetPublicAccessBlockCommand, PutBucketEncryptionCommand,
  PutPublicAccessBlockCommand, S3Client, type ServerSideEncryptionRule,
} from '@aws-sdk/client-s3';
import { awsErrorName, isAwsNotFound, translateAwsError } from '../../aws/errors';
import type { Rule, RuleContext } from '../contract';
import { evaluateS3Bucket, type S3BucketState } from './evaluate';
import { reencryptExistingObjects } from './objects';
import { mergeBucketTags, readBucketTags } from './s3-tags';
import { s3BucketMeta } from './meta';

const NO_CONFIG = 'ServerSideEncryptionConfigurationNotFoundError';
const ALL_BLOCKED = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

const s3 = (ctx: RuleContext): S3Client => ctx.clients.get(S3Client, ctx.scope);

const readEncryption = async (bucket: string, ctx: RuleContext): Promise<S3BucketState['encryption'] | 'GONE'> => {
  try {
    const out = await s3(ctx).send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    const rules: ServerSideEncryptionRule[] = out.ServerSideEncryptionConfiguration?.Rules ?? [];
    const rule = rules.find((r) => r.ApplyServerSideEncryptionByDefault);
    const def = rule?.ApplyServerSideEncryptionByDefault;
    if (!def?.SSEAlgorithm) return undefined;
    return { algorithm: def.SSEAlgorithm, keyRef: def.KMSMasterKeyID || undefined, bucketKey: rule?.BucketKeyEnabled === true };
  } catch (e) {
    if (awsErrorName(e) === NO_CONFIG) return undefined;
    if (isAwsNotFound(e, 's3:GetEncryptionConfiguration')) return 'GONE';
    throw translateAwsError(e, 's3:GetEncryptionConfiguration', bucket);
  }
};

const readPublicAccessBlock = async (bucket: string, ctx: RuleContext): Promise<boolean> => {
  try {
    const out = await s3(ctx).send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    const c = out.PublicAccessBlockConfiguration ?? {};
    return Boolean(c.BlockPublicAcls && c.IgnorePublicAcls && c.BlockPublicPolicy && c.RestrictPublicBuckets);
  } catch (e) {
    if (awsErrorName(e) === 'NoSuchPublicAccessBlockConfiguration') return false;
    throw translateAwsError(e, 's3:GetBucketPublicAccessBlock', bucket);
  }
};

export const s3BucketRule: Rule<S3BucketState> = {
  ...s3BucketMeta,

  list: (ctx) => bucketsInRegion(ctx.clients, ctx.scope),

  async describe(ref, ctx) {
    const encryption = await readEncryption(ref.id, ctx);
    if (encryption === 'GONE') return undefined;
    const kms = encryption && encryption.algorithm.startsWith('aws:kms');
    // `aws:kms` with no key id means the AWS-managed aws/s3 key.
    const observedKey = kms ? await ctx.keys.observe(encryption.keyRef ?? 'alias/aws/s3', ref.region) : undefined;
    return { bucket: ref.id, region: ref.region, encryption, observedKey };
  },

  evaluate: evaluateS3Bucket,

  tags: (state, ctx) => readBucketTags(state.bucket, ctx),

  async remediate(state, _finding, ctx) {
    const cmk = await ctx.keys.regionalCmk(state.region);
    try {
      await s3(ctx).send(new PutBucketEncryptionCommand({
        Bucket: state.bucket,
        ServerSideEncryptionConfiguration: {
          // The full key ARN: an alias could be repointed later, an id is ambiguous across regions.
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: cmk.arn }, BucketKeyEnabled: true }],
        },
      }));
    } catch (e) {
      throw translateAwsError(e, 's3:PutEncryptionConfiguration', state.bucket);
    }
    return { changed: true, detail: `Default encryption set to SSE-KMS with ${cmk.arn} and the bucket key on; existing objects keep their old encryption until rewritten` };
  },

  async quarantine(state, finding, ctx) {
    const tagged = await mergeBucketTags(state.bucket, { [ctx.policy.doc.quarantineTag]: finding.reason ?? 'NON_COMPLIANT' }, ctx);
    let blocked = await readPublicAccessBlock(state.bucket, ctx);
    const blockChanged = !blocked;
    if (!blocked) {
      try {
        await s3(ctx).send(new PutPublicAccessBlockCommand({ Bucket: state.bucket, PublicAccessBlockConfiguration: ALL_BLOCKED }));
      } catch (e) {
        throw translateAwsError(e, 's3:PutBucketPublicAccessBlock', state.bucket);
      }
      blocked = await readPublicAccessBlock(state.bucket, ctx);
    }
    const tags = await readBucketTags(state.bucket, ctx);
    return {
      changed: tagged || blockChanged,
      verified: blocked && tags[ctx.policy.doc.quarantineTag] !== undefined,
      detail: `Tagged ${ctx.policy.doc.quarantineTag}=${finding.reason ?? 'NON_COMPLIANT'} and blocked all public access; data untouched`,
    };
  },

  existingData: reencryptExistingObjects,
};
