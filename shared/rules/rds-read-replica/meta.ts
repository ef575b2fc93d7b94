import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { accountArn, CMK_GRANTS, KEY_LOOKUP } from '../grants';

export const rdsReadReplicaMeta: RuleMeta = {
  type: 'rds-read-replica',
  service: 'rds',
  cloudTrail: [
    {
      eventSource: 'rds.amazonaws.com',
      // The call is made in the replica's region R, so the event arrives in R with the replica's id.
      eventNames: ['CreateDBInstanceReadReplica'],
      ids: (d) => idList(pick(d, 'requestParameters', 'dBInstanceIdentifier')),
    },
  ],
  configTypes: [],
  permissions: {
    read: ['rds:DescribeDBInstances', 'kms:DescribeKey'],
    remediate: ['rds:CreateDBInstanceReadReplica', 'rds:AddTagsToResource', 'rds:DeleteDBInstance', 'kms:CreateGrant'],
    quarantine: ['rds:AddTagsToResource'],
  },

  grants: [
    { sid: 'RdsReadReplicaRead', actions: ['rds:DescribeDBInstances'], resources: ['*'] },
    {
      sid: 'RdsReadReplicaWrite',
      actions: ['rds:CreateDBInstanceReadReplica', 'rds:AddTagsToResource', 'rds:DeleteDBInstance'],
      resources: [
        accountArn('rds', 'db:*'),
        accountArn('rds', 'og:*'),
        accountArn('rds', 'pg:*'),
        accountArn('rds', 'subgrp:*'),
      ],
    },
    CMK_GRANTS,
    KEY_LOOKUP,
  ],
  doc: {
    compliant: "a cross-region read replica in R encrypted with R's CMK",
    remediate: "create a replacement replica <id>-cmk with R's CMK; delete the original after verification (gated)",
    quarantine: 'tag',
    gates: ['cutOver'],
  },
  arn: (ref) => `arn:aws:rds:${ref.region}:${ref.account}:db:${ref.id}`,
};
