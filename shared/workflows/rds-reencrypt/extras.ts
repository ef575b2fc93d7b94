import {
  AddRoleToDBClusterCommand,
  AddRoleToDBInstanceCommand,
  CreateDBClusterEndpointCommand,
  DescribeDBClusterEndpointsCommand,
} from '@aws-sdk/client-rds';
import { translateAwsError } from '../../aws/errors';
import type { RuleContext } from '../../rules/contract';
import type { RdsConfig, RdsKind } from '../../rules/rds-database/evaluate';
import { rds } from '../../rules/rds-database/rds-read';
import { type EndpointSpec, missingRoles } from './carry';
import { derivedId, memberTargetId } from './names';

/** Effects the restore fallback needs beside the restore itself: IAM role associations and custom endpoints. */

const send = async <T>(action: string, resource: string, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (e) {
    throw translateAwsError(e, action, resource);
  }
};

/** AddRoleToDBInstance / AddRoleToDBCluster for each role of the original the copy lacks; the roles added. */
export const addMissingRoles = async (
  kind: RdsKind,
  targetId: string,
  source: RdsConfig,
  target: RdsConfig,
  ctx: RuleContext,
): Promise<string[]> => {
  const added: string[] = [];
  for (const r of missingRoles(source, target)) {
    if (kind === 'cluster')
      await send('rds:AddRoleToDBCluster', targetId, () =>
        rds(ctx).send(
          new AddRoleToDBClusterCommand({
            DBClusterIdentifier: targetId,
            RoleArn: r.roleArn,
            FeatureName: r.featureName,
          }),
        ),
      );
    else if (r.featureName)
      await send('rds:AddRoleToDBInstance', targetId, () =>
        rds(ctx).send(
          new AddRoleToDBInstanceCommand({
            DBInstanceIdentifier: targetId,
            RoleArn: r.roleArn,
            FeatureName: r.featureName,
          }),
        ),
      );
    // AddRoleToDBInstance requires FeatureName: a role without one cannot be re-added (verify reports it).
    else continue;
    added.push(r.roleArn);
  }
  return added;
};

/** The cluster's custom endpoints (EndpointType CUSTOM): the writer and reader endpoints come with any cluster. */
export const customEndpoints = async (clusterId: string, ctx: RuleContext): Promise<EndpointSpec[]> => {
  const out = await send('rds:DescribeDBClusterEndpoints', clusterId, () =>
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
    await send('rds:CreateDBClusterEndpoint', copy, () =>
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
