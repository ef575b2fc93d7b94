import {
  AddTagsToStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListTagsForStreamCommand,
  paginateListStreams,
  StartStreamEncryptionCommand,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import { isAwsNotFound, translateAwsError } from '../../aws/errors';
import { itemsOf } from '../../aws/paginate';
import { tagRecord } from '../../aws/tags';
import type { Rule, RuleContext } from '../contract';
import { NO_DOWNTIME, read, tagQuarantine, write } from '../plan';
import { evaluateKinesisStream, type KinesisStreamState } from './evaluate';
import { kinesisStreamMeta } from './meta';

const kinesis = (ctx: RuleContext): KinesisClient => ctx.clients.get(KinesisClient, ctx.scope);

const readStream = async (name: string, ctx: RuleContext): Promise<StreamDescriptionSummary | undefined> => {
  try {
    return (await kinesis(ctx).send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary;
  } catch (e) {
    if (isAwsNotFound(e, 'kinesis:DescribeStreamSummary')) return undefined;
    throw translateAwsError(e, 'kinesis:DescribeStreamSummary', name);
  }
};

const toState = async (d: StreamDescriptionSummary, region: string, ctx: RuleContext): Promise<KinesisStreamState> => {
  const encryptionType = d.EncryptionType ?? 'NONE';
  const keyRef = d.KeyId || undefined;
  return {
    name: d.StreamName ?? '',
    arn: d.StreamARN ?? '',
    region,
    status: d.StreamStatus ?? 'UNKNOWN',
    encryptionType,
    keyRef,
    observedKey: encryptionType === 'KMS' ? await ctx.keys.observe(keyRef ?? 'alias/aws/kinesis', region) : undefined,
    retentionHours: d.RetentionPeriodHours,
  };
};

const readTags = async (name: string, ctx: RuleContext): Promise<Record<string, string>> => {
  const tags: { Key?: string; Value?: string }[] = [];
  let start: string | undefined;
  try {
    for (;;) {
      const out = await kinesis(ctx).send(
        new ListTagsForStreamCommand({ StreamName: name, ExclusiveStartTagKey: start }),
      );
      tags.push(...(out.Tags ?? []));
      start = out.Tags?.at(-1)?.Key;
      if (!out.HasMoreTags || !start) break;
    }
  } catch (e) {
    throw translateAwsError(e, 'kinesis:ListTagsForStream', name);
  }
  return tagRecord(tags);
};

export const kinesisStreamRule: Rule<KinesisStreamState> = {
  ...kinesisStreamMeta,

  list: (ctx) =>
    itemsOf(paginateListStreams({ client: kinesis(ctx) }, {}), (p) => p.StreamNames, 'kinesis:ListStreams'),

  async describe(ref, ctx) {
    const d = await readStream(ref.id, ctx);
    return d ? toState(d, ref.region, ctx) : undefined;
  },

  evaluate: evaluateKinesisStream,

  tags: (state, ctx) => readTags(state.name, ctx),

  plan(state, finding, ctx, action) {
    const input = { StreamName: state.name };
    if (action === 'QUARANTINE')
      return tagQuarantine(
        'kinesis',
        { list: 'ListTagsForStream', tag: 'AddTagsToStream' },
        input,
        { key: ctx.policy.doc.quarantineTag, value: finding.reason ?? 'NON_COMPLIANT' },
        'records untouched (producers keep writing)',
      );
    if (finding.reason === 'ENCRYPTION_IN_PROGRESS' || state.status !== 'ACTIVE')
      return {
        steps: [],
        downtime: NO_DOWNTIME,
        cost: [],
        notes: [`stream ${state.status}: nothing sent until it is ACTIVE`],
      };
    return {
      steps: [
        write(
          'kinesis',
          'StartStreamEncryption',
          { ...input, EncryptionType: 'KMS', KeyId: ctx.cmk.arn },
          'encrypt records written from now on with the regional CMK',
        ),
        read('kinesis', 'DescribeStreamSummary', input, 'see whether the stream is still UPDATING'),
      ],
      downtime: NO_DOWNTIME,
      cost: [{ class: 'KMS_REQUESTS', basis: 'producers and consumers call KMS per data key (cached by the KCL/KPL)' }],
      notes: [
        `records written before stay ${state.encryptionType === 'KMS' ? 'under the previous key' : 'unencrypted'} until they expire (${state.retentionHours ?? '?'} h)`,
      ],
    };
  },

  async remediate(state, finding, ctx) {
    // Kinesis accepts the change only on an ACTIVE stream; one already UPDATING is left to finish.
    if (finding.reason === 'ENCRYPTION_IN_PROGRESS' || state.status !== 'ACTIVE') {
      return {
        kind: 'PENDING',
        changed: false,
        detail: `Stream ${state.status}: no StartStreamEncryption sent until it is ACTIVE`,
      };
    }
    const cmk = await ctx.keys.regionalCmk(state.region);
    try {
      await kinesis(ctx).send(
        new StartStreamEncryptionCommand({ StreamName: state.name, EncryptionType: 'KMS', KeyId: cmk.arn }),
      );
    } catch (e) {
      throw translateAwsError(e, 'kinesis:StartStreamEncryption', state.name);
    }
    // API reference, StartStreamEncryption: "Once the status of the stream is ACTIVE, encryption begins for records
    // written to the stream" — records already in it are not rewritten; they age out with the retention period.
    const retention = state.retentionHours ? `${state.retentionHours} h` : 'the retention period';
    const detail =
      `StartStreamEncryption KMS with ${cmk.arn}; the stream stays readable and writable. Records written before stay ` +
      `${state.encryptionType === 'KMS' ? 'under the previous key' : 'unencrypted'} until they expire (${retention}); producers need kms:GenerateDataKey and consumers kms:Decrypt on the CMK`;
    const after = await readStream(state.name, ctx);
    if (after?.StreamStatus === 'UPDATING')
      return {
        kind: 'PENDING',
        changed: true,
        detail: `${detail}; re-read: UPDATING, done when the stream is ACTIVE with the CMK`,
      };
    return { kind: 'DONE', changed: true, detail };
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
        detail: `Already tagged ${tagKey}=${tags[tagKey]}; data untouched`,
      };
    try {
      await kinesis(ctx).send(new AddTagsToStreamCommand({ StreamName: state.name, Tags: { [tagKey]: tagValue } }));
    } catch (e) {
      throw translateAwsError(e, 'kinesis:AddTagsToStream', state.name);
    }
    const after = await readTags(state.name, ctx);
    return {
      kind: 'DONE',
      changed: true,
      verified: after[tagKey] === tagValue,
      detail: `Tagged ${tagKey}=${tagValue}; records untouched (producers keep writing)`,
    };
  },
};
