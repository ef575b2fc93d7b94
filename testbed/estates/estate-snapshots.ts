import {
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  CreateClusterCommand,
  CreateClusterSnapshotCommand,
  EnableSnapshotCopyCommand,
  RedshiftClient,
} from '@aws-sdk/client-redshift';
import type { ClientFactory } from '../../shared/aws/clients';

/** Estate helpers for database snapshots and Redshift, shared by tests and the demo (emulator only). */

export interface DbEncryption {
  encrypted?: boolean;
  kmsKeyId?: string;
}

const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

export const createDbInstance = async (
  clients: ClientFactory,
  region: string,
  id: string,
  enc: DbEncryption = {},
): Promise<void> => {
  await clients.get(RDSClient, { region }).send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: 'postgres',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'app',
      MasterUserPassword: 'not-a-secret-1',
      StorageEncrypted: enc.encrypted ?? !!enc.kmsKeyId,
      ...(enc.kmsKeyId ? { KmsKeyId: enc.kmsKeyId } : {}),
    }),
  );
};

export const createDbSnapshot = async (
  clients: ClientFactory,
  region: string,
  instanceId: string,
  id: string,
  tags: Record<string, string> = {},
): Promise<void> => {
  await clients
    .get(RDSClient, { region })
    .send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: instanceId, DBSnapshotIdentifier: id, Tags: tagList(tags) }),
    );
};

export const createDbCluster = async (
  clients: ClientFactory,
  region: string,
  id: string,
  enc: DbEncryption = {},
): Promise<void> => {
  await clients.get(RDSClient, { region }).send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: id,
      Engine: 'aurora-postgresql',
      MasterUsername: 'app',
      MasterUserPassword: 'not-a-secret-1',
      StorageEncrypted: enc.encrypted ?? !!enc.kmsKeyId,
      ...(enc.kmsKeyId ? { KmsKeyId: enc.kmsKeyId } : {}),
    }),
  );
};

export const createDbClusterSnapshot = async (
  clients: ClientFactory,
  region: string,
  clusterId: string,
  id: string,
  tags: Record<string, string> = {},
): Promise<void> => {
  await clients.get(RDSClient, { region }).send(
    new CreateDBClusterSnapshotCommand({
      DBClusterIdentifier: clusterId,
      DBClusterSnapshotIdentifier: id,
      Tags: tagList(tags),
    }),
  );
};

/** Add values (account ids, or `all` for public) to a snapshot's `restore` attribute. */
export const shareSnapshot = async (
  clients: ClientFactory,
  region: string,
  kind: 'instance' | 'cluster',
  id: string,
  values: string[],
): Promise<void> => {
  const rds = clients.get(RDSClient, { region });
  if (kind === 'instance')
    await rds.send(
      new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: id, AttributeName: 'restore', ValuesToAdd: values }),
    );
  else
    await rds.send(
      new ModifyDBClusterSnapshotAttributeCommand({
        DBClusterSnapshotIdentifier: id,
        AttributeName: 'restore',
        ValuesToAdd: values,
      }),
    );
};

export const createRedshiftCluster = async (
  clients: ClientFactory,
  region: string,
  id: string,
  opts: DbEncryption & { publiclyAccessible?: boolean; tags?: Record<string, string> } = {},
): Promise<void> => {
  await clients.get(RedshiftClient, { region }).send(
    new CreateClusterCommand({
      ClusterIdentifier: id,
      NodeType: 'ra3.xlplus',
      ClusterType: 'single-node',
      MasterUsername: 'admin',
      MasterUserPassword: 'NotASecret1',
      Encrypted: opts.encrypted ?? !!opts.kmsKeyId,
      ...(opts.kmsKeyId ? { KmsKeyId: opts.kmsKeyId } : {}),
      PubliclyAccessible: opts.publiclyAccessible ?? false,
      Tags: tagList(opts.tags ?? {}),
    }),
  );
};

export const enableRedshiftSnapshotCopy = async (
  clients: ClientFactory,
  region: string,
  id: string,
  destinationRegion: string,
  retentionPeriod?: number,
): Promise<void> => {
  await clients.get(RedshiftClient, { region }).send(
    new EnableSnapshotCopyCommand({
      ClusterIdentifier: id,
      DestinationRegion: destinationRegion,
      RetentionPeriod: retentionPeriod,
    }),
  );
};

export const createRedshiftSnapshot = async (
  clients: ClientFactory,
  region: string,
  clusterId: string,
  id: string,
): Promise<void> => {
  await clients
    .get(RedshiftClient, { region })
    .send(new CreateClusterSnapshotCommand({ ClusterIdentifier: clusterId, SnapshotIdentifier: id }));
};

// One CloudTrail event builder for every estate (testbed/estates/estate.ts).
export { rdsEvent, redshiftEvent } from './estate';
