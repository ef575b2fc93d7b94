import { bucketsInRegion } from '../../aws/s3';
import {
  GetBucketEncryptionCommand,
  GetPublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type ServerSideEncryptionRule,
} from '@aws-sdk/client-s3';
import { awsErrorName, isAwsNotFound, translateAwsError } from '../../aws/errors';
import { SentinelError } from '../../errors';
import type { Rule, RuleContext } from '../contract';
import { group, NO_DOWNTIME, type PlanStep, read, write } from '../plan';
import { describeData, isComplete } from '../data-outcome';
import {
  type BucketDefaultEncryption,
  defaultDifferences,
  DSSE,
  evaluateS3Bucket,
  type S3BucketState,
  targetDefault,
} from './evaluate';
import { markerValue } from './object-plan';
import { rekeyObjects } from './objects';
import { readBucketTags } from '../../aws/s3-tags';
import { mergeBucketTags, OBJECTS_MARKER, setBucketTag } from './s3-tags';
import { s3BucketMeta } from './meta';
import { s3BucketInventory } from './config-item';

const NO_CONFIG = 'ServerSideEncryptionConfigurationNotFoundError';
const ALL_BLOCKED = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

const s3 = (ctx: RuleContext): S3Client => ctx.clients.get(S3Client, ctx.scope);

