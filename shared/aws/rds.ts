import { type DBInstance, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import type { AwsScope, ClientFactory } from './clients';
import { isAwsNotFound, translateAwsError } from './errors';

/** One DB instance by identifier, or undefined when it does not exist (any more). */
export const describeDbInstance = async (
  clients: ClientFactory,
  scope: AwsScope,
  id: string,
): Promise<DBInstance | undefined> => {
  try {
    return (await clients.get(RDSClient, scope).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })))
      .DBInstances?.[0];
  } catch (e) {
    if (isAwsNotFound(e, 'rds:DescribeDBInstances')) return undefined;
    throw translateAwsError(e, 'rds:DescribeDBInstances', id);
  }
};

/**
 * What the owner queued for the maintenance window (PendingModifiedValues), by field name. A modification sent
 * with ApplyImmediately would apply these too ("the modifications in this request and any pending modifications",
 * ModifyDBInstance API reference): we never send it, and say what stays queued.
 */
export const pendingModifications = (db: DBInstance): string[] =>
  Object.entries(db.PendingModifiedValues ?? {})
    .filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0))
    .map(([k]) => k);

/** "You can have up to 50 tags on an Amazon RDS resource" (User Guide, Tagging Amazon RDS resources). */
export const RDS_TAG_LIMIT = 50;

/**
 * Tags for a resource the service creates: its own tags (how it recognizes its artefacts: never dropped) and as many
 * of the user's as fit under the limit, `aws:` ones left out (reserved: RDS refuses them). Dropped user tags are the
 * last in key order, so a re-run drops the same ones; they are named so the alert can say so.
 */
export const fitTags = (
  user: Record<string, string>,
  own: Record<string, string>,
  limit = RDS_TAG_LIMIT,
): { tags: { Key: string; Value: string }[]; dropped: string[] } => {
  const ownKeys = Object.keys(own);
  const userKeys = Object.keys(user)
    .filter((k) => !k.startsWith('aws:') && !(k in own))
    .sort();
  const room = Math.max(0, limit - ownKeys.length);
  const kept = userKeys.slice(0, room);
  return {
    tags: [
      ...kept.map((Key) => ({ Key, Value: user[Key] as string })),
      ...ownKeys.map((Key) => ({ Key, Value: own[Key] as string })),
    ],
    dropped: userKeys.slice(room),
  };
};
