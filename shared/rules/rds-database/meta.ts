import { pick } from '../../events/normalise';
import type { CloudTrailTrigger, RuleDoc, RuleMeta } from '../contract';
import { accountArn, type IamGrant, KEY_LOOKUP } from '../grants';
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

/** Re-encryption runs in the central stack's state machine (its own account and region): the central roles only. */
const WORKFLOW_GRANTS: readonly IamGrant[] = [
  {
    sid: 'RdsReencryptStart',
    actions: ['states:StartExecution'],
    resources: ['${RdsReencryptStateMachine}'],
    home: true,
  },
  {
    sid: 'RdsReencryptRunning',
    actions: ['states:DescribeExecution'],
    resources: [
      'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${RdsReencryptStateMachine.Name}:*',
    ],
    home: true,
  },
];

const INSTANCE_GRANTS: readonly IamGrant[] = [
  {
    sid: 'RdsInstanceRead',
    actions: ['rds:DescribeDBInstances', 'rds:DescribeDBSnapshots', 'rds:DescribeDBSnapshotAttributes'],
    resources: ['*'],
  },
  {
    sid: 'RdsInstanceQuarantine',
    actions: ['rds:AddTagsToResource', 'rds:ModifyDBInstance'],
    resources: [accountArn('rds', 'db:*')],
  },
  {
    sid: 'RdsInstanceQuarantineSnapshots',
    actions: ['rds:ModifyDBSnapshotAttribute'],
    resources: [accountArn('rds', 'snapshot:*')],
  },
  ...WORKFLOW_GRANTS,
  KEY_LOOKUP,
];

const CLUSTER_GRANTS: readonly IamGrant[] = [
  {
    sid: 'RdsClusterRead',
    actions: [
      'rds:DescribeDBClusters',
      'rds:DescribeDBClusterSnapshots',
      'rds:DescribeDBClusterSnapshotAttributes',
      'rds:DescribeDBInstances',
    ],
    resources: ['*'],
  },
  { sid: 'RdsClusterQuarantine', actions: ['rds:AddTagsToResource'], resources: [accountArn('rds', 'cluster:*')] },
  // The members made not publicly accessible.
  {
    sid: 'RdsClusterQuarantineMembers',
    actions: ['rds:ModifyDBInstance'],
    resources: [accountArn('rds', 'db:*')],
  },
  {
    sid: 'RdsClusterQuarantineSnapshots',
    actions: ['rds:ModifyDBClusterSnapshotAttribute'],
    resources: [accountArn('rds', 'cluster-snapshot:*')],
  },
  ...WORKFLOW_GRANTS,
  KEY_LOOKUP,
];

/** The metadata of an RDS database type (instance or Aurora cluster); `rdsDatabaseRule` adds the implementation. */
export const rdsDatabaseMeta = (
  kind: RdsKind,
  spec: { type: ResourceType; cloudTrail: CloudTrailTrigger[]; configTypes: string[]; arnPart: string; doc: RuleDoc },
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
  grants: kind === 'instance' ? INSTANCE_GRANTS : CLUSTER_GRANTS,
  doc: spec.doc,
  arn: (ref) => `arn:aws:rds:${ref.region}:${ref.account}:${spec.arnPart}:${ref.id}`,
});
