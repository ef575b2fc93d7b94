import {
  CancelKeyDeletionCommand,
  DescribeKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { kmsEvent } from '../../../../testbed/estates/estate-kms-tls';
import { processEvent } from '../../../../shared/pipeline/process';
import { offlineClients, testDeps, testPolicy } from '../../../support/harness';

/**
 * SDK mocks: moto keeps no rotation period. KMS API reference, EnableKeyRotation RotationPeriodInDays: "If no value
 * is specified, the default value is 365 days" — so turning rotation back on must write the period back.
 * The mock keeps rotation state as KMS does: GetKeyRotationStatus returns RotationPeriodInDays, EnableKeyRotation
 * without one resets it to 365.
 */
describe('kms-key rotation period and pending deletion (SDK mock)', () => {
  const kms = mockClient(KMSClient);
  const s3 = mockClient(S3Client);
  const clients = offlineClients();
  const arn = 'arn:aws:kms:us-east-1:123456789012:key/k1';
  let key: { state: string; rotation: boolean; period: number };

  beforeEach(() => {
    key = { state: 'Enabled', rotation: false, period: 180 };
    kms.on(DescribeKeyCommand).callsFake(async () => ({
      KeyMetadata: {
        Arn: arn,
        KeyId: 'k1',
        KeyManager: 'CUSTOMER',
        KeyState: key.state,
        Origin: 'AWS_KMS',
        KeySpec: 'SYMMETRIC_DEFAULT',
      },
    }));
    kms.on(GetKeyRotationStatusCommand).callsFake(async () => ({
      // While a key is pending deletion KMS reports rotation off.
      KeyRotationEnabled: key.state === 'Enabled' && key.rotation,
      ...(key.rotation ? { RotationPeriodInDays: key.period } : {}),
    }));
    kms.on(EnableKeyRotationCommand).callsFake(async (input: { RotationPeriodInDays?: number }) => {
      key.rotation = true;
      key.period = input.RotationPeriodInDays ?? 365;
      return {};
    });
    kms.on(CancelKeyDeletionCommand).callsFake(async () => {
      key.state = 'Disabled';
      return {};
    });
    kms.on(EnableKeyCommand).callsFake(async () => {
      key.state = 'Enabled';
      return {};
    });
    kms.on(GetKeyPolicyCommand).resolves({ Policy: '{"Statement":[]}' });
    kms.on(ListResourceTagsCommand).resolves({ Tags: [] });
    s3.on(ListBucketsCommand).resolves({ Buckets: [] });
  });
  afterEach(() => {
    kms.reset();
    s3.reset();
  });
  afterAll(() => {
    kms.restore();
    s3.restore();
  });

  it("turning rotation back on keeps the policy's period", async () => {
    const deps = testDeps(clients, {
      policy: testPolicy({ cmk: { alias: 'alias/data-platform', rotationPeriodInDays: 180 } }),
    });
    const out = (await processEvent(kmsEvent('DisableKeyRotation', 'us-east-1', { keyId: arn }), deps)).outcomes[0];
    expect(out).toMatchObject({
      reason: 'ROTATION_DISABLED',
      result: 'VERIFIED',
      actionDetail: expect.stringMatching(/every 180 days/),
    });
    expect(kms.commandCalls(EnableKeyRotationCommand)[0]?.args[0].input).toEqual({
      KeyId: arn,
      RotationPeriodInDays: 180,
    });
    expect(key.period).toBe(180);
  });

  it("a period that drifted from the policy's is set back; without a policy period the key's own stands", async () => {
    key = { state: 'Enabled', rotation: true, period: 365 };
    const deps = testDeps(clients, {
      policy: testPolicy({ cmk: { alias: 'alias/data-platform', rotationPeriodInDays: 90 } }),
    });
    const out = (await processEvent(kmsEvent('DisableKeyRotation', 'us-east-1', { keyId: arn }), deps)).outcomes[0];
    expect(out).toMatchObject({
      reason: 'ROTATION_PERIOD',
      result: 'VERIFIED',
      detail: expect.stringMatching(/every 365 days, the policy says 90/),
    });
    expect(key.period).toBe(90);
    kms.resetHistory();
    expect(
      (await processEvent(kmsEvent('DisableKeyRotation', 'us-east-1', { keyId: arn }), testDeps(clients))).outcomes[0],
    ).toMatchObject({ status: 'COMPLIANT' });
    expect(kms.commandCalls(EnableKeyRotationCommand)).toHaveLength(0);
  });

  it('a key pending deletion reports rotation off: after CancelKeyDeletion + EnableKey it is read again, and rotation left as it was', async () => {
    key = { state: 'PendingDeletion', rotation: true, period: 200 };
    const out = (await processEvent(kmsEvent('ScheduleKeyDeletion', 'us-east-1', { keyId: arn }), testDeps(clients)))
      .outcomes[0];
    expect(out).toMatchObject({
      reason: 'PENDING_DELETION',
      result: 'VERIFIED',
      actionDetail: 'cancelled the scheduled deletion, enabled the key on ' + arn,
    });
    // No EnableKeyRotation: it would have reset the 200-day period to 365.
    expect(kms.commandCalls(EnableKeyRotationCommand)).toHaveLength(0);
    expect(key.period).toBe(200);
  });

  it('rotation off with no policy period: EnableKeyRotation sent without one only when none was ever read', async () => {
    const out = (await processEvent(kmsEvent('DisableKeyRotation', 'us-east-1', { keyId: arn }), testDeps(clients)))
      .outcomes[0];
    expect(out).toMatchObject({ result: 'VERIFIED' });
    expect(kms.commandCalls(EnableKeyRotationCommand)[0]?.args[0].input).toEqual({ KeyId: arn });
  });
});

describe('policy cmk.rotationPeriodInDays', () => {
  it('accepts the KMS range 90–2560 only', () => {
    expect(testPolicy({ cmk: { alias: 'alias/x', rotationPeriodInDays: 90 } }).doc.cmk.rotationPeriodInDays).toBe(90);
    expect(() => testPolicy({ cmk: { alias: 'alias/x', rotationPeriodInDays: 30 } })).toThrow(/90 to 2560 days/);
    expect(() => testPolicy({ cmk: { alias: 'alias/x', rotationPeriodInDays: 3000 } })).toThrow(/90 to 2560 days/);
  });
});
