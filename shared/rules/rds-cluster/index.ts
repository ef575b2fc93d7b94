import { idsFrom, rdsDatabaseRule } from '../rds-database/rule';

/** Aurora DB clusters: storage encrypted with the regional CMK; fixed by restoring with KmsKeyId in the workflow. */
export const rdsClusterRule = rdsDatabaseRule('cluster', {
  type: 'rds-cluster',
  arnPart: 'cluster',
  cloudTrail: [{
    eventSource: 'rds.amazonaws.com',
    eventNames: ['CreateDBCluster', 'RestoreDBClusterFromSnapshot', 'ModifyDBCluster'],
    ids: idsFrom(['dBClusterIdentifier', 'newDBClusterIdentifier']),
  }],
  configTypes: ['AWS::RDS::DBCluster'],
});
