import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { S3_BUCKETS } from '../grants';

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

  grants: [
    { sid: 'S3TlsList', actions: ['s3:ListAllMyBuckets'], resources: ['*'] },
    { sid: 'S3TlsRead', actions: ['s3:GetBucketPolicy', 's3:GetBucketTagging'], resources: [S3_BUCKETS] },
    { sid: 'S3TlsWrite', actions: ['s3:PutBucketPolicy'], resources: [S3_BUCKETS] },
  ],
  doc: {
    compliant: 'the bucket policy denies s3:* when aws:SecureTransport is false',
    remediate: 'merge one Deny statement, every other statement kept',
    quarantine: 'reported only',
    gates: [],
  },
  arn: (ref) => `arn:aws:s3:::${ref.id}`,
};
