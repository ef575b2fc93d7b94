import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { accountArn, CMK_GRANTS, fromOldKeys, KEY_LOOKUP } from '../grants';

export const redshiftClusterArn = (region: string, account: string, id: string): string =>
  `arn:aws:redshift:${region}:${account}:cluster:${id}`;

export const redshiftClusterMeta: RuleMeta = {
  type: 'redshift-cluster',
  service: 'redshift',
  cloudTrail: [
    {
      // CloudHSM has a CreateCluster too: the event source tells them apart.
      eventSource: 'redshift.amazonaws.com',
      eventNames: ['CreateCluster', 'ModifyCluster', 'RestoreFromClusterSnapshot'],
      ids: (d) =>
        idList(
          pick(d, 'requestParameters', 'newClusterIdentifier') ?? pick(d, 'requestParameters', 'clusterIdentifier'),
        ),
    },
  ],
  configTypes: ['AWS::Redshift::Cluster'],
  permissions: {
    // The CMK's key policy and grants: can the cluster's COPY/UNLOAD roles use it?
    read: [
      'redshift:DescribeClusters',
      'redshift:DescribeSnapshotCopyGrants',
      'kms:DescribeKey',
      'kms:GetKeyPolicy',
      'kms:ListGrants',
    ],
    // Snapshot copy is turned off for the re-key and back on after it, under a grant for the destination's CMK.
    remediate: [
      'redshift:ModifyCluster',
      'kms:CreateGrant',
      'redshift:CreateTags',
      'redshift:DeleteTags',
      'redshift:DisableSnapshotCopy',
      'redshift:EnableSnapshotCopy',
      'redshift:CreateSnapshotCopyGrant',
    ],
    quarantine: ['redshift:CreateTags', 'redshift:ModifyCluster'],
  },

  grants: [
    {
      sid: 'RedshiftClusterRead',
      actions: [
        'redshift:DescribeClusters',
        'redshift:DescribeClusterSnapshots',
        'redshift:DescribeSnapshotCopyGrants',
        'kms:GetKeyPolicy',
        'kms:ListGrants',
      ],
      resources: ['*'],
    },
    {
      sid: 'RedshiftClusterWrite',
      actions: [
        'redshift:ModifyCluster',
        'redshift:CreateTags',
        'redshift:DeleteTags',
        'redshift:DisableSnapshotCopy',
        'redshift:EnableSnapshotCopy',
      ],
      resources: [accountArn('redshift', 'cluster:*')],
    },
    {
      sid: 'RedshiftClusterCopyGrant',
      actions: ['redshift:CreateSnapshotCopyGrant'],
      resources: [accountArn('redshift', 'snapshotcopygrant:*')],
    },
    CMK_GRANTS,
    fromOldKeys('redshift'),
    KEY_LOOKUP,
  ],
  doc: {
    compliant: 'Encrypted with the regional CMK',
    remediate:
      'ModifyCluster Encrypted+KmsKeyId in place (snapshot copy off and back on around it); PENDING until AWS reports the CMK',
    quarantine: 'tag, PubliclyAccessible=false',
    gates: [],
  },
  arn: (ref) => redshiftClusterArn(ref.region, ref.account, ref.id),
};
