import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { KEY_LOOKUP } from '../grants';

/**
 * One per account and region: the EBS encryption-by-default setting and its default key. The setting has no
 * ARN (the service authorization reference lists no resource type for its actions): the region is its id.
 */
export const ebsDefaultMeta: RuleMeta = {
  type: 'ebs-default',
  service: 'ec2',
  cloudTrail: [
    {
      eventSource: 'ec2.amazonaws.com',
      eventNames: ['DisableEbsEncryptionByDefault', 'ModifyEbsDefaultKmsKeyId', 'ResetEbsDefaultKmsKeyId'],
      ids: (d) => idList(pick(d, 'awsRegion')),
    },
  ],
  configTypes: [],
  permissions: {
    read: ['ec2:GetEbsEncryptionByDefault', 'ec2:GetEbsDefaultKmsKeyId', 'kms:DescribeKey'],
    remediate: ['ec2:EnableEbsEncryptionByDefault', 'ec2:ModifyEbsDefaultKmsKeyId'],
    quarantine: [],
  },

  // Account settings of the region: EC2 has no resource type for them, so only '*' (ec2:Region narrows the writes).
  grants: [
    {
      sid: 'EbsDefaultRead',
      actions: ['ec2:GetEbsEncryptionByDefault', 'ec2:GetEbsDefaultKmsKeyId'],
      resources: ['*'],
    },
    {
      sid: 'EbsDefaultWrite',
      actions: ['ec2:EnableEbsEncryptionByDefault', 'ec2:ModifyEbsDefaultKmsKeyId'],
      resources: ['*'],
      condition: { StringEquals: { 'ec2:Region': '${AWS::Region}' } },
    },
    KEY_LOOKUP,
  ],
  doc: {
    compliant: 'EBS encryption by default on, default key the regional CMK (one per region)',
    remediate: 'ModifyEbsDefaultKmsKeyId with the CMK, then EnableEbsEncryptionByDefault; existing volumes unchanged',
    quarantine: 'reported only (an account setting)',
    gates: [],
  },
  arn: (ref) => `arn:aws:ec2:${ref.region}:${ref.account}:ebs-encryption-by-default`,
};
