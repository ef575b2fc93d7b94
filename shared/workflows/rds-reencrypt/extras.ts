import { CreateDBClusterEndpointCommand, DescribeDBClusterEndpointsCommand } from '@aws-sdk/client-rds';
import { awsCall } from '../../aws/errors';
import type { RuleContext } from '../../rules/contract';
import { rds } from '../../rules/rds-database/rds-read';
import type { EndpointSpec } from './carry';
import { derivedId, memberTargetId } from './names';

/** Effects the restore fallback needs beside the restore itself: custom endpoints (role associations: DatabasePort). */

/** The cluster's custom endpoints (EndpointType CUSTOM): the writer and reader endpoints come with any cluster. */
export const customEndpoints = async (clusterId: string, ctx: RuleContext): Promise<EndpointSpec[]> => {
  const out = await awsCall('rds:DescribeDBClusterEndpoints', clusterId, () =>
    rds(ctx).send(new DescribeDBClusterEndpointsCommand({ DBClusterIdentifier: clusterId })),
  );
  return (out.DBClusterEndpoints ?? [])
    .filter((e) => e.EndpointType === 'CUSTOM' && e.DBClusterEndpointIdentifier)
    .map((e) => ({
      id: e.DBClusterEndpointIdentifier as string,
      type: e.CustomEndpointType ?? 'ANY',
      staticMembers: e.StaticMembers ?? [],
      excludedMembers: e.ExcludedMembers ?? [],
    }));
};

/** Endpoint identifiers are unique per Region and account: the copy's carries a suffix. */
export const endpointCopyId = (id: string): string => derivedId(id, '-cmk');

/** Re-create the original's custom endpoints on the copy, members mapped to the copy's members; those created. */
export const createMissingEndpoints = async (
  sourceId: string,
  targetId: string,
  ctx: RuleContext,
): Promise<{ original: EndpointSpec; copy: string }[]> => {
  const [originals, existing] = await Promise.all([customEndpoints(sourceId, ctx), customEndpoints(targetId, ctx)]);
  const have = new Set(existing.map((e) => e.id));
  const pairs = originals.map((original) => ({ original, copy: endpointCopyId(original.id) }));
  for (const { original, copy } of pairs) {
    if (have.has(copy)) continue;
    await awsCall('rds:CreateDBClusterEndpoint', copy, () =>
      rds(ctx).send(
        new CreateDBClusterEndpointCommand({
          DBClusterIdentifier: targetId,
          DBClusterEndpointIdentifier: copy,
          EndpointType: original.type,
          StaticMembers: original.staticMembers.length ? original.staticMembers.map(memberTargetId) : undefined,
          ExcludedMembers: original.excludedMembers.length ? original.excludedMembers.map(memberTargetId) : undefined,
        }),
      ),
    );
  }
  return pairs;
};
