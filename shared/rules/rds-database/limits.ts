import type { ActionLimits } from '../contract';
import type { RdsDatabaseState } from './evaluate';

/**
 * DescribeDBClusters also returns Multi-AZ DB clusters (an RDS for MySQL/PostgreSQL deployment with two readable
 * standbys, engine `mysql`/`postgres`, DBClusterInstanceClass set): not Aurora (API_DescribeDBClusters.html).
 */
export const isMultiAzDbCluster = (s: RdsDatabaseState): boolean =>
  s.kind === 'cluster' && !!s.config.engine && /^(mysql|postgres)$/.test(s.config.engine);

const SOURCES = {
  global: 'https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-bluegreen.html',
  multiAz: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/blue-green-deployments-considerations.html',
  multiAzLimits:
    'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts.Limitations.html',
};

/**
 * Pure: databases the re-encryption workflow must not act on; the pipeline then quarantines or reports with this
 * reason (never a failed workflow).
 */
export const rdsDatabaseLimits = (s: RdsDatabaseState): ActionLimits => {
  if (s.kind !== 'cluster') return {};
  if (s.config.globalCluster)
    return {
      remediate:
        `${s.id} is a member of global database ${s.config.globalCluster}: a restored copy would stand outside it ` +
        'and its secondary clusters replicate from it, so it is not re-encrypted on its own; re-encrypt the global ' +
        `database as a whole (Blue/Green for Aurora Global Database, ${SOURCES.global}), with each Region's CMK`,
    };
  if (isMultiAzDbCluster(s))
    return {
      remediate:
        `${s.id} is a Multi-AZ DB cluster (${s.config.engine}, ${s.config.clusterInstanceClass ?? 'class unknown'}): ` +
        `Blue/Green does not support Multi-AZ DB cluster deployments (${SOURCES.multiAz}), AWS neither encrypts an ` +
        `unencrypted Multi-AZ DB cluster nor copies its snapshots (${SOURCES.multiAzLimits}), and the workflow ` +
        'restores Aurora clusters only: create a Multi-AZ DB cluster encrypted with the CMK, move the data and the ' +
        'clients to it',
    };
  return {};
};
