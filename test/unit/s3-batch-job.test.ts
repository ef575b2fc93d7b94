import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateJobCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { mockClient } from 'aws-sdk-client-mock';
import { ClientFactory } from '../../shared/aws/clients';
import type { KeyResolver } from '../../shared/kms/key-resolver';
import { parsePolicy } from '../../shared/policy/policy';
import type { RuleContext } from '../../shared/rules/contract';
import { reencryptExistingObjects } from '../../shared/rules/s3-bucket/objects';

// SDK mocks for a fault only (CreateJob refused); the job itself is created on the emulator:
// test/integration/s3-batch-job.test.ts (own file: mocks patch the classes).
const s3 = mockClient(S3Client);
const control = mockClient(S3ControlClient);
const CMK = 'arn:aws:kms:eu-west-1:111122223333:key/1111aaaa-2222-3333-4444-555566667777';

const ctx = (): RuleContext => {
  const policy = parsePolicy({ cmk: { alias: 'alias/data-platform' }, objects: { inPlaceMaxObjects: 1000, batchRoleName: 'cmk-sentinel-batch', batchReportBucket: 'audit-bucket' } });
  const keys = { regionalCmk: async () => ({ arn: CMK, keyId: '1111', region: 'eu-west-1', account: '111122223333', managedBy: 'CUSTOMER' }) } as unknown as KeyResolver;
  return { clients: new ClientFactory({ maxAttempts: 1, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }), keys, policy, scope: { region: 'eu-west-1' } };
};

beforeEach(() => { s3.reset(); control.reset(); });

describe('S3 Batch Operations copy job faults (SDK mock)', () => {
  it('a refused CreateJob surfaces as ACCESS_DENIED naming s3:CreateJob', async () => {
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 1001, IsTruncated: false });
    control.on(CreateJobCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    await expect(reencryptExistingObjects({ type: 's3-bucket', account: '111122223333', region: 'eu-west-1', id: 'big' }, ctx()))
      .rejects.toMatchObject({ code: 'ACCESS_DENIED', details: { missingPermission: 's3:CreateJob' } });
  });
});