const readEncryption = async (
  bucket: string,
  ctx: RuleContext,
): Promise<BucketDefaultEncryption | undefined | 'GONE'> => {
  try {
    const out = await s3(ctx).send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    const rules: ServerSideEncryptionRule[] = out.ServerSideEncryptionConfiguration?.Rules ?? [];
    const rule = rules.find((r) => r.ApplyServerSideEncryptionByDefault);
    const def = rule?.ApplyServerSideEncryptionByDefault;
    if (!def?.SSEAlgorithm) return undefined;
    const blocked = rule?.BlockedEncryptionTypes?.EncryptionType;
    return {
      algorithm: def.SSEAlgorithm,
      keyRef: def.KMSMasterKeyID || undefined,
      bucketKey: rule?.BucketKeyEnabled === true,
      ...(blocked ? { blockedEncryptionTypes: [...blocked] } : {}),
    };
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

/** `aws:kms` with no key id means the AWS-managed aws/s3 key. */
const observed = (encryption: BucketDefaultEncryption | undefined, region: string, ctx: RuleContext) =>
  encryption?.algorithm.startsWith('aws:kms')
    ? ctx.keys.observe(encryption.keyRef ?? 'alias/aws/s3', region)
    : Promise.resolve(undefined);

const stateOf = (
  ref: { id: string; region: string; account: string },
  encryption: BucketDefaultEncryption | undefined,
  observedKey: S3BucketState['observedKey'],
  tags: Record<string, string>,
): S3BucketState => {
  const objectsPending = tags[OBJECTS_MARKER];
  return {
    bucket: ref.id,
    region: ref.region,
    account: ref.account,
    encryption,
    observedKey,
    tags,
    ...(objectsPending ? { objectsPending } : {}),
  };
};

/** Every call the object pass may send per object version (which ones depends on each version: data-dependent). */
const PER_OBJECT = [
  'HeadObject',
  'GetObjectAcl',
  'GetObjectTagging',
  'UpdateObjectEncryption',
  'CopyObject',
  'CreateMultipartUpload',
  'UploadPartCopy',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'PutObjectRetention',
  'PutObjectLegalHold',
] as const;

/** The existing objects' pass (objects.ts rekeyObjects): a job followed, or a listing then in place or one job. */
const objectSteps = (state: S3BucketState, limit: number, batchRole: string | undefined): PlanStep => {
  const bucket = { Bucket: state.bucket };
  const job = /^job:(.+)$/.exec(state.objectsPending ?? '')?.[1];
  const createJob = (purpose: string, o = {}) =>
    write('s3control', 'CreateJob', { AccountId: state.account, Operation: 'S3PutObjectCopy' }, purpose, o);
  if (job)
    return group(`follow the S3 Batch Operations job ${job}`, [
      read('s3control', 'DescribeJob', { AccountId: state.account, JobId: job }, 'read the job status'),
      createJob('start the next phase of the job', { times: 'optional', when: 'the SSE-KMS phase ended' }),
    ]);
  const inPlace = group(`re-key up to ${limit} versions in place, a few at a time`, [
    read('s3', 'GetBucketVersioning', bucket, 'copy each version with its version id when versioned'),
    group(
      'per object version: read it, then UpdateObjectEncryption (no data moved) or a copy onto the CMK',
      PER_OBJECT.map((op) =>
        (/^(Head|Get)/.test(op) ? read : write)('s3', op, { ...bucket, Key: '<each>' }, 'per version as needed'),
      ),
      { oneOf: true, times: 'any' },
    ),
  ]);
  const alternatives = [inPlace, ...(batchRole ? [createJob(`more than ${limit} versions: one Batch job`)] : [])];
  return group('re-key the existing objects, every version', [
    read('s3', 'ListObjectVersions', bucket, `list versions, up to ${limit} + 1`, { times: 'some' }),
    group('in place, or one S3 Batch Operations job', alternatives, {
      oneOf: true,
      times: 'optional',
      when: `the bucket holds objects (more than ${limit} versions and no batchRoleName: reported failed)`,
    }),
  ]);
};

export const s3BucketRule: Rule<S3BucketState> = {
  ...s3BucketMeta,

  list: (ctx) => bucketsInRegion(ctx.clients, ctx.scope),

  async describe(ref, ctx) {
    // Encryption and tags are independent reads: both at once. A bucket gone answers NoSuchBucket to both;
    // the encryption read decides it (the tags read's error is then dropped).
    const [encryption, tags] = await Promise.all([
      readEncryption(ref.id, ctx),
      readBucketTags(ref.id, ctx).then(
        (t) => ({ t }),
        (e: unknown) => ({ e }),
      ),
    ]);
    if (encryption === 'GONE') return undefined;
    if ('e' in tags) throw tags.e;
    return stateOf(ref, encryption, await observed(encryption, ref.region, ctx), tags.t);
  },

  evaluate: evaluateS3Bucket,

  inventory: s3BucketInventory,

  tags: async (state, ctx) => state.tags ?? readBucketTags(state.bucket, ctx),

  plan(state, finding, ctx, action) {
    const bucket = { Bucket: state.bucket };
    if (action === 'QUARANTINE')
      return {
        steps: [
          read('s3', 'GetBucketTagging', bucket, 'read the tags to merge the quarantine tag into'),
          write(
            's3',
            'PutBucketTagging',
            { ...bucket, add: `${ctx.policy.doc.quarantineTag}=${finding.reason ?? 'NON_COMPLIANT'}` },
            'mark the bucket quarantined, keeping every tag',
            { times: 'optional', when: 'not tagged so yet' },
          ),
          read('s3', 'GetPublicAccessBlock', bucket, 'see whether all public access is blocked'),
          group(
            'block all public access and verify',
            [
              write('s3', 'PutPublicAccessBlock', { ...bucket, ...ALL_BLOCKED }, 'close public access'),
              read('s3', 'GetPublicAccessBlock', bucket, 'verify'),
            ],
            { times: 'optional', when: 'not all blocked' },
          ),
          read('s3', 'GetBucketTagging', bucket, 'verify the tag'),
        ],
        downtime: NO_DOWNTIME,
        cost: [{ class: 'API_REQUESTS', basis: 'up to 6 S3 bucket calls' }],
        notes: ['data untouched; public readers lose access'],
      };
    const target = targetDefault(state.encryption, ctx.cmk.arn);
    const limit = ctx.policy.doc.objects?.inPlaceMaxObjects ?? 1000;
    const steps: PlanStep[] = [];
    if (!finding.dataOnly)
      steps.push(
        write(
          's3',
          'PutBucketEncryption',
          {
            ...bucket,
            SSEAlgorithm: target.algorithm,
            KMSMasterKeyID: ctx.cmk.arn,
            BucketKeyEnabled: target.bucketKey,
          },
          'new objects default to the regional CMK',
        ),
        read('s3', 'GetBucketEncryption', bucket, 'verify the default reads back as written'),
      );
    if (!state.objectsPending)
      steps.push(
        write(
          's3',
          'PutBucketTagging',
          { ...bucket, add: `${OBJECTS_MARKER}=pending` },
          'say "objects not all on the CMK" before any object call (a run cut short comes back)',
        ),
      );
    steps.push(objectSteps(state, limit, ctx.policy.doc.objects?.batchRoleName));
    steps.push(
      group(
        'record where the object pass ended (marker removed when complete)',
        [
          read('s3', 'GetBucketTagging', bucket, 'read the tags to keep'),
          group(
            'write the marker',
            [
              write('s3', 'PutBucketTagging', bucket, 'set the marker, other tags kept'),
              write('s3', 'DeleteBucketTagging', bucket, 'the marker was the only tag'),
            ],
            { oneOf: true, times: 'optional' },
          ),
        ],
        { times: 'optional', when: 'the marker changes' },
      ),
    );
    return {
      steps,
      downtime: NO_DOWNTIME,
      cost: [
        {
          class: 'S3_REQUESTS_PER_OBJECT',
          basis: `per object version: a HEAD and an UpdateObjectEncryption or a copy (up to ${limit} in place; more in one Batch Operations job, billed per object); listing 1 per 1000 versions`,
        },
        { class: 'KMS_REQUESTS', basis: 'per object re-keyed, fewer with the bucket key on' },
      ],
      notes: ['objects stay readable; a copy rewrites the object (new Last-Modified, same version chain)'],
    };
  },

  /**
   * The default first (the CMK, the algorithm as read, every field not ours as read), verified by a re-read;
   * then the existing objects, every version. The bucket's objects marker (a tag) says "not all on the CMK"
   * from before the pass until it ends complete: a pass cut short, failed or skipped objects, or a running
   * job keep it, so the next event or sweep evaluates the bucket non-compliant and comes back.
   */
  async remediate(state, finding, ctx) {
    const cmk = await ctx.keys.regionalCmk(state.region);
    const notes: string[] = [];
    let changed = false;
    let read: Awaited<ReturnType<typeof readEncryption>> | undefined;
    if (!finding.dataOnly) {
      const target = targetDefault(state.encryption, cmk.arn);
      try {
        await s3(ctx).send(
          new PutBucketEncryptionCommand({
            Bucket: state.bucket,
            ServerSideEncryptionConfiguration: {
              // The full key ARN: an alias could be repointed later, an id is ambiguous across regions.
              Rules: [
                {
                  ApplyServerSideEncryptionByDefault: {
                    SSEAlgorithm: target.algorithm as 'aws:kms',
                    KMSMasterKeyID: cmk.arn,
                  },
                  BucketKeyEnabled: target.bucketKey,
                  ...(target.blockedEncryptionTypes
                    ? { BlockedEncryptionTypes: { EncryptionType: target.blockedEncryptionTypes as never } }
                    : {}),
                },
              ],
            },
          }),
        );
      } catch (e) {
        throw translateAwsError(e, 's3:PutEncryptionConfiguration', state.bucket);
      }
      read = await readEncryption(state.bucket, ctx);
      const readKey =
        read && read !== 'GONE' && read.keyRef
          ? (await ctx.keys.observe(read.keyRef, state.region))?.info?.arn
          : undefined;
      const diff = defaultDifferences(read === 'GONE' ? undefined : read, target, readKey);
      if (diff.length)
        throw new SentinelError(
          'VERIFICATION_FAILED',
          `Default encryption of ${state.bucket} does not read back as written: ${diff.join('; ')}`,
          { details: { resource: state.bucket } },
        );
      changed = true;
      notes.push(
        `Default encryption set to ${target.algorithm} with ${cmk.arn}${target.bucketKey ? ' and the bucket key on' : ''}${target.blockedEncryptionTypes ? `, blocked types ${target.blockedEncryptionTypes.join(',')} kept` : ''}`,
      );
    }
    const ref = { type: 's3-bucket' as const, account: state.account, region: state.region, id: state.bucket };
    let marked = state.objectsPending;
    // Before any object call, the bucket says its objects are not all on the CMK: a run cut short (a timeout,
    // a listing refused) leaves it, and the next event or sweep comes back. (Listing first would spare an empty
    // bucket two tag writes, but a run cut short between the new default and the end of the listing would then
    // leave a bucket that reads compliant over objects never re-keyed.)
    if (!marked) {
      await setBucketTag(state.bucket, OBJECTS_MARKER, 'pending', ctx, state.tags);
      marked = 'pending';
    }
    // UpdateObjectEncryption can only target SSE-KMS; a copy follows the bucket's algorithm (DSSE-KMS stays DSSE-KMS).
    const data = await rekeyObjects(ref, cmk.arn, state.objectsPending, ctx, {
      dsse: targetDefault(state.encryption, cmk.arn).algorithm === DSSE,
    });
    const marker = markerValue(data);
    if (marker !== marked) await setBucketTag(state.bucket, OBJECTS_MARKER, marker, ctx);
    notes.push(`objects: ${describeData(data)}`);
    const running = data.job !== undefined && isComplete({ ...data, job: undefined });
    // The default was re-read above after the write and the marker is what this pass wrote: the pipeline
    // evaluates that instead of reading both again. Only when no other tag was written (the marker alone).
    const tagsNow = { ...state.tags };
    if (marker === undefined) delete tagsNow[OBJECTS_MARKER];
    else tagsNow[OBJECTS_MARKER] = marker;
    const verifiedState =
      read !== undefined && read !== 'GONE' && !running
        ? stateOf(ref, read, await observed(read, state.region, ctx), tagsNow)
        : undefined;
    const written = changed || data.rekeyed > 0 || marker !== state.objectsPending;
    if (running) return { kind: 'PENDING', changed: written, detail: notes.join('; '), data };
    return {
      kind: 'DONE',
      changed: written,
      detail: notes.join('; '),
      data,
      ...(verifiedState ? { verifiedState } : {}),
    };
  },

  async quarantine(state, finding, ctx) {
    const tagged = await mergeBucketTags(
      state.bucket,
      { [ctx.policy.doc.quarantineTag]: finding.reason ?? 'NON_COMPLIANT' },
      ctx,
    );
    let blocked = await readPublicAccessBlock(state.bucket, ctx);
    const blockChanged = !blocked;
    if (!blocked) {
      try {
        await s3(ctx).send(
          new PutPublicAccessBlockCommand({ Bucket: state.bucket, PublicAccessBlockConfiguration: ALL_BLOCKED }),
        );
      } catch (e) {
        throw translateAwsError(e, 's3:PutBucketPublicAccessBlock', state.bucket);
      }
      blocked = await readPublicAccessBlock(state.bucket, ctx);
    }
    const tags = await readBucketTags(state.bucket, ctx);
    return {
      kind: 'DONE',
      changed: tagged || blockChanged,
      verified: blocked && tags[ctx.policy.doc.quarantineTag] !== undefined,
      detail: `Tagged ${ctx.policy.doc.quarantineTag}=${finding.reason ?? 'NON_COMPLIANT'} and blocked all public access; data untouched`,
    };
  },
};
