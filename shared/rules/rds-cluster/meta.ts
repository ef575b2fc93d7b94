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
  doc: {
    compliant: 'Aurora StorageEncrypted with the regional CMK',
    remediate:
      'the same workflow: cluster snapshot, restore with KmsKeyId, members recreated, verify; cut-over and deletion gated',
    quarantine: 'tag, members not publicly accessible, remove public snapshot sharing',
    gates: ['cutOver', 'deleteOriginals'],
  },
});
