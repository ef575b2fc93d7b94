import { idsFrom, rdsDatabaseMeta } from '../rds-database/meta';

export const rdsInstanceMeta = rdsDatabaseMeta('instance', {
  type: 'rds-instance',
  arnPart: 'db',
  cloudTrail: [
    {
      eventSource: 'rds.amazonaws.com',
      eventNames: [
        'CreateDBInstance',
        'RestoreDBInstanceFromDBSnapshot',
        'RestoreDBInstanceToPointInTime',
        'ModifyDBInstance',
      ],
      // A rename names the new identifier; a point-in-time restore names the target.
      ids: idsFrom(['dBInstanceIdentifier', 'newDBInstanceIdentifier', 'targetDBInstanceIdentifier']),
    },
  ],
  configTypes: ['AWS::RDS::DBInstance'],
  doc: {
    compliant: 'StorageEncrypted with the regional CMK (replicas and Aurora members follow their source)',
    remediate:
      'the rds-reencrypt workflow: snapshot, copy with the CMK, restore <id>-cmk, verify; cut-over and deletion gated',
    quarantine: 'tag, not publicly accessible, remove public snapshot sharing',
    gates: ['cutOver', 'deleteOriginals'],
  },
});
