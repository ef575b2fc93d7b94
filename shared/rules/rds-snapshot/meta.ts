import { pick } from '../../events/normalise';
import type { CloudTrailTrigger, RuleDoc, RuleMeta } from '../contract';
import { accountArn, CMK_GRANTS, fromOldKeys, type IamGrant, KEY_LOOKUP } from '../grants';

/**
 * Snapshot ids from a CloudTrail record (camelCase, `dBSnapshotIdentifier`). A same-region copy's
 * source is evaluated too; a source in another region (an ARN) belongs to that region's stack.
 */
const idsFrom = (detail: Record<string, unknown>, fields: readonly string[]): string[] => {
  const region = pick(detail, 'awsRegion');
  const out: string[] = [];
  for (const f of fields) {
    const v =
      pick(detail, 'requestParameters', f) ?? pick(detail, 'requestParameters', f.charAt(0).toUpperCase() + f.slice(1));
    if (!v) continue;
    const arn = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):\d{12}:(?:cluster-)?snapshot:(.+)$/.exec(v);
    if (!arn) out.push(v);
    else if (arn[1] === region) out.push(arn[2] as string);
  }
  return out;
};

const trigger = (eventNames: readonly string[], fields: readonly string[]): CloudTrailTrigger => ({
  eventSource: 'rds.amazonaws.com',
  eventNames,
  ids: (d) => idsFrom(d, fields),
});

/** Both snapshot types, one statement each way (a copy names both kinds of ARN in one role). */
const SNAPSHOT_GRANTS: readonly IamGrant[] = [
  {
    sid: 'RdsSnapshotRead',
    actions: [
      'rds:DescribeDBSnapshots',
      'rds:DescribeDBSnapshotAttributes',
      'rds:DescribeDBClusterSnapshots',
      'rds:DescribeDBClusterSnapshotAttributes',
    ],
    resources: ['*'],
  },
  {
    sid: 'RdsSnapshotWrite',
    actions: [
      'rds:CopyDBSnapshot',
      'rds:ModifyDBSnapshotAttribute',
      'rds:DeleteDBSnapshot',
      'rds:CopyDBClusterSnapshot',
      'rds:ModifyDBClusterSnapshotAttribute',
      'rds:DeleteDBClusterSnapshot',
      'rds:AddTagsToResource',
    ],
    resources: [accountArn('rds', 'snapshot:*'), accountArn('rds', 'cluster-snapshot:*')],
  },
  CMK_GRANTS,
  fromOldKeys('rds'),
  KEY_LOOKUP,
];

/** `resource` is the snapshot's ARN resource type (the SnapshotApi's `resource`). */
const snapshotMeta = (
  type: 'rds-snapshot' | 'rds-cluster-snapshot',
  resource: 'snapshot' | 'cluster-snapshot',
  cloudTrail: CloudTrailTrigger[],
  configTypes: string[],
  perms: RuleMeta['permissions'],
  doc: RuleDoc,
): RuleMeta => ({
  type,
  service: 'rds',
  cloudTrail,
  configTypes,
  permissions: perms,
  grants: SNAPSHOT_GRANTS,
  doc,

  arn: (ref) => `arn:aws:rds:${ref.region}:${ref.account}:${resource}:${ref.id}`,
});

export const rdsSnapshotMeta = snapshotMeta(
  'rds-snapshot',
  'snapshot',
  [
    trigger(['CreateDBSnapshot', 'ModifyDBSnapshotAttribute'], ['dBSnapshotIdentifier']),
    trigger(['CopyDBSnapshot'], ['targetDBSnapshotIdentifier', 'sourceDBSnapshotIdentifier']),
  ],
  ['AWS::RDS::DBSnapshot'],
  {
    read: ['rds:DescribeDBSnapshots', 'rds:DescribeDBSnapshotAttributes', 'kms:DescribeKey'],
    remediate: [
      'rds:CopyDBSnapshot',
      'rds:ModifyDBSnapshotAttribute',
      'rds:AddTagsToResource',
      'rds:DeleteDBSnapshot',
      'kms:CreateGrant',
    ],
    quarantine: ['rds:ModifyDBSnapshotAttribute', 'rds:AddTagsToResource'],
  },
  {
    compliant: 'manual DB snapshot encrypted with the regional CMK, not public',
    remediate: 'remove public sharing; CopyDBSnapshot with the CMK to <id>-cmk, verify; delete the original (gated)',
    quarantine: 'remove every restore share, tag',
    gates: ['deleteOriginals'],
  },
);

export const rdsClusterSnapshotMeta = snapshotMeta(
  'rds-cluster-snapshot',
  'cluster-snapshot',
  [
    trigger(['CreateDBClusterSnapshot', 'ModifyDBClusterSnapshotAttribute'], ['dBClusterSnapshotIdentifier']),
    trigger(['CopyDBClusterSnapshot'], ['targetDBClusterSnapshotIdentifier', 'sourceDBClusterSnapshotIdentifier']),
  ],
  ['AWS::RDS::DBClusterSnapshot'],
  {
    read: ['rds:DescribeDBClusterSnapshots', 'rds:DescribeDBClusterSnapshotAttributes', 'kms:DescribeKey'],
    remediate: [
      'rds:CopyDBClusterSnapshot',
      'rds:ModifyDBClusterSnapshotAttribute',
      'rds:AddTagsToResource',
      'rds:DeleteDBClusterSnapshot',
      'kms:CreateGrant',
    ],
    quarantine: ['rds:ModifyDBClusterSnapshotAttribute', 'rds:AddTagsToResource'],
  },
  {
    compliant: 'Aurora cluster snapshot encrypted with the regional CMK, not public',
    remediate:
      'CopyDBClusterSnapshot with the CMK, verify; an unencrypted one is quarantined (a copy cannot add encryption)',
    quarantine: 'remove every restore share, tag',
    gates: ['deleteOriginals'],
  },
);
