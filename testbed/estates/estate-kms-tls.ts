import { CreateDBInstanceCommand, CreateDBParameterGroupCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateClusterCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import type { ClientFactory } from '../../shared/aws/clients';
import { cloudTrailEvent } from './estate';

/** Estate helpers for the key guard and the TLS rules (tests and demo). */

export const kmsEvent = (
  eventName: string,
  region: string,
  requestParameters: Record<string, unknown>,
  extra: { id?: string } = {},
) =>
  cloudTrailEvent({
    source: 'aws.kms',
    eventSource: 'kms.amazonaws.com',
    eventName,
    region,
    requestParameters,
    ...extra,
  });

export const putBucketPolicy = async (
  clients: ClientFactory,
  region: string,
  bucket: string,
  policy: unknown,
): Promise<void> => {
  await clients.get(S3Client, { region }).send(
    new PutBucketPolicyCommand({
      Bucket: bucket,
      Policy: typeof policy === 'string' ? policy : JSON.stringify(policy),
    }),
  );
};

export const createParameterGroup = async (
  clients: ClientFactory,
  region: string,
  name: string,
  family: string,
): Promise<void> => {
  await clients.get(RDSClient, { region }).send(
    new CreateDBParameterGroupCommand({
      DBParameterGroupName: name,
      DBParameterGroupFamily: family,
      Description: name,
    }),
  );
};

export const createDbInstance = async (
  clients: ClientFactory,
  region: string,
  id: string,
  opts: { engine?: string; parameterGroup?: string; tags?: Record<string, string> } = {},
): Promise<void> => {
  await clients.get(RDSClient, { region }).send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: opts.engine ?? 'postgres',
      DBInstanceClass: 'db.t3.micro',
      AllocatedStorage: 20,
      MasterUsername: 'admin_user',
      MasterUserPassword: 'not-a-secret-1',
      DBParameterGroupName: opts.parameterGroup,
      Tags: Object.entries(opts.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
};

export const createRedshiftCluster = async (
  clients: ClientFactory,
  region: string,
  id: string,
  parameterGroup?: string,
): Promise<void> => {
  await clients.get(RedshiftClient, { region }).send(
    new CreateClusterCommand({
      ClusterIdentifier: id,
      NodeType: 'ra3.xlplus',
      MasterUsername: 'admin_user',
      MasterUserPassword: 'NotASecret1',
      ClusterParameterGroupName: parameterGroup,
    }),
  );
};

// One CloudTrail event builder for every estate (testbed/estates/estate.ts).
export { rdsEvent, redshiftEvent } from './estate';
