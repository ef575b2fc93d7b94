import { pick } from '../../events/normalise';
import type { CloudTrailTrigger, RuleMeta } from '../contract';
import type { ResourceType } from '../type-ids';
import type { RdsKind } from './evaluate';

/** CloudTrail records carry RDS fields in camelCase (`dBInstanceIdentifier`), in the request and sometimes the
 * response. */
export const idsFrom =
  (fields: readonly string[]) =>
  (d: Record<string, unknown>): string[] => {
    const ids = fields.flatMap((f) => [pick(d, 'requestParameters', f), pick(d, 'responseElements', f)]);
    return [...new Set(ids.filter((x): x is string => !!x))];
  };

/** The metadata of an RDS database type (instance or Aurora cluster); `rdsDatabaseRule` adds the implementation. */
export const rdsDatabaseMeta = (
  kind: RdsKind,
  spec: { type: ResourceType; cloudTrail: CloudTrailTrigger[]; configTypes: string[]; arnPart: string },
): RuleMeta => ({
  type: spec.type,
  service: 'rds',
  cloudTrail: spec.cloudTrail,
  configTypes: spec.configTypes,
  permissions:
    kind === 'instance'
      ? {
          read: ['rds:DescribeDBInstances', 'kms:DescribeKey'],
          remediate: ['states:DescribeExecution', 'states:StartExecution'],
          quarantine: [
            'rds:AddTagsToResource',
            'rds:ModifyDBInstance',
            'rds:DescribeDBSnapshots',
            'rds:DescribeDBSnapshotAttributes',
            'rds:ModifyDBSnapshotAttribute',
          ],
        }
      : {
          read: ['rds:DescribeDBClusters', 'rds:DescribeDBInstances', 'kms:DescribeKey'],
          remediate: ['states:DescribeExecution', 'states:StartExecution'],
          quarantine: [
            'rds:AddTagsToResource',
            'rds:ModifyDBInstance',
            'rds:DescribeDBClusterSnapshots',
            'rds:DescribeDBClusterSnapshotAttributes',
            'rds:ModifyDBClusterSnapshotAttribute',
          ],
        },
  arn: (ref) => `arn:aws:rds:${ref.region}:${ref.account}:${spec.arnPart}:${ref.id}`,
});
