import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';

export const s3TlsMeta: RuleMeta = {
  type: 's3-tls',
  service: 's3',
  cloudTrail: [
    {
      eventSource: 's3.amazonaws.com',
      eventNames: ['CreateBucket', 'PutBucketPolicy', 'DeleteBucketPolicy'],
      ids: (d) => idList(pick(d, 'requestParameters', 'bucketName')),
    },
  ],
  configTypes: [],
  permissions: {
    read: ['s3:ListAllMyBuckets', 's3:GetBucketPolicy', 's3:GetBucketTagging'],
    remediate: ['s3:PutBucketPolicy'],
    quarantine: [],
  },

  arn: (ref) => `arn:aws:s3:::${ref.id}`,
};
