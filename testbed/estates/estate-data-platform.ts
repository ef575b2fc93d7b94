import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetKeyPolicyCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { AthenaClient, CreateWorkGroupCommand } from '@aws-sdk/client-athena';
import {
  CreateDeliveryStreamCommand,
  FirehoseClient,
  StartDeliveryStreamEncryptionCommand,
} from '@aws-sdk/client-firehose';
import { GlueClient, PutDataCatalogEncryptionSettingsCommand } from '@aws-sdk/client-glue';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  KinesisClient,
  StartStreamEncryptionCommand,
} from '@aws-sdk/client-kinesis';
import type { ClientFactory } from '../../shared/aws/clients';
import { cloudTrailEvent } from './estate';

/** Estate helpers for the data platform's other stores: tables, streams, volumes, catalog, query results, logs. */

export const dynamodbEvent = (eventName: string, tableName: string, region: string, extra: { id?: string } = {}) =>
  cloudTrailEvent({
    source: 'aws.dynamodb',
    eventSource: 'dynamodb.amazonaws.com',
    eventName,
    region,
    requestParameters: { tableName },
    ...extra,
  });

/** `key`: undefined = the AWS-owned default; 'aws' = SSEType KMS without a key (aws/dynamodb); else that key. */
export const createTable = async (
  clients: ClientFactory,
  region: string,
  name: string,
  key?: string,
  tags: Record<string, string> = {},
): Promise<void> => {
  await clients.get(DynamoDBClient, { region }).send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      ...(key
        ? { SSESpecification: { Enabled: true, SSEType: 'KMS', ...(key === 'aws' ? {} : { KMSMasterKeyId: key }) } }
        : {}),
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
};

/** The region's EBS encryption-by-default setting changed (the setting has no id: the region names it). */
export const ebsDefaultEvent = (eventName: string, region: string, extra: { id?: string } = {}) =>
  cloudTrailEvent({
    source: 'aws.ec2',
    eventSource: 'ec2.amazonaws.com',
    eventName,
    region,
    requestParameters: {},
    ...extra,
  });

export const kinesisEvent = (eventName: string, streamName: string, region: string, extra: { id?: string } = {}) =>
  cloudTrailEvent({
    source: 'aws.kinesis',
    eventSource: 'kinesis.amazonaws.com',
    eventName,
    region,
    requestParameters: { streamName },
    ...extra,
  });

/** `key`: undefined = no encryption; else StartStreamEncryption with that key (id, ARN or alias, `alias/aws/kinesis`
 * too). */
export const createStream = async (
  clients: ClientFactory,
  region: string,
  name: string,
  key?: string,
  tags: Record<string, string> = {},
): Promise<void> => {
  const kinesis = clients.get(KinesisClient, { region });
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  // moto drops CreateStream's Tags: tag separately.
  if (Object.keys(tags).length) await kinesis.send(new AddTagsToStreamCommand({ StreamName: name, Tags: tags }));
  if (key)
    await kinesis.send(new StartStreamEncryptionCommand({ StreamName: name, EncryptionType: 'KMS', KeyId: key }));
};

export const glueEvent = (region: string, extra: { id?: string } = {}) =>
  cloudTrailEvent({
    source: 'aws.glue',
    eventSource: 'glue.amazonaws.com',
    eventName: 'PutDataCatalogEncryptionSettings',
    region,
    requestParameters: {},
    ...extra,
  });

/** The region's Data Catalog settings: `catalogKey` undefined = DISABLED, 'aws' = SSE-KMS without a key id;
 * `passwordKey` likewise. */
export const setCatalogEncryption = async (
  clients: ClientFactory,
  region: string,
  catalogKey?: string,
  passwordKey?: string,
): Promise<void> => {
  await clients.get(GlueClient, { region }).send(
    new PutDataCatalogEncryptionSettingsCommand({
      DataCatalogEncryptionSettings: {
        EncryptionAtRest: catalogKey
          ? { CatalogEncryptionMode: 'SSE-KMS', ...(catalogKey === 'aws' ? {} : { SseAwsKmsKeyId: catalogKey }) }
          : { CatalogEncryptionMode: 'DISABLED' },
        ConnectionPasswordEncryption: passwordKey
          ? { ReturnConnectionPasswordEncrypted: true, AwsKmsKeyId: passwordKey }
          : { ReturnConnectionPasswordEncrypted: false },
      },
    }),
  );
};

export const firehoseEvent = (
  eventName: string,
  deliveryStreamName: string,
  region: string,
  extra: { id?: string } = {},
) =>
  cloudTrailEvent({
    source: 'aws.firehose',
    eventSource: 'firehose.amazonaws.com',
    eventName,
    region,
    requestParameters: { deliveryStreamName },
    ...extra,
  });

/** A DirectPut stream to S3: `sse` undefined = off, else that key (CUSTOMER_MANAGED_CMK) or 'aws' (AWS_OWNED_CMK);
 * `destinationKey` undefined = NoEncryption. */
