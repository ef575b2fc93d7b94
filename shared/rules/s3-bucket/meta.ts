import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';

export const s3BucketMeta: RuleMeta = {
  type: 's3-bucket',
  service: 's3',
  cloudTrail: [{
    eventSource: 's3.amazonaws.com',
    eventNames: ['CreateBucket', 'PutBucketEncryption', 'DeleteBucketEncryption'],
    ids: (d) => idList(pick(d, 'requestParameters', 'bucketName')),
  }],
  configTypes: ['AWS::S3::Bucket'],
  permissions: {
    read: ['s3:ListAllMyBuckets', 's3:GetEncryptionConfiguration', 's3:GetBucketTagging', 'kms:DescribeKey'],
    remediate: ['s3:PutEncryptionConfiguration'],
    quarantine: ['s3:PutBucketTagging', 's3:GetBucketPublicAccessBlock', 's3:PutBucketPublicAccessBlock'],
  },

  arn: (ref) => `arn:aws:s3:::${ref.id}`,
};
