import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { accountArn } from '../grants';

/** Parameter-group events name the group: the reference says so, and the state covers every instance on it. */
export const GROUP_PREFIX = 'pg:';

export const rdsTlsMeta: RuleMeta = {
  type: 'rds-tls',
  service: 'rds',
  cloudTrail: [
    {
      eventSource: 'rds.amazonaws.com',
      eventNames: ['CreateDBInstance', 'ModifyDBInstance'],
      ids: (d) => idList(pick(d, 'requestParameters', 'dBInstanceIdentifier')),
    },
    {
      eventSource: 'rds.amazonaws.com',
      eventNames: ['ModifyDBParameterGroup', 'ResetDBParameterGroup'],
      ids: (d) => idList(pick(d, 'requestParameters', 'dBParameterGroupName')).map((g) => `${GROUP_PREFIX}${g}`),
    },
  ],
  configTypes: [],
  permissions: {
    read: [
      'rds:DescribeDBInstances',
      'rds:DescribeDBParameters',
      'rds:DescribeDBParameterGroups',
      'rds:ListTagsForResource',
    ],
    remediate: ['rds:CreateDBParameterGroup', 'rds:ModifyDBParameterGroup', 'rds:ModifyDBInstance'],
    quarantine: [],
  },

  grants: [
    {
      sid: 'RdsTlsRead',
      actions: [
        'rds:DescribeDBInstances',
        'rds:DescribeDBParameters',
        'rds:DescribeDBParameterGroups',
        'rds:ListTagsForResource',
      ],
      resources: ['*'],
    },
    {
      sid: 'RdsTlsWrite',
      actions: ['rds:CreateDBParameterGroup', 'rds:ModifyDBParameterGroup', 'rds:ModifyDBInstance'],
      resources: [accountArn('rds', 'db:*'), accountArn('rds', 'pg:*')],
    },
  ],
  doc: {
    compliant: 'the DB parameter group forces TLS (rds.force_ssl / require_secure_transport)',
    remediate:
      'default group: attach a cmk-sentinel TLS group; own group: set the parameter; shared group: gated. Effective after a reboot',
    quarantine: 'reported only',
    gates: ['modifySharedParameterGroups'],
  },
  arn: (ref) =>
    ref.id.startsWith(GROUP_PREFIX)
      ? `arn:aws:rds:${ref.region}:${ref.account}:pg:${ref.id.slice(GROUP_PREFIX.length)}`
      : `arn:aws:rds:${ref.region}:${ref.account}:db:${ref.id}`,
};
