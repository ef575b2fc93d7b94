import { GetBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { processEvent } from '../../shared/pipeline/process';
import { TLS_SID } from '../../shared/rules/s3-tls/evaluate';
import { createBucket, createKey, s3Event } from '../../testbed/estates/estate';
import { putBucketPolicy } from '../../testbed/estates/estate-kms-tls';
import { ACCOUNT, testDeps, testPolicy, useEmulator, onlyRules } from '../support/harness';

// Other rules answer some of the same calls; this file is about s3-bucket and s3-tls.
onlyRules('s3-bucket', 's3-tls');

const R = 'us-east-1';
const emu = useEmulator();

const s3 = () => emu.clients().get(S3Client, { region: R });
const policyOf = async (bucket: string) =>
  JSON.parse((await s3().send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? '{}') as {
    Statement: Record<string, unknown>[];
  };

const readOnly = (bucket: string) => ({
  Sid: 'AnalyticsRead',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/analytics` },
  Action: ['s3:GetObject'],
  Resource: `arn:aws:s3:::${bucket}/*`,
});
const denyDelete = (bucket: string) => ({
  Sid: 'NoDelete',
  Effect: 'Deny',
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/intern` },
  Action: 's3:DeleteObject',
  Resource: `arn:aws:s3:::${bucket}/*`,
});

beforeEach(async () => {
  await emu.current.reset();
  await createKey(emu.clients(), R, 'alias/data-platform');
});

describe('s3-tls rule on the emulator', () => {
  it('adds the TLS deny to a policy with several statements, keeps them all, and is idempotent', async () => {
    const clients = emu.clients();
    await createBucket(clients, R, 'shared-data', { kind: 'kms', keyId: 'alias/data-platform' });
    // Object writes first: the emulator enforces a Principal-* deny without its condition.
    await s3().send(new PutObjectCommand({ Bucket: 'shared-data', Key: 'a.csv', Body: 'x' }));
    const existing = [readOnly('shared-data'), denyDelete('shared-data')];
    await putBucketPolicy(clients, R, 'shared-data', { Version: '2012-10-17', Id: 'team-policy', Statement: existing });
    const deps = testDeps(clients, { policy: testPolicy({ types: { 's3-bucket': { mode: 'report' } } }) });
    const result = await processEvent(s3Event('PutBucketPolicy', 'shared-data', R, { id: 'same' }), deps);
    expect(result.outcomes.find((o) => o.ref.type === 's3-tls')).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'NO_TLS',
      action: 'REMEDIATE',
      result: 'VERIFIED',
    });
    const after = await policyOf('shared-data');
    expect(after).toMatchObject({ Id: 'team-policy' });
    expect(after.Statement.slice(0, 2)).toEqual(existing);
    expect(after.Statement[2]).toMatchObject({
      Sid: TLS_SID,
      Effect: 'Deny',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });

    const again = await processEvent(s3Event('PutBucketPolicy', 'shared-data', R, { id: 'same' }), deps);
    expect(again.outcomes.find((o) => o.ref.type === 's3-tls')).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
    expect((await policyOf('shared-data')).Statement).toHaveLength(3);
  });

  it('CreateBucket: both bucket rules run; a bucket without a policy gets one holding only the TLS deny', async () => {
    const clients = emu.clients();
    await createBucket(clients, R, 'fresh');
    const deps = testDeps(clients);
    const result = await processEvent(s3Event('CreateBucket', 'fresh', R), deps);
    expect(result.outcomes.map((o) => [o.ref.type, o.result]).sort()).toEqual([
      ['s3-bucket', 'VERIFIED'],
      ['s3-tls', 'VERIFIED'],
    ]);
    expect((await policyOf('fresh')).Statement.map((s) => s.Sid)).toEqual([TLS_SID]);
  });

  it('an equivalent statement under another Sid counts: nothing is added', async () => {
    const clients = emu.clients();
    await createBucket(clients, R, 'has-own', { kind: 'kms', keyId: 'alias/data-platform' });
    const own = {
      Sid: 'OursAlready',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Resource: ['arn:aws:s3:::has-own', 'arn:aws:s3:::has-own/*'],
      Condition: { Bool: { 'aws:SecureTransport': false } },
    };
    await putBucketPolicy(clients, R, 'has-own', { Version: '2012-10-17', Statement: [own] });
    const deps = testDeps(clients);
    const result = await processEvent(s3Event('PutBucketPolicy', 'has-own', R), deps);
    expect(result.outcomes[0]).toMatchObject({ status: 'COMPLIANT' });
    expect((await policyOf('has-own')).Statement).toHaveLength(1);
    expect(deps.alerts.alerts).toHaveLength(0);
  });

  it('in report mode DeleteBucketPolicy is reported and nothing is written', async () => {
    const clients = emu.clients();
    await createBucket(clients, R, 'report-only', { kind: 'kms', keyId: 'alias/data-platform' });
    const deps = testDeps(clients, { policy: testPolicy({ mode: 'report' }) });
    const result = await processEvent(s3Event('DeleteBucketPolicy', 'report-only', R), deps);
    expect(result.outcomes[0]).toMatchObject({ reason: 'NO_TLS', action: 'REPORT' });
    await expect(s3().send(new GetBucketPolicyCommand({ Bucket: 'report-only' }))).rejects.toMatchObject({
      name: 'NoSuchBucketPolicy',
    });
  });

  it('a bucket that is gone is not applicable', async () => {
    const result = await processEvent(s3Event('DeleteBucketPolicy', 'never-existed', R), testDeps(emu.clients()));
    expect(result.outcomes[0]).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'RESOURCE_GONE' });
  });
});
