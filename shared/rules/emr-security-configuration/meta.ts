import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';

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
  arn: (ref) => `arn:aws:elasticmapreduce:${ref.region}:${ref.account}:security-configuration/${ref.id}`,
};
