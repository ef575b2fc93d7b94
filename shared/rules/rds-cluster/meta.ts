import { idsFrom, rdsDatabaseMeta } from '../rds-database/meta';

export const rdsClusterMeta = rdsDatabaseMeta('cluster', {
  type: 'rds-cluster',
  arnPart: 'cluster',
  cloudTrail: [
    {
      eventSource: 'rds.amazonaws.com',
      eventNames: ['CreateDBCluster', 'RestoreDBClusterFromSnapshot', 'ModifyDBCluster'],
      ids: idsFrom(['dBClusterIdentifier', 'newDBClusterIdentifier']),
    },
  ],
  configTypes: ['AWS::RDS::DBCluster'],
});
