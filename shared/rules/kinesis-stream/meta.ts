import { pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { accountArn, ACCOUNT_KEYS, KEY_LOOKUP } from '../grants';

export const kinesisStreamArn = (region: string, account: string, name: string): string =>
  `arn:aws:kinesis:${region}:${account}:stream/${name}`;

/** CloudTrail names the stream by `streamName` or (newer SDKs) `streamARN`; the rule works by name. */
export const streamNameOf = (d: Record<string, unknown>): string[] => {
  const name =
    pick(d, 'requestParameters', 'streamName') ?? pick(d, 'requestParameters', 'streamARN')?.split(':stream/')[1];
  return name ? [name] : [];
};

export const kinesisStreamMeta: RuleMeta = {
  type: 'kinesis-stream',
  service: 'kinesis',
  cloudTrail: [
    {
      eventSource: 'kinesis.amazonaws.com',
      eventNames: ['CreateStream', 'StopStreamEncryption', 'StartStreamEncryption'],
      ids: streamNameOf,
    },
  ],
  configTypes: ['AWS::Kinesis::Stream'],
  permissions: {
    read: ['kinesis:ListStreams', 'kinesis:DescribeStreamSummary', 'kinesis:ListTagsForStream', 'kms:DescribeKey'],
    remediate: ['kinesis:StartStreamEncryption'],
    quarantine: ['kinesis:AddTagsToStream'],
  },

  grants: [
    {
      sid: 'KinesisStreamRead',
      actions: ['kinesis:ListStreams', 'kinesis:DescribeStreamSummary', 'kinesis:ListTagsForStream'],
      resources: ['*'],
    },
    {
      sid: 'KinesisStreamWrite',
      actions: ['kinesis:StartStreamEncryption', 'kinesis:AddTagsToStream'],
      // StartStreamEncryption also checks the key (the reference's kmsKey resource, required).
      resources: [accountArn('kinesis', 'stream/*'), ACCOUNT_KEYS],
    },
    KEY_LOOKUP,
  ],
  doc: {
    compliant: 'EncryptionType KMS with the regional CMK',
    remediate:
      'StartStreamEncryption with the CMK ARN (records already written stay as they were until retention expires them)',
    quarantine: 'tag; records untouched',
    gates: [],
  },
  arn: (ref) => kinesisStreamArn(ref.region, ref.account, ref.id),
};
