import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { accountArn, CMK_GRANTS, KEY_LOOKUP } from '../grants';

export const GRANT_PREFIX = 'grant:';

export const redshiftSnapshotCopyMeta: RuleMeta = {
  type: 'redshift-snapshot-copy',
  service: 'redshift',
  cloudTrail: [
    {
      eventSource: 'redshift.amazonaws.com',
      eventNames: ['EnableSnapshotCopy', 'ModifySnapshotCopyRetentionPeriod'],
      ids: (d) => idList(pick(d, 'requestParameters', 'clusterIdentifier')),
    },
    {
      // Grants live in the destination region: find the clusters (of other regions) that copy here with it.
      eventSource: 'redshift.amazonaws.com',
      eventNames: ['CreateSnapshotCopyGrant', 'DeleteSnapshotCopyGrant'],
      ids: (d) => idList(pick(d, 'requestParameters', 'snapshotCopyGrantName')).map((g) => `${GRANT_PREFIX}${g}`),
    },
  ],
  configTypes: [],
  permissions: {
    read: [
      'redshift:DescribeClusters',
      'redshift:DescribeSnapshotCopyGrants',
      'redshift:DescribeTags',
      'kms:DescribeKey',
    ],
    remediate: [
      'redshift:CreateSnapshotCopyGrant',
      'redshift:CreateTags',
      'redshift:DisableSnapshotCopy',
      'redshift:EnableSnapshotCopy',
      'kms:CreateGrant',
    ],
    quarantine: [],
  },

  grants: [
    {
      sid: 'RedshiftSnapshotCopyRead',
      actions: ['redshift:DescribeClusters', 'redshift:DescribeSnapshotCopyGrants', 'redshift:DescribeTags'],
      resources: ['*'],
    },
    {
      sid: 'RedshiftSnapshotCopyWrite',
      actions: [
        'redshift:CreateSnapshotCopyGrant',
        'redshift:CreateTags',
        'redshift:DisableSnapshotCopy',
        'redshift:EnableSnapshotCopy',
      ],
      resources: [accountArn('redshift', 'cluster:*'), accountArn('redshift', 'snapshotcopygrant:*')],
    },
    // Cross-region copy grants: the destination CMK is granted to the service doing the copy.
    CMK_GRANTS,
    KEY_LOOKUP,
  ],
  doc: {
    compliant: "the cross-region snapshot copy grant in R uses R's CMK",
    remediate: "create a grant on R's CMK, then re-enable snapshot copy with it",
    quarantine: 'alert only',
    gates: [],
  },
  arn: (ref) =>
    ref.id.startsWith(GRANT_PREFIX)
      ? `arn:aws:redshift:${ref.region}:${ref.account}:snapshotcopygrant:${ref.id.slice(GRANT_PREFIX.length)}`
      : `arn:aws:redshift:${ref.region}:${ref.account}:cluster:${ref.id}`,
};
