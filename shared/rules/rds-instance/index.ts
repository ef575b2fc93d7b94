import { idsFrom, rdsDatabaseRule } from '../rds-database/rule';

/** RDS DB instances (not Aurora members): storage encrypted with the regional CMK; fixed by the re-encryption workflow. */
export const rdsInstanceRule = rdsDatabaseRule('instance', {
  type: 'rds-instance',
  arnPart: 'db',
  cloudTrail: [{
    eventSource: 'rds.amazonaws.com',
    eventNames: ['CreateDBInstance', 'RestoreDBInstanceFromDBSnapshot', 'RestoreDBInstanceToPointInTime', 'ModifyDBInstance'],
    // A rename names the new identifier; a point-in-time restore names the target.
    ids: idsFrom(['dBInstanceIdentifier', 'newDBInstanceIdentifier', 'targetDBInstanceIdentifier']),
  }],
  configTypes: ['AWS::RDS::DBInstance'],
});
