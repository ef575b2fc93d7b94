import {
  type DeliveryStreamDescription,
  type DestinationDescription,
  DescribeDeliveryStreamCommand,
  FirehoseClient,
  ListDeliveryStreamsCommand,
  ListTagsForDeliveryStreamCommand,
  StartDeliveryStreamEncryptionCommand,
  TagDeliveryStreamCommand,
  UpdateDestinationCommand,
} from '@aws-sdk/client-firehose';
import { isAwsNotFound, translateAwsError } from '../../aws/errors';
import { tagRecord } from '../../aws/tags';
import type { Rule, RuleContext } from '../contract';
import { NO_DOWNTIME, type PlanStep, read, tagQuarantine, write } from '../plan';
import {
  destinationProblem,
  evaluateFirehoseStream,
  type FirehoseS3Destination,
  type FirehoseStreamState,
  sseApplies,
  sseProblem,
} from './evaluate';
import { firehoseStreamMeta } from './meta';

const firehose = (ctx: RuleContext): FirehoseClient => ctx.clients.get(FirehoseClient, ctx.scope);

const readStream = async (name: string, ctx: RuleContext): Promise<DeliveryStreamDescription | undefined> => {
  try {
    return (await firehose(ctx).send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name })))
      .DeliveryStreamDescription;
  } catch (e) {
    if (isAwsNotFound(e, 'firehose:DescribeDeliveryStream')) return undefined;
    throw translateAwsError(e, 'firehose:DescribeDeliveryStream', name);
  }
};

/** An extended S3 destination is also reported as S3DestinationDescription: the extended one is the one to read and
 * update. */
const s3Of = (d: DestinationDescription): Omit<FirehoseS3Destination, 'key'> | undefined => {
  const ext = d.ExtendedS3DestinationDescription;
  const plain = d.S3DestinationDescription;
  const desc = ext ?? plain;
  if (!desc) return undefined;
  return {
    destinationId: d.DestinationId ?? '',
    kind: ext ? 'extended-s3' : 's3',
    bucketArn: desc.BucketARN,
    keyRef: desc.EncryptionConfiguration?.KMSEncryptionConfig?.AWSKMSKeyARN || undefined,
  };
};

const toState = async (
  d: DeliveryStreamDescription,
  region: string,
  ctx: RuleContext,
): Promise<FirehoseStreamState> => {
  const enc = d.DeliveryStreamEncryptionConfiguration;
  const sse = enc
    ? { status: enc.Status, keyType: enc.KeyType, keyArn: enc.KeyARN, failure: enc.FailureDescription?.Details }
    : undefined;
  const destinations = d.Destinations ?? [];
  const s3 = await Promise.all(
    destinations
      .map(s3Of)
      .filter((x): x is Omit<FirehoseS3Destination, 'key'> => x !== undefined)
      .map(async (x) => ({ ...x, key: x.keyRef ? await ctx.keys.observe(x.keyRef, region) : undefined })),
  );
  return {
    name: d.DeliveryStreamName ?? '',
    arn: d.DeliveryStreamARN ?? '',
    region,
    status: d.DeliveryStreamStatus ?? 'UNKNOWN',
    sourceType: d.DeliveryStreamType ?? 'DirectPut',
    versionId: d.VersionId ?? '',
    sse,
    sseKey:
      sse?.keyType === 'CUSTOMER_MANAGED_CMK' && sse.keyArn ? await ctx.keys.observe(sse.keyArn, region) : undefined,
    s3,
    otherDestinations: destinations.length - s3.length,
  };
};

const readTags = async (name: string, ctx: RuleContext): Promise<Record<string, string>> => {
  const tags: { Key?: string; Value?: string }[] = [];
  let start: string | undefined;
  try {
    for (;;) {
      const out = await firehose(ctx).send(
        new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: name, ExclusiveStartTagKey: start }),
      );
      tags.push(...(out.Tags ?? []));
      start = out.Tags?.at(-1)?.Key;
      if (!out.HasMoreTags || !start) break;
    }
  } catch (e) {
    throw translateAwsError(e, 'firehose:ListTagsForDeliveryStream', name);
  }
  return tagRecord(tags);
};

async function* listStreams(ctx: RuleContext): AsyncIterable<string> {
  let start: string | undefined;
  try {
    for (;;) {
      const out = await firehose(ctx).send(new ListDeliveryStreamsCommand({ ExclusiveStartDeliveryStreamName: start }));
      const names = out.DeliveryStreamNames ?? [];
      yield* names;
      start = names.at(-1);
      if (!out.HasMoreDeliveryStreams || !start) return;
    }
  } catch (e) {
    throw translateAwsError(e, 'firehose:ListDeliveryStreams');
  }
}

const send = async (action: string, name: string, call: () => Promise<unknown>): Promise<void> => {
  try {
    await call();
  } catch (e) {
    throw translateAwsError(e, `firehose:${action}`, name);
  }
};

