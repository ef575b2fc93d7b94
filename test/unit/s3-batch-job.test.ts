import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateJobCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { mockClient } from 'aws-sdk-client-mock';
import { ClientFactory } from '../../shared/aws/clients';
import type { KeyResolver } from '../../shared/kms/key-resolver';
import { parsePolicy } from '../../shared/policy/policy';
import type { RuleContext } from '../../shared/rules/contract';
import { reencryptExistingObjects } from '../../shared/rules/s3-bucket/objects';

// The emulator has no S3 Batch Operations: the job request is checked against SDK mocks (own file: mocks patch the classes).
const s3 = mockClient(S3Client);
const control = mockClient(S3ControlClient);
const CMK = 'arn:aws:kms:eu-west-1:111122223333:key/1111aaaa-2222-3333-4444-555566667777';

const ctx = (): RuleContext => {
  const policy = parsePolicy({ cmk: { alias: 'alias/data-platform' }, objects: { inPlaceMaxObjects: 1000, batchRoleName: 'cmk-sentinel-batch', batchReportBucket: 'audit-bucket' } });
  const keys = { regionalCmk: async () => ({ arn: CMK, keyId: '1111', region: 'eu-west-1', account: '111122223333', managedBy: 'CUSTOMER' }) } as unknown as KeyResolver;
  return { clients: new ClientFactory({ maxAttempts: 1, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }), keys, policy, scope: { region: 'eu-west-1' } };
};

beforeEach(() => { s3.reset(); control.reset(); });

describe('S3 Batch Operations copy job for a large bucket', () => {
  it('creates one idempotent copy job under the CMK with a generated manifest and a failure report', async () => {
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 1000, IsTruncated: true, NextContinuationToken: 't' });
    control.on(CreateJobCommand).resolves({ JobId: 'job-123' });
    const ref = { type: 's3-bucket' as const, account: '111122223333', region: 'eu-west-1', id: 'big-bucket' };
    const res = await reencryptExistingObjects(ref, ctx());
    expect(res).toEqual({ changed: true, pending: true, detail: 'more than 1000 objects: S3 Batch Operations job job-123 copies them under the CMK' });
    // Counting stops as soon as the threshold is passed: two pages, not the whole bucket.
    expect(s3.commandCalls(ListObjectsV2Command)).toHaveLength(2);
    const input = control.commandCalls(CreateJobCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      AccountId: '111122223333',
      ConfirmationRequired: false,
      RoleArn: 'arn:aws:iam::111122223333:role/cmk-sentinel-batch',
      Operation: { S3PutObjectCopy: { TargetResource: 'arn:aws:s3:::big-bucket', MetadataDirective: 'COPY', SSEAwsKmsKeyId: CMK, BucketKeyEnabled: true } },
      ManifestGenerator: { S3JobManifestGenerator: { SourceBucket: 'arn:aws:s3:::big-bucket', EnableManifestOutput: true } },
      Report: { Enabled: true, Bucket: 'arn:aws:s3:::audit-bucket', ReportScope: 'FailedTasksOnly' },
    });
    await reencryptExistingObjects(ref, ctx());
    const tokens = control.commandCalls(CreateJobCommand).map((c) => c.args[0].input.ClientRequestToken);
    expect(tokens[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(tokens[1]).toBe(tokens[0]);
  });

  it('a refused CreateJob surfaces as ACCESS_DENIED naming s3:CreateJob', async () => {
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 1001, IsTruncated: false });
    control.on(CreateJobCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    await expect(reencryptExistingObjects({ type: 's3-bucket', account: '111122223333', region: 'eu-west-1', id: 'big' }, ctx()))
      .rejects.toMatchObject({ code: 'ACCESS_DENIED', details: { missingPermission: 's3:CreateJob' } });
  });
});
