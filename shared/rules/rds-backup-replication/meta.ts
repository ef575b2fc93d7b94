import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { accountArn, CMK_GRANTS, KEY_LOOKUP } from '../grants';

export const rdsBackupReplicationMeta: RuleMeta = {
  type: 'rds-backup-replication',
  service: 'rds',
  cloudTrail: [
    {
      eventSource: 'rds.amazonaws.com',
      // Called in the destination region R: the event arrives in R, naming the source instance by ARN.
      eventNames: ['StartDBInstanceAutomatedBackupsReplication'],
      ids: (d) => idList(pick(d, 'requestParameters', 'sourceDBInstanceArn')),
    },
  ],
  configTypes: [],
  permissions: {
    read: ['rds:DescribeDBInstanceAutomatedBackups', 'kms:DescribeKey'],
    remediate: [
      'rds:StopDBInstanceAutomatedBackupsReplication',
      'rds:StartDBInstanceAutomatedBackupsReplication',
      'kms:CreateGrant',
    ],
    quarantine: [],
  },

  grants: [
    { sid: 'RdsBackupReplicationRead', actions: ['rds:DescribeDBInstanceAutomatedBackups'], resources: ['*'] },
    {
      sid: 'RdsBackupReplicationWrite',
      actions: ['rds:StopDBInstanceAutomatedBackupsReplication', 'rds:StartDBInstanceAutomatedBackupsReplication'],
      resources: [accountArn('rds', 'db:*'), accountArn('rds', 'auto-backup:*')],
    },
    CMK_GRANTS,
    KEY_LOOKUP,
  ],
  doc: {
    compliant: "automated backups replicated into R encrypted with R's CMK",
    remediate: "stop and restart the replication with R's CMK (gated), else alert",
    quarantine: 'alert only',
    gates: ['cutOver'],
  },
  arn: (ref) => ref.id,
};