export const firehoseStreamRule: Rule<FirehoseStreamState> = {
  ...firehoseStreamMeta,

  list: listStreams,

  async describe(ref, ctx) {
    const d = await readStream(ref.id, ctx);
    return d ? toState(d, ref.region, ctx) : undefined;
  },

  evaluate: evaluateFirehoseStream,

  tags: (state, ctx) => readTags(state.name, ctx),

  plan(state, finding, ctx, action) {
    const input = { DeliveryStreamName: state.name };
    if (action === 'QUARANTINE')
      return tagQuarantine(
        'firehose',
        { list: 'ListTagsForDeliveryStream', tag: 'TagDeliveryStream' },
        input,
        { key: ctx.policy.doc.quarantineTag, value: finding.reason ?? 'NON_COMPLIANT' },
        'delivery untouched',
      );
    if (finding.reason === 'ENCRYPTION_IN_PROGRESS' || state.status !== 'ACTIVE')
      return {
        steps: [],
        downtime: NO_DOWNTIME,
        cost: [],
        notes: [`stream ${state.status}: nothing sent until ACTIVE`],
      };
    const steps: PlanStep[] = [];
    if (sseApplies(state) && sseProblem(state, ctx))
      steps.push(
        write(
          'firehose',
          'StartDeliveryStreamEncryption',
          { ...input, KeyType: 'CUSTOMER_MANAGED_CMK', KeyARN: ctx.cmk.arn },
          'encrypt records held in the stream with the CMK',
        ),
      );
    for (const d of state.s3.filter((x) => destinationProblem(x, ctx)))
      steps.push(
        read('firehose', 'DescribeDeliveryStream', input, 'the current version id (each update bumps it)'),
        write(
          'firehose',
          'UpdateDestination',
          { ...input, DestinationId: d.destinationId, AWSKMSKeyARN: ctx.cmk.arn },
          `objects delivered to ${d.bucketArn ?? d.destinationId} from now on encrypted with the CMK`,
        ),
      );
    steps.push(read('firehose', 'DescribeDeliveryStream', input, 'see whether encryption is still ENABLING'));
    return {
      steps,
      downtime: NO_DOWNTIME,
      cost: [{ class: 'KMS_REQUESTS', basis: 'per delivered S3 object and per data key of the stream' }],
      notes: [
        'records already delivered keep their encryption; the delivery role needs use of the CMK or delivery fails',
      ],
    };
  },

  async remediate(state, finding, ctx) {
    if (finding.reason === 'ENCRYPTION_IN_PROGRESS' || state.status !== 'ACTIVE') {
      return {
        kind: 'PENDING',
        changed: false,
        detail: `Stream ${state.status}, encryption ${state.sse?.status ?? 'off'}: nothing sent until it is ACTIVE`,
      };
    }
    const cmk = await ctx.keys.regionalCmk(state.region);
    const evalCtx = { region: state.region, cmk, policy: ctx.policy };
    const done: string[] = [];
    if (sseApplies(state) && sseProblem(state, evalCtx)) {
      await send('StartDeliveryStreamEncryption', state.name, () =>
        firehose(ctx).send(
          new StartDeliveryStreamEncryptionCommand({
            DeliveryStreamName: state.name,
            DeliveryStreamEncryptionConfigurationInput: { KeyType: 'CUSTOMER_MANAGED_CMK', KeyARN: cmk.arn },
          }),
        ),
      );
      done.push(`StartDeliveryStreamEncryption CUSTOMER_MANAGED_CMK ${cmk.arn}`);
    }
    // Each UpdateDestination bumps the stream's version: re-read it before the next one.
    for (const d of state.s3.filter((x) => destinationProblem(x, evalCtx))) {
      const fresh = await readStream(state.name, ctx);
      const encryption = { EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: cmk.arn } } };
      await send('UpdateDestination', state.name, () =>
        firehose(ctx).send(
          new UpdateDestinationCommand({
            DeliveryStreamName: state.name,
            CurrentDeliveryStreamVersionId: fresh?.VersionId ?? state.versionId,
            DestinationId: d.destinationId,
            ...(d.kind === 'extended-s3'
              ? { ExtendedS3DestinationUpdate: encryption }
              : { S3DestinationUpdate: encryption }),
          }),
        ),
      );
      done.push(`UpdateDestination ${d.bucketArn ?? d.destinationId} KMSEncryptionConfig ${cmk.arn}`);
    }
    const after = await readStream(state.name, ctx);
    const detail =
      `${done.join('; ')}. Records already delivered to S3 keep the encryption they were written with; the stream's delivery role needs ` +
      'kms:GenerateDataKey and kms:Decrypt on the CMK or delivery fails';
    if (after?.DeliveryStreamEncryptionConfiguration?.Status === 'ENABLING')
      return { kind: 'PENDING', changed: true, detail: `${detail}; re-read: ENABLING` };
    return { kind: 'DONE', changed: done.length > 0, detail };
  },

  async quarantine(state, finding, ctx) {
    const tagKey = ctx.policy.doc.quarantineTag;
    const tagValue = finding.reason ?? 'NON_COMPLIANT';
    const tags = await readTags(state.name, ctx);
    if (tags[tagKey] !== undefined)
      return {
        kind: 'DONE',
        changed: false,
        verified: true,
        detail: `Already tagged ${tagKey}=${tags[tagKey]}; delivery untouched`,
      };
    await send('TagDeliveryStream', state.name, () =>
      firehose(ctx).send(
        new TagDeliveryStreamCommand({ DeliveryStreamName: state.name, Tags: [{ Key: tagKey, Value: tagValue }] }),
      ),
    );
    const after = await readTags(state.name, ctx);
    return {
      kind: 'DONE',
      changed: true,
      verified: after[tagKey] === tagValue,
      detail: `Tagged ${tagKey}=${tagValue}; delivery untouched`,
    };
  },
};
