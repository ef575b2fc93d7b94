import { idList, pick } from '../../events/normalise';
import type { RuleMeta } from '../contract';

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
  arn: (ref) => `arn:aws:redshift:${ref.region}:${ref.account}:snapshot:*/${ref.id}`,
};
