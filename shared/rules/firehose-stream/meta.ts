import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { accountArn, CMK_GRANTS, KEY_LOOKUP } from '../grants';

export const firehoseStreamArn = (region: string, account: string, name: string): string =>
  `arn:aws:firehose:${region}:${account}:deliverystream/${name}`;

export const firehoseStreamMeta: RuleMeta = {
  type: 'firehose-stream',
  service: 'firehose',
  cloudTrail: [
    {
      eventSource: 'firehose.amazonaws.com',
      eventNames: ['CreateDeliveryStream', 'StopDeliveryStreamEncryption', 'UpdateDestination'],
      ids: (d) => idList(pick(d, 'requestParameters', 'deliveryStreamName')),
    },
  ],
  configTypes: ['AWS::KinesisFirehose::DeliveryStream'],
  permissions: {
    read: [
      'firehose:ListDeliveryStreams',
      'firehose:DescribeDeliveryStream',
      'firehose:ListTagsForDeliveryStream',
      'kms:DescribeKey',
    ],
    // Firehose uses a customer managed key through a grant it creates (StartDeliveryStreamEncryption).
    remediate: ['firehose:StartDeliveryStreamEncryption', 'firehose:UpdateDestination', 'kms:CreateGrant'],
    quarantine: ['firehose:TagDeliveryStream'],
  },

  grants: [
    {
      sid: 'FirehoseStreamRead',
      actions: [
        'firehose:ListDeliveryStreams',
        'firehose:DescribeDeliveryStream',
        'firehose:ListTagsForDeliveryStream',
      ],
      resources: ['*'],
    },
    {
      sid: 'FirehoseStreamWrite',
      actions: ['firehose:StartDeliveryStreamEncryption', 'firehose:UpdateDestination', 'firehose:TagDeliveryStream'],
      resources: [accountArn('firehose', 'deliverystream/*')],
    },
    CMK_GRANTS,
    KEY_LOOKUP,
  ],
  doc: {
    compliant: 'DirectPut SSE CUSTOMER_MANAGED_CMK with the regional CMK, and every S3 destination writing with it',
    remediate: 'StartDeliveryStreamEncryption (DirectPut only), UpdateDestination per S3 destination',
    quarantine: 'tag; delivery untouched',
    gates: [],
  },
  arn: (ref) => firehoseStreamArn(ref.region, ref.account, ref.id),
};
