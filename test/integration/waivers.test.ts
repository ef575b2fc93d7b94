import { GetBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { processEvent } from '../../shared/pipeline/process';
import { createBucket, createKey, s3Event } from '../../testbed/estates/estate';
import { testDeps, testPolicy, testWaiver, useEmulator } from '../support/harness';

/** Issue 18 part 3 on the emulator: a valid waiver skips, an expired one alerts and remediates, an unapproved tag is
 * reported. */
const R = 'us-east-1';
const emu = useEmulator();
const only = <T extends { ref?: { type: string }; resource?: { type: string } }>(xs: T[]): T[] =>
  xs.filter((x) => (x.ref ?? x.resource)?.type === 's3-bucket');
const algorithm = async (bucket: string) =>
  (
    await emu
      .clients()
      .get(S3Client, { region: R })
      .send(new GetBucketEncryptionCommand({ Bucket: bucket }))
  ).ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;

beforeEach(async () => {
  await emu.current.reset();
  await createKey(emu.clients(), R, 'alias/data-platform');
});

describe('waivers on the emulator', () => {
  it('a valid waiver: reported WAIVED (SKIP_EXEMPT with the waiver and its days left), never touched, with or without the tag', async () => {
    await createBucket(emu.clients(), R, 'vendor-drop', { kind: 'sse-s3' });
    await createBucket(emu.clients(), R, 'vendor-tagged', { kind: 'sse-s3' }, { 'cmk-sentinel:exempt': 'WVR-7' });
    const policy = testPolicy({ waivers: [testWaiver(['arn:aws:s3:::vendor-*'], 'WVR-7', 20, ['s3-at-rest-cmk'])] });
    for (const b of ['vendor-drop', 'vendor-tagged']) {
      const deps = testDeps(emu.clients(), { policy });
      const out = only((await processEvent(s3Event('PutBucketEncryption', b, R), deps)).outcomes)[0];
      expect(out).toMatchObject({
        status: 'NON_COMPLIANT',
        reason: 'NOT_KMS',
        action: 'SKIP_EXEMPT',
        result: 'NOT_ATTEMPTED',
        waiver: { status: 'WAIVED', id: 'WVR-7', daysLeft: 21 },
      });
      expect(await algorithm(b)).toBe('AES256');
      expect(only(deps.alerts.alerts)[0]).toMatchObject({
        waiver: { status: 'WAIVED', id: 'WVR-7' },
        compliance: { securityHub: ['S3.17'] },
      });
    }
  });

  it('an expired waiver: non-compliant again, remediated per the policy, and the alert says the waiver ran out', async () => {
    await createBucket(emu.clients(), R, 'vendor-old', { kind: 'sse-s3' }, { 'cmk-sentinel:exempt': 'WVR-8' });
    const deps = testDeps(emu.clients(), {
      policy: testPolicy({ waivers: [testWaiver(['arn:aws:s3:::vendor-old'], 'WVR-8', -3)] }),
    });
    const out = only((await processEvent(s3Event('PutBucketEncryption', 'vendor-old', R), deps)).outcomes)[0];
    expect(out).toMatchObject({ action: 'REMEDIATE', result: 'VERIFIED', waiver: { status: 'EXPIRED', id: 'WVR-8' } });
    expect(out?.actionDetail).toMatch(/Waiver WVR-8 .* expired on/);
    expect(await algorithm('vendor-old')).toBe('aws:kms');
    expect(only(deps.alerts.alerts)[0]).toMatchObject({
      severity: 'MEDIUM',
      waiver: { status: 'EXPIRED' },
      action: { taken: 'REMEDIATE' },
    });
  });

  it('the tag alone ("true", or a waiver that does not cover the bucket) is an UNAPPROVED_EXEMPTION: reported and not honoured', async () => {
    await createBucket(emu.clients(), R, 'sneaky', { kind: 'sse-s3' }, { 'cmk-sentinel:exempt': 'true' });
    await createBucket(emu.clients(), R, 'borrowed', { kind: 'sse-s3' }, { 'cmk-sentinel:exempt': 'WVR-7' });
    const policy = testPolicy({ waivers: [testWaiver(['arn:aws:s3:::vendor-*'], 'WVR-7')] });
    for (const b of ['sneaky', 'borrowed']) {
      const deps = testDeps(emu.clients(), { policy });
      const out = only((await processEvent(s3Event('PutBucketEncryption', b, R), deps)).outcomes)[0];
      expect(out).toMatchObject({
        action: 'REMEDIATE',
        result: 'VERIFIED',
        waiver: { status: 'UNAPPROVED_EXEMPTION' },
      });
      expect(only(deps.alerts.alerts)[0]?.waiver?.status).toBe('UNAPPROVED_EXEMPTION');
      expect(await algorithm(b)).toBe('aws:kms');
    }
  });

  it('report mode still shows a waiver as WAIVED and touches nothing', async () => {
    await createBucket(emu.clients(), R, 'vendor-r', { kind: 'sse-s3' });
    const deps = testDeps(emu.clients(), {
      policy: testPolicy({ mode: 'report', waivers: [testWaiver(['arn:aws:s3:::vendor-r'], 'WVR-9')] }),
    });
    const out = only((await processEvent(s3Event('PutBucketEncryption', 'vendor-r', R), deps)).outcomes)[0];
    expect(out).toMatchObject({ action: 'SKIP_EXEMPT', waiver: { status: 'WAIVED', id: 'WVR-9' } });
  });
});
