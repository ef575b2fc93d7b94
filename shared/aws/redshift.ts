import {
  type Cluster,
  DescribeClustersCommand,
  paginateDescribeClusters,
  RedshiftClient,
} from '@aws-sdk/client-redshift';
import type { AwsScope, ClientFactory } from './clients';
import { isAwsNotFound, translateAwsError } from './errors';
import { itemsOf } from './paginate';

/** One Redshift cluster, or undefined when it does not exist (any more). Shared by every Redshift rule. */
export const describeRedshiftCluster = async (
  clients: ClientFactory,
  scope: AwsScope,
  id: string,
): Promise<Cluster | undefined> => {
  try {
    return (await clients.get(RedshiftClient, scope).send(new DescribeClustersCommand({ ClusterIdentifier: id })))
      .Clusters?.[0];
  } catch (e) {
    if (isAwsNotFound(e, 'redshift:DescribeClusters')) return undefined;
    throw translateAwsError(e, 'redshift:DescribeClusters', id);
  }
};

/** Every cluster in the scope's account and region, streamed. */
export const allRedshiftClusters = (clients: ClientFactory, scope: AwsScope): AsyncIterable<Cluster> =>
  itemsOf(
    paginateDescribeClusters({ client: clients.get(RedshiftClient, scope) }, {}),
    (p) => p.Clusters,
    'redshift:DescribeClusters',
  );
