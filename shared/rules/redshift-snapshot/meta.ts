import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';
import { accountArn, KEY_LOOKUP } from '../grants';

export const redshiftSnapshotMeta: RuleMeta = {
  type: 'redshift-snapshot',
  service: 'redshift',
  cloudTrail: [
    {
      eventSource: 'redshift.amazonaws.com',
      eventNames: ['CreateClusterSnapshot', 'CopyClusterSnapshot', 'AuthorizeSnapshotAccess'],
      ids: (d) => {
        const arn = pick(d, 'requestParameters', 'snapshotArn');
        const fromArn = arn ? /:snapshot:[^/]+\/(.+)$/.exec(arn)?.[1] : undefined;
        return idList(
          pick(d, 'requestParameters', 'targetSnapshotIdentifier') ??
            pick(d, 'requestParameters', 'snapshotIdentifier') ??
            fromArn,
        );
      },
    },
  ],
  configTypes: ['AWS::Redshift::ClusterSnapshot'],
  permissions: {
    read: ['redshift:DescribeClusterSnapshots', 'redshift:DescribeClusters', 'kms:DescribeKey'],
    remediate: [],
    quarantine: ['redshift:RevokeSnapshotAccess', 'redshift:CreateTags'],
  },

  // The ref carries no cluster id (Redshift snapshot ids are unique per region): `*` stands for it.
  grants: [
    {
      sid: 'RedshiftSnapshotRead',
      actions: ['redshift:DescribeClusterSnapshots', 'redshift:DescribeClusters'],
      resources: ['*'],
    },
    {
      sid: 'RedshiftSnapshotWrite',
      actions: ['redshift:RevokeSnapshotAccess', 'redshift:CreateTags'],
      resources: [accountArn('redshift', 'snapshot:*/*')],
    },
    KEY_LOOKUP,
  ],
  doc: {
    compliant: 'manual snapshot encrypted with the regional CMK',
    remediate: 'no re-key API: quarantined instead',
    quarantine: 'RevokeSnapshotAccess for every account, tag',
    gates: [],
  },
  arn: (ref) => `arn:aws:redshift:${ref.region}:${ref.account}:snapshot:*/${ref.id}`,
};
