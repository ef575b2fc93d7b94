import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { KEY_LOOKUP } from '../grants';

export const emrSecurityConfigurationMeta: RuleMeta = {
  type: 'emr-security-configuration',
  service: 'elasticmapreduce',
  cloudTrail: [
    {
      eventSource: 'elasticmapreduce.amazonaws.com',
      eventNames: ['CreateSecurityConfiguration'],
      // CloudTrail records EMR request fields in camelCase; accept the API's casing too.
      ids: (d) =>
        idList(
          pick(d, 'requestParameters', 'name') ??
            pick(d, 'requestParameters', 'Name') ??
            pick(d, 'responseElements', 'name'),
        ),
    },
  ],
  configTypes: [],
  permissions: {
    read: [
      'elasticmapreduce:DescribeSecurityConfiguration',
      'elasticmapreduce:ListSecurityConfigurations',
      'kms:DescribeKey',
    ],
    remediate: ['elasticmapreduce:CreateSecurityConfiguration'],
    quarantine: [],
  },

  // Security configurations have no ARN of their own; this names it unambiguously for alerts.
  grants: [
    {
      sid: 'EmrSecurityConfigurationRead',
      actions: ['elasticmapreduce:DescribeSecurityConfiguration', 'elasticmapreduce:ListSecurityConfigurations'],
      resources: ['*'],
    },
    // EMR has no resource type for security configurations: creation can only be granted on '*'.
    {
      sid: 'EmrSecurityConfigurationCreate',
      actions: ['elasticmapreduce:CreateSecurityConfiguration'],
      resources: ['*'],
    },
    KEY_LOOKUP,
  ],
  doc: {
    compliant: 'at rest: S3 SSE-KMS/CSE-KMS and local disk with the regional CMK, EBS encryption on; in transit on',
    remediate: 'create a compliant copy beside it (<name>-cmk-<key id>) and verify it',
    quarantine: 'alert only (configurations cannot be changed or tagged)',
    gates: [],
  },
  arn: (ref) => `arn:aws:elasticmapreduce:${ref.region}:${ref.account}:security-configuration/${ref.id}`,
};
