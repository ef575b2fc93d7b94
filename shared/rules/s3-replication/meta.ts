import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { KEY_LOOKUP, passRoleTo, S3_BUCKETS } from '../grants';

/** Ref ids for "the rules that replicate into bucket X" carry this prefix; a plain id is a source bucket. */
export const DESTINATION_PREFIX = 'to:';

export const s3ReplicationMeta: RuleMeta = {
  type: 's3-replication',
  service: 's3',
  cloudTrail: [
    {
      eventSource: 's3.amazonaws.com',
      eventNames: ['PutBucketReplication'],
      ids: (d) => idList(pick(d, 'requestParameters', 'bucketName')),
    },
    {
      // A bucket that may be some rule's destination: re-judge the rules that replicate into it.
      eventSource: 's3.amazonaws.com',
      eventNames: ['CreateBucket', 'PutBucketEncryption', 'PutBucketVersioning'],
      ids: (d) => idList(pick(d, 'requestParameters', 'bucketName')).map((b) => `${DESTINATION_PREFIX}${b}`),
    },
  ],
  configTypes: [],
  permissions: {
    // The replication role against the keys: iam:SimulatePrincipalPolicy with the key policies.
    read: [
      's3:ListAllMyBuckets',
      's3:GetReplicationConfiguration',
      's3:GetBucketLocation',
      's3:GetBucketVersioning',
      's3:GetBucketTagging',
      'kms:DescribeKey',
      'iam:SimulatePrincipalPolicy',
      'kms:GetKeyPolicy',
    ],
    remediate: ['s3:PutReplicationConfiguration', 'iam:PassRole'],
    quarantine: [],
  },

  grants: [
    {
      sid: 'S3ReplicationRead',
      actions: [
        's3:ListAllMyBuckets',
        's3:GetReplicationConfiguration',
        's3:GetBucketLocation',
        's3:GetBucketVersioning',
        's3:GetBucketTagging',
        'kms:GetKeyPolicy',
      ],
      resources: ['*'],
    },
    { sid: 'S3ReplicationWrite', actions: ['s3:PutReplicationConfiguration'], resources: [S3_BUCKETS] },
    passRoleTo('S3ReplicationPassRole', 's3.amazonaws.com'),
    // Before a replica key is written: may the replication role use the keys (with their key policies)?
    {
      sid: 'S3ReplicationRoleCheck',
      actions: ['iam:SimulatePrincipalPolicy'],
      resources: ['arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*'],
    },
    KEY_LOOKUP,
  ],
  doc: {
    compliant: "every enabled rule into region R replicates SSE-KMS objects with R's CMK as ReplicaKmsKeyID",
    remediate: 'PutBucketReplication with only the wrong fields rewritten, compared field by field on re-read',
    quarantine: 'alert only',
    gates: [],
  },
  arn: (ref) =>
    `arn:aws:s3:::${ref.id.startsWith(DESTINATION_PREFIX) ? ref.id.slice(DESTINATION_PREFIX.length) : ref.id}`,
};
