import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { accountArn } from '../grants';

/** Parameter-group events name the group: the reference says so, and the state covers every cluster on it. */
export const GROUP_PREFIX = 'pg:';

export const redshiftTlsMeta: RuleMeta = {
  type: 'redshift-tls',
  service: 'redshift',
  cloudTrail: [
    {
      eventSource: 'redshift.amazonaws.com',
      eventNames: ['CreateCluster', 'ModifyCluster'],
      ids: (d) =>
        idList(
          pick(d, 'requestParameters', 'newClusterIdentifier') ?? pick(d, 'requestParameters', 'clusterIdentifier'),
        ),
    },
    {
      eventSource: 'redshift.amazonaws.com',
      eventNames: ['ModifyClusterParameterGroup', 'ResetClusterParameterGroup'],
      ids: (d) => idList(pick(d, 'requestParameters', 'parameterGroupName')).map((g) => `${GROUP_PREFIX}${g}`),
    },
  ],
  configTypes: [],
  permissions: {
    read: [
      'redshift:DescribeClusters',
      'redshift:DescribeClusterParameters',
      'redshift:DescribeClusterParameterGroups',
    ],
    remediate: [
      'redshift:CreateClusterParameterGroup',
      'redshift:ModifyClusterParameterGroup',
      'redshift:ModifyCluster',
    ],
    quarantine: [],
  },

  grants: [
    {
      sid: 'RedshiftTlsRead',
      actions: [
        'redshift:DescribeClusters',
        'redshift:DescribeClusterParameters',
        'redshift:DescribeClusterParameterGroups',
      ],
      resources: ['*'],
    },
    {
      sid: 'RedshiftTlsWrite',
      actions: [
        'redshift:CreateClusterParameterGroup',
        'redshift:ModifyClusterParameterGroup',
        'redshift:ModifyCluster',
      ],
      resources: [accountArn('redshift', 'cluster:*'), accountArn('redshift', 'parametergroup:*')],
    },
  ],
  doc: {
    compliant: 'the cluster parameter group has require_ssl=true',
    remediate: 'as rds-tls, with cluster parameter groups',
    quarantine: 'reported only',
    gates: ['modifySharedParameterGroups'],
  },
  arn: (ref) =>
    ref.id.startsWith(GROUP_PREFIX)
      ? `arn:aws:redshift:${ref.region}:${ref.account}:parametergroup:${ref.id.slice(GROUP_PREFIX.length)}`
      : `arn:aws:redshift:${ref.region}:${ref.account}:cluster:${ref.id}`,
};
