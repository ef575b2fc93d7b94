import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { accountArn, ACCOUNT_KEYS, KEY_LOOKUP, ON_CMK, passRoleTo, S3_BUCKETS, S3_OBJECTS } from '../grants';

export const s3BucketMeta: RuleMeta = {
  type: 's3-bucket',
  service: 's3',
  cloudTrail: [
    {
      eventSource: 's3.amazonaws.com',
      eventNames: ['CreateBucket', 'PutBucketEncryption', 'DeleteBucketEncryption'],
      ids: (d) => idList(pick(d, 'requestParameters', 'bucketName')),
    },
  ],
  configTypes: ['AWS::S3::Bucket'],
  permissions: {
    read: [
      's3:ListAllMyBuckets',
      's3:GetEncryptionConfiguration',
      's3:GetBucketTagging',
      'kms:DescribeKey',
      // Existing objects, every version: HeadObject is authorized as s3:GetObject(Version); its lock headers need the
      // two last.
      's3:ListBucketVersions',
      's3:GetBucketVersioning',
      's3:GetObject',
      's3:GetObjectVersion',
      's3:GetObjectAcl',
      's3:GetObjectVersionAcl',
      's3:GetObjectTagging',
      's3:GetObjectVersionTagging',
      's3:GetObjectRetention',
      's3:GetObjectLegalHold',
      's3:DescribeJob',
    ],
    remediate: [
      // The bucket's objects marker is a tag.
      's3:PutEncryptionConfiguration',
      's3:PutBucketTagging',
      // UpdateObjectEncryption (S3 API reference: s3:UpdateObjectEncryption, kms:Encrypt, kms:Decrypt,
      // kms:GenerateDataKey, kms:ReEncrypt*).
      's3:UpdateObjectEncryption',
      'kms:Encrypt',
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'kms:ReEncryptFrom',
      'kms:ReEncryptTo',
      // The copy of an unencrypted object, with what a copy would lose given back.
      's3:PutObject',
      's3:PutObjectTagging',
      's3:PutObjectAcl',
      's3:PutObjectVersionAcl',
      's3:PutObjectRetention',
      's3:PutObjectLegalHold',
      's3:AbortMultipartUpload',
      // Large buckets: one Batch Operations job, run by the policy's batch role.
      's3:CreateJob',
      'iam:PassRole',
    ],
    quarantine: ['s3:PutBucketTagging', 's3:GetBucketPublicAccessBlock', 's3:PutBucketPublicAccessBlock'],
  },

  grants: [
    {
      sid: 'S3BucketRead',
      actions: [
        's3:ListAllMyBuckets',
        's3:GetEncryptionConfiguration',
        's3:GetBucketTagging',
        's3:GetBucketPublicAccessBlock',
      ],
      resources: ['*'],
    },
    {
      sid: 'S3BucketWrite',
      actions: ['s3:PutEncryptionConfiguration', 's3:PutBucketTagging', 's3:PutBucketPublicAccessBlock'],
      resources: [S3_BUCKETS],
    },
    // Existing objects of a bucket, every version: UpdateObjectEncryption, or a copy for unencrypted ones.
    {
      sid: 'S3ObjectsRead',
      actions: [
        's3:ListBucketVersions',
        's3:GetBucketVersioning',
        's3:GetObject',
        's3:GetObjectVersion',
        's3:GetObjectAcl',
        's3:GetObjectVersionAcl',
        's3:GetObjectTagging',
        's3:GetObjectVersionTagging',
        's3:GetObjectRetention',
        's3:GetObjectLegalHold',
      ],
      resources: [S3_BUCKETS, S3_OBJECTS],
    },
    {
      sid: 'S3ObjectsRekey',
      actions: [
        's3:UpdateObjectEncryption',
        's3:PutObject',
        's3:PutObjectTagging',
        's3:PutObjectAcl',
        's3:PutObjectVersionAcl',
        's3:PutObjectRetention',
        's3:PutObjectLegalHold',
        's3:AbortMultipartUpload',
      ],
      resources: [S3_OBJECTS],
    },
    // Objects are re-keyed onto the CMK only...
    {
      sid: 'S3ObjectsCmk',
      actions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptTo'],
      resources: [ACCOUNT_KEYS],
      condition: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' }, ...ON_CMK },
    },
    // ...from whatever key they had (that is the point of re-keying them).
    {
      sid: 'S3ObjectsOldKeys',
      actions: ['kms:Decrypt', 'kms:ReEncryptFrom'],
      resources: [ACCOUNT_KEYS],
      condition: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } },
    },
    { sid: 'S3ObjectsBatchJob', actions: ['s3:CreateJob'], resources: ['*'] },
    { sid: 'S3ObjectsBatchJobRead', actions: ['s3:DescribeJob'], resources: [accountArn('s3', 'job/*')] },
    passRoleTo('S3ObjectsBatchRole', 'batchoperations.s3.amazonaws.com', '${BatchRoleName}'),
    KEY_LOOKUP,
  ],
  doc: {
    compliant: 'default encryption aws:kms (or aws:kms:dsse) with the regional CMK, bucket key on',
    remediate: 'PutBucketEncryption with the CMK ARN and BucketKeyEnabled, re-read and verified',
    quarantine: 'tag, public access block on; data untouched',
    gates: [],
  },
  arn: (ref) => `arn:aws:s3:::${ref.id}`,
};