export const createDeliveryStream = async (
  clients: ClientFactory,
  region: string,
  name: string,
  opts: {
    sse?: string;
    destinationKey?: string;
    source?: 'DirectPut' | 'KinesisStreamAsSource';
    tags?: Record<string, string>;
  } = {},
): Promise<void> => {
  const firehose = clients.get(FirehoseClient, { region });
  const role = 'arn:aws:iam::123456789012:role/firehose-delivery';
  await firehose.send(
    new CreateDeliveryStreamCommand({
      DeliveryStreamName: name,
      DeliveryStreamType: opts.source ?? 'DirectPut',
      ...(opts.source === 'KinesisStreamAsSource'
        ? {
            KinesisStreamSourceConfiguration: {
              KinesisStreamARN: `arn:aws:kinesis:${region}:123456789012:stream/iot-telemetry`,
              RoleARN: role,
            },
          }
        : {}),
      ExtendedS3DestinationConfiguration: {
        RoleARN: role,
        BucketARN: 'arn:aws:s3:::raw-landing',
        EncryptionConfiguration: opts.destinationKey
          ? { KMSEncryptionConfig: { AWSKMSKeyARN: opts.destinationKey } }
          : { NoEncryptionConfig: 'NoEncryption' },
      },
      // Tags has min 1 (botocore firehose TagDeliveryStreamInputTagList): an empty list is left out, as AWS would
      // refuse it.
      ...(opts.tags && Object.keys(opts.tags).length > 0
        ? { Tags: Object.entries(opts.tags).map(([Key, Value]) => ({ Key, Value })) }
        : {}),
    }),
  );
  if (opts.sse) {
    await firehose.send(
      new StartDeliveryStreamEncryptionCommand({
        DeliveryStreamName: name,
        DeliveryStreamEncryptionConfigurationInput:
          opts.sse === 'aws' ? { KeyType: 'AWS_OWNED_CMK' } : { KeyType: 'CUSTOMER_MANAGED_CMK', KeyARN: opts.sse },
      }),
    );
  }
};

export const athenaEvent = (
  eventName: 'CreateWorkGroup' | 'UpdateWorkGroup',
  workGroup: string,
  region: string,
  extra: { id?: string } = {},
) =>
  cloudTrailEvent({
    source: 'aws.athena',
    eventSource: 'athena.amazonaws.com',
    eventName,
    region,
    requestParameters: eventName === 'CreateWorkGroup' ? { name: workGroup } : { workGroup },
    ...extra,
  });

/** `encryption`: undefined = none; e.g. { option: 'SSE_KMS', key } ; `enforce` defaults to false (Athena's default). */
export const createWorkgroup = async (
  clients: ClientFactory,
  region: string,
  name: string,
  opts: {
    option?: 'SSE_S3' | 'SSE_KMS' | 'CSE_KMS';
    key?: string;
    enforce?: boolean;
    tags?: Record<string, string>;
  } = {},
): Promise<void> => {
  await clients.get(AthenaClient, { region }).send(
    new CreateWorkGroupCommand({
      Name: name,
      Configuration: {
        ResultConfiguration: {
          OutputLocation: `s3://query-results/${name}/`,
          ...(opts.option
            ? { EncryptionConfiguration: { EncryptionOption: opts.option, ...(opts.key ? { KmsKey: opts.key } : {}) } }
            : {}),
        },
        EnforceWorkGroupConfiguration: opts.enforce ?? false,
      },
      // Tags has min 1 (botocore firehose TagDeliveryStreamInputTagList): an empty list is left out, as AWS would
      // refuse it.
      ...(opts.tags && Object.keys(opts.tags).length > 0
        ? { Tags: Object.entries(opts.tags).map(([Key, Value]) => ({ Key, Value })) }
        : {}),
    }),
  );
};

export const logsEvent = (
  eventName: 'CreateLogGroup' | 'DisassociateKmsKey',
  logGroupName: string,
  region: string,
  extra: { id?: string } = {},
) =>
  cloudTrailEvent({
    source: 'aws.logs',
    eventSource: 'logs.amazonaws.com',
    eventName,
    region,
    requestParameters: { logGroupName },
    ...extra,
  });

export const createLogGroup = async (
  clients: ClientFactory,
  region: string,
  name: string,
  key?: string,
  tags: Record<string, string> = {},
): Promise<void> => {
  await clients.get(CloudWatchLogsClient, { region }).send(
    new CreateLogGroupCommand({
      logGroupName: name,
      ...(key ? { kmsKeyId: key } : {}),
      ...(Object.keys(tags).length ? { tags } : {}),
    }),
  );
};

/** The key policy statement CloudWatch Logs needs (what the service tells the key owner to add), merged into the key's
 * policy. */
export const allowLogsOnKey = async (
  clients: ClientFactory,
  region: string,
  keyId: string,
  statement: Record<string, unknown>,
): Promise<void> => {
  const kms = clients.get(KMSClient, { region });
  const doc = JSON.parse(
    (await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))).Policy ??
      '{"Version":"2012-10-17","Statement":[]}',
  ) as { Statement: unknown[] };
  await kms.send(
    new PutKeyPolicyCommand({
      KeyId: keyId,
      PolicyName: 'default',
      Policy: JSON.stringify({ ...doc, Statement: [...doc.Statement, statement] }),
    }),
  );
};
