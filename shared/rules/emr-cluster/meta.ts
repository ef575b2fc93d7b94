import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';

export const emrClusterMeta: RuleMeta = {
  type: 'emr-cluster',
  service: 'elasticmapreduce',
  cloudTrail: [
    {
      eventSource: 'elasticmapreduce.amazonaws.com',
      eventNames: ['RunJobFlow'],
      // Real records mix casings (`ReleaseLabel` beside `instances`); the id is in the response.
      ids: (d) => idList(pick(d, 'responseElements', 'jobFlowId') ?? pick(d, 'responseElements', 'JobFlowId')),
    },
  ],
  stateChange: [
    {
      source: 'aws.emr',
      detailType: 'EMR Cluster State Change',
      states: ['STARTING'],
      ids: (d) => idList(pick(d, 'clusterId')),
    },
  ],
  configTypes: [],
  permissions: {
    read: [
      'elasticmapreduce:DescribeCluster',
      'elasticmapreduce:ListClusters',
      'elasticmapreduce:DescribeSecurityConfiguration',
      'iam:GetInstanceProfile',
      'kms:GetKeyPolicy',
      'kms:ListGrants',
      'kms:DescribeKey',
    ],
    remediate: [
      'elasticmapreduce:TerminateJobFlows',
      'elasticmapreduce:AddTags',
      'elasticmapreduce:CreateSecurityConfiguration',
    ],
    quarantine: ['elasticmapreduce:AddTags', 'elasticmapreduce:CreateSecurityConfiguration'],
  },

  arn: (ref) => `arn:aws:elasticmapreduce:${ref.region}:${ref.account}:cluster/${ref.id}`,
};
