import { type DBProxyTarget, paginateDescribeDBProxies, paginateDescribeDBProxyTargets } from '@aws-sdk/client-rds';
import { isAwsNotFound, translateAwsError } from '../../aws/errors';
import { itemsOf } from '../../aws/paginate';
import type { RuleContext } from '../../rules/contract';
import { rds } from '../../rules/rds-database/rds-read';

/**
 * Pure: whether a proxy target (DescribeDBProxyTargets) is this database. API_DBProxyTarget.html: `RdsResourceId`
 * is "the instance identifier for an RDS DB instance, or the cluster identifier for an Aurora DB cluster";
 * `TrackedClusterId` is "the DB cluster identifier when the target represents an Aurora DB cluster" (the cluster's
 * member instances are listed with it); `Type` is RDS_INSTANCE, RDS_SERVERLESS_ENDPOINT or TRACKED_CLUSTER.
 */
export const targetsDatabase = (kind: 'instance' | 'cluster', id: string, t: DBProxyTarget): boolean =>
  kind === 'cluster'
    ? (t.Type === 'TRACKED_CLUSTER' && t.RdsResourceId === id) || t.TrackedClusterId === id
    : t.Type !== 'TRACKED_CLUSTER' && !t.TrackedClusterId && t.RdsResourceId === id;

/**
 * The RDS Proxies (names) that have this instance or cluster as a target: DescribeDBProxies, then
 * DescribeDBProxyTargets per proxy, both paginated by Marker (botocore rds paginators-1.json). A proxy deleted between
 * the two calls (DBProxyNotFoundFault, 404) has no targets.
 */
export const proxiesOf = async (kind: 'instance' | 'cluster', id: string, ctx: RuleContext): Promise<string[]> => {
  const client = rds(ctx);
  const names: string[] = [];
  for await (const p of itemsOf(
    paginateDescribeDBProxies({ client }, {}),
    (page) => page.DBProxies,
    'rds:DescribeDBProxies',
  )) {
    if (!p.DBProxyName) continue;
    try {
      for await (const t of paginateDescribeDBProxyTargets({ client }, { DBProxyName: p.DBProxyName }))
        if (t.Targets?.some((x) => targetsDatabase(kind, id, x))) {
          names.push(p.DBProxyName);
          break;
        }
    } catch (e) {
      if (isAwsNotFound(e, 'rds:DescribeDBProxyTargets')) continue;
      throw translateAwsError(e, 'rds:DescribeDBProxyTargets', p.DBProxyName);
    }
  }
  return names;
};
