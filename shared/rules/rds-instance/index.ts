import { rdsDatabaseRule } from '../rds-database/rule';
import { rdsInstanceMeta } from './meta';

/** RDS DB instances (not Aurora members): storage encrypted with the regional CMK; fixed by the re-encryption workflow.
 * */
export const rdsInstanceRule = rdsDatabaseRule('instance', rdsInstanceMeta);
