import { rdsDatabaseRule } from '../rds-database/rule';
import { rdsClusterMeta } from './meta';

/** Aurora DB clusters: storage encrypted with the regional CMK; fixed by restoring with KmsKeyId in the workflow. */
export const rdsClusterRule = rdsDatabaseRule('cluster', rdsClusterMeta);
