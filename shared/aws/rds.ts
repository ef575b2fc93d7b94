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
