import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { accountArn, KEY_LOOKUP } from '../grants';

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

  grants: [
    {
      sid: 'EmrClusterRead',
      actions: [
        'elasticmapreduce:DescribeCluster',
        'elasticmapreduce:ListClusters',
        'iam:GetInstanceProfile',
        'kms:GetKeyPolicy',
        'kms:ListGrants',
      ],
      resources: ['*'],
    },
    {
      sid: 'EmrClusterWrite',
      actions: ['elasticmapreduce:AddTags', 'elasticmapreduce:TerminateJobFlows'],
      resources: [accountArn('elasticmapreduce', 'cluster/*')],
    },
    // The compliant copy of a cluster's security configuration: EMR has no resource type for these ('*' only).
    {
      sid: 'EmrClusterSecurityConfiguration',
      actions: ['elasticmapreduce:DescribeSecurityConfiguration', 'elasticmapreduce:CreateSecurityConfiguration'],
      resources: ['*'],
    },
    KEY_LOOKUP,
  ],
  doc: {
    compliant: 'launched with a compliant security configuration; its instance role may use the CMK',
    remediate: 'nothing can change on a running cluster: terminate (gated), else quarantine',
    quarantine: 'tag and alert naming the configuration to relaunch with',
    gates: ['terminateClusters'],
  },
  arn: (ref) => `arn:aws:elasticmapreduce:${ref.region}:${ref.account}:cluster/${ref.id}`,
};
