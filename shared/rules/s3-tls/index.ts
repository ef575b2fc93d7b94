import { bucketsInRegion } from '../../aws/s3';
import { GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { awsErrorName, isAwsNotFound, translateAwsError } from '../../aws/errors';
import type { Rule, RuleContext } from '../contract';
import { NO_DOWNTIME, write } from '../plan';
import { readBucketTags } from '../../aws/s3-tags';
import { evaluateS3Tls, mergeTlsStatement, type S3TlsState, TLS_SID } from './evaluate';
import { s3TlsMeta } from './meta';

const s3 = (ctx: RuleContext): S3Client => ctx.clients.get(S3Client, ctx.scope);

const readPolicy = async (bucket: string, ctx: RuleContext): Promise<string | undefined | 'GONE'> => {
  try {
    return (await s3(ctx).send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? undefined;
  } catch (e) {
    if (awsErrorName(e) === 'NoSuchBucketPolicy') return undefined;
    if (isAwsNotFound(e, 's3:GetBucketPolicy')) return 'GONE';
    throw translateAwsError(e, 's3:GetBucketPolicy', bucket);
  }
};

export const s3TlsRule: Rule<S3TlsState> = {
  ...s3TlsMeta,

  list: (ctx) => bucketsInRegion(ctx.clients, ctx.scope),

  async describe(ref, ctx) {
    const policy = await readPolicy(ref.id, ctx);
    if (policy === 'GONE') return undefined;
    return { bucket: ref.id, region: ref.region, policy };
  },

  evaluate: evaluateS3Tls,

  tags: (state, ctx) => readBucketTags(state.bucket, ctx),

  plan(state, _finding, _ctx, action) {
    const merged = action === 'REMEDIATE' ? mergeTlsStatement(state.policy, state.bucket) : undefined;
    return {
      steps: merged
        ? [
            write(
              's3',
              'PutBucketPolicy',
              { Bucket: state.bucket, add: `Deny ${TLS_SID} aws:SecureTransport=false` },
              'refuse plain-HTTP requests; every other statement kept',
            ),
          ]
        : [],
      downtime: NO_DOWNTIME,
      cost: merged ? [{ class: 'API_REQUESTS', basis: 'one S3 call' }] : [],
      notes: [
        action === 'QUARANTINE'
          ? 'a bucket without a TLS policy is not quarantined: reported only'
          : merged
            ? 'clients still on plain HTTP get 403 from now on'
            : 'the policy already denies plain HTTP',
      ],
    };
  },

  async remediate(state, _finding, ctx) {
    // Throws INVALID_DOCUMENT for a policy that is not JSON or would grow past S3's limit.
    const merged = mergeTlsStatement(state.policy, state.bucket);
    if (merged === undefined)
      return { kind: 'DONE', changed: false, detail: 'The bucket policy already denies plain-HTTP requests' };
    try {
      await s3(ctx).send(new PutBucketPolicyCommand({ Bucket: state.bucket, Policy: merged }));
    } catch (e) {
      throw translateAwsError(e, 's3:PutBucketPolicy', state.bucket);
    }
    return {
      kind: 'DONE',
      changed: true,
      detail: `Added the Deny statement ${TLS_SID} (aws:SecureTransport=false) to the bucket policy; every other statement kept`,
    };
  },

  quarantine: async () => ({
    kind: 'CANNOT',
    detail: 'Reported only: a bucket without a TLS policy is not quarantined',
  }),
};
