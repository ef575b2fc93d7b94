import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  type ReplicationRule,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateClusterCommand,
  CreateSnapshotCopyGrantCommand,
  EnableSnapshotCopyCommand,
  RedshiftClient,
} from '@aws-sdk/client-redshift';
import { CreateDBInstanceCommand, CreateDBInstanceReadReplicaCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateRoleCommand, DeleteRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import type { ClientFactory } from '../../shared/aws/clients';

/** Estate helpers for the cross-region rules (replication, replicas, snapshot copy), shared by tests and the demo. */

export const REPLICATION_ROLE = 'arn:aws:iam::123456789012:role/s3-replication';

/** Allows the replication role to use every KMS key: what a role set up for replication of encrypted objects has. */
export const REPLICATION_KEY_USE = [{ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt'], Resource: '*' }];

/**
 * The replication role with `statements` as its one inline policy (created on first call, the policy replaced
 * after). iam:SimulatePrincipalPolicy, which the s3-replication rule asks before a rewrite, evaluates it.
 */
export const putReplicationRole = async (
  clients: ClientFactory,
  statements: object[] = REPLICATION_KEY_USE,
): Promise<void> => {
  const iam = clients.get(IAMClient, { region: 'us-east-1' });
  const name = REPLICATION_ROLE.split('/').pop() as string;
  const trust = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
  await iam
    .send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }))
    .catch((e: Error) => {
      if (e.name !== 'EntityAlreadyExistsException' && e.name !== 'EntityAlreadyExists') throw e;
    });
  await iam
    .send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: 'replication-keys' }))
    .catch(() => undefined);
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: name,
      PolicyName: 'replication-keys',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    }),
  );
};

export const createVersionedBucket = async (clients: ClientFactory, region: string, name: string): Promise<void> => {
  const s3 = clients.get(S3Client, { region });
  await s3.send(
    new CreateBucketCommand({
      Bucket: name,
      ...(region === 'us-east-1'
        ? {}
        : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
    }),
  );
  await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
};

/** A V2 replication rule to `dest` with the replica key given (or none). */
export const replicationRule = (
  id: string,
  priority: number,
  dest: string,
  replicaKey?: string,
  extra: Partial<ReplicationRule> = {},
): ReplicationRule => ({
  ID: id,
  Priority: priority,
  Status: 'Enabled',
  Filter: { Prefix: `${id}/` },
  DeleteMarkerReplication: { Status: 'Disabled' },
  SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
  Destination: {
    Bucket: `arn:aws:s3:::${dest}`,
    ...(replicaKey ? { EncryptionConfiguration: { ReplicaKmsKeyID: replicaKey } } : {}),
  },
  ...extra,
});

export const putReplication = async (
  clients: ClientFactory,
  region: string,
  bucket: string,
  rules: ReplicationRule[],
): Promise<void> => {
  await clients.get(S3Client, { region }).send(
    new PutBucketReplicationCommand({
      Bucket: bucket,
      ReplicationConfiguration: { Role: REPLICATION_ROLE, Rules: rules },
    }),
  );
};

/** An encrypted Redshift cluster in `region` copying its snapshots to `dest` with a grant on `grantKey` (created here).
 * */
export const createCopyingCluster = async (
  clients: ClientFactory,
  region: string,
  cluster: string,
  clusterKey: string,
  dest: string,
  grantName: string,
  grantKey: string | undefined,
  retention = 7,
): Promise<void> => {
  const rs = clients.get(RedshiftClient, { region });
  await rs.send(
    new CreateClusterCommand({
      ClusterIdentifier: cluster,
      NodeType: 'dc2.large',
      MasterUsername: 'admin',
      MasterUserPassword: 'Passw0rd-demo',
      Encrypted: true,
      KmsKeyId: clusterKey,
    }),
  );
  if (grantKey)
    await clients
      .get(RedshiftClient, { region: dest })
      .send(new CreateSnapshotCopyGrantCommand({ SnapshotCopyGrantName: grantName, KmsKeyId: grantKey }));
  await rs.send(
    new EnableSnapshotCopyCommand({
      ClusterIdentifier: cluster,
      DestinationRegion: dest,
      SnapshotCopyGrantName: grantName,
      RetentionPeriod: retention,
    }),
  );
};

/** A source instance in `region`, encrypted with `key`; returns its ARN. */
export const createSourceInstance = async (
  clients: ClientFactory,
  region: string,
  id: string,
  key: string,
): Promise<string> => {
  const rds = clients.get(RDSClient, { region });
  const out = await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: 'postgres',
      DBInstanceClass: 'db.t3.micro',
      MasterUsername: 'admin',
      MasterUserPassword: 'Passw0rd-demo',
      AllocatedStorage: 20,
      StorageEncrypted: true,
      KmsKeyId: key,
    }),
  );
  return out.DBInstance?.DBInstanceArn as string;
};

/** A read replica in `region` of `sourceArn` (another region), encrypted with `key` as given. */
export const createCrossRegionReplica = async (
  clients: ClientFactory,
  region: string,
  id: string,
  sourceArn: string,
  key: string,
  tags: Record<string, string> = {},
): Promise<void> => {
  await clients.get(RDSClient, { region }).send(
    new CreateDBInstanceReadReplicaCommand({
      DBInstanceIdentifier: id,
      SourceDBInstanceIdentifier: sourceArn,
      KmsKeyId: key,
      DBInstanceClass: 'db.t3.micro',
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
};

// One CloudTrail event builder for every estate (testbed/estates/estate.ts).
export { rdsEvent, redshiftEvent } from './estate';
