import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  type BucketLocationConstraint,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { ClientFactory } from '../../shared/aws/clients';

/** Helpers that build an estate on the emulator, shared by tests, the demo and the benchmark. */

export const createKey = async (
  clients: ClientFactory,
  region: string,
  alias?: string,
  description = 'test key',
): Promise<{ arn: string; keyId: string }> => {
  const kms = clients.get(KMSClient, { region });
  const out = await kms.send(new CreateKeyCommand({ Description: description }));
  const arn = out.KeyMetadata?.Arn as string;
  const keyId = out.KeyMetadata?.KeyId as string;
  if (alias) await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId }));
  return { arn, keyId };
};

export type BucketEncryption =
  { kind: 'none' } | { kind: 'sse-s3' } | { kind: 'kms'; keyId?: string; bucketKey?: boolean };

export const createBucket = async (
  clients: ClientFactory,
  region: string,
  name: string,
  encryption: BucketEncryption = { kind: 'none' },
  tags: Record<string, string> = {},
): Promise<void> => {
  const s3 = clients.get(S3Client, { region });
  await s3.send(
    new CreateBucketCommand({
      Bucket: name,
      ...(region === 'us-east-1'
        ? {}
        : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
    }),
  );
  if (encryption.kind === 'sse-s3') {
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: name,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
    );
  } else if (encryption.kind === 'kms') {
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: name,
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                ...(encryption.keyId ? { KMSMasterKeyID: encryption.keyId } : {}),
              },
              BucketKeyEnabled: encryption.bucketKey ?? true,
            },
          ],
        },
      }),
    );
  }
  if (Object.keys(tags).length) {
    await s3.send(
      new PutBucketTaggingCommand({
        Bucket: name,
        Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
      }),
    );
  }
};

/** An EventBridge "AWS API Call via CloudTrail" event, as Lambda receives it. */
export const cloudTrailEvent = (opts: {
  source: string;
  eventSource: string;
  eventName: string;
  region: string;
  account?: string;
  requestParameters?: Record<string, unknown>;
  responseElements?: Record<string, unknown> | null;
  errorCode?: string;
  id?: string;
}): Record<string, unknown> => {
  const account = opts.account ?? '123456789012';
  const id = opts.id ?? `${opts.eventName}-${Math.random().toString(16).slice(2)}`;
  return {
    version: '0',
    id,
    'detail-type': 'AWS API Call via CloudTrail',
    source: opts.source,
    account,
    time: '2026-11-27T10:00:00Z',
    region: opts.region,
    resources: [],
    detail: {
      eventVersion: '1.08',
      eventID: id,
      eventTime: '2026-11-27T10:00:00Z',
      eventSource: opts.eventSource,
      eventName: opts.eventName,
      awsRegion: opts.region,
      eventType: 'AwsApiCall',
      recipientAccountId: account,
      userIdentity: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::${account}:assumed-role/data-engineer/alice`,
        accountId: account,
      },
      requestParameters: opts.requestParameters ?? {},
      responseElements: opts.responseElements ?? null,
      ...(opts.errorCode ? { errorCode: opts.errorCode, errorMessage: 'failed' } : {}),
    },
  };
};

export const s3Event = (
  eventName: string,
  bucket: string,
  region: string,
  extra: { errorCode?: string; id?: string } = {},
) =>
  cloudTrailEvent({
    source: 'aws.s3',
    eventSource: 's3.amazonaws.com',
    eventName,
    region,
    requestParameters: { bucketName: bucket, Host: `${bucket}.s3.amazonaws.com` },
    ...extra,
  });

export const rdsEvent = (
  eventName: string,
  requestParameters: Record<string, unknown>,
  region: string,
  extra: { id?: string; errorCode?: string } = {},
) =>
  cloudTrailEvent({
    source: 'aws.rds',
    eventSource: 'rds.amazonaws.com',
    eventName,
    region,
    requestParameters,
    ...extra,
  });

export const redshiftEvent = (
  eventName: string,
  requestParameters: Record<string, unknown>,
  region: string,
  extra: { id?: string; errorCode?: string } = {},
) =>
  cloudTrailEvent({
    source: 'aws.redshift',
    eventSource: 'redshift.amazonaws.com',
    eventName,
    region,
    requestParameters,
    ...extra,
  });
