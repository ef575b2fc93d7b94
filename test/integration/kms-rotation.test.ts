import {
  CreateAliasCommand,
  CreateKeyCommand,
  DisableKeyRotationCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ReplicateKeyCommand,
} from '@aws-sdk/client-kms';
import { kmsEvent } from '../../testbed/estates/estate-kms-tls';
import { processEvent } from '../../shared/pipeline/process';
import { onlyRules, testDeps, testPolicy, useEmulator } from '../support/harness';

onlyRules('kms-key');

/**
 * KMS API reference, EnableKeyRotation: "Automatic key rotation is supported only on symmetric encryption KMS keys.
 * You cannot enable automatic rotation of asymmetric KMS keys, HMAC KMS keys, KMS keys with imported key material,
 * or KMS keys in a custom key store. To enable or disable automatic rotation of a set of related multi-Region keys,
 * set the property on the primary key." moto accepts EnableKeyRotation on all of them; what these tests show is
 * which key the rule acts on and that it does not try where AWS refuses.
 */
const R = 'us-east-1';
const PRIMARY_REGION = 'eu-west-1';
const emu = useEmulator();
const kms = (region = R) => emu.clients().get(KMSClient, { region });
const rotation = async (keyId: string, region = R) =>
  (await kms(region).send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled;

beforeEach(async () => {
  await emu.current.reset();
});

describe('CMK rotation where AWS allows it (emulator)', () => {
  it("a multi-Region replica CMK: rotation is turned on on its primary, in the primary's region", async () => {
    const primary = (
      await kms(PRIMARY_REGION).send(new CreateKeyCommand({ MultiRegion: true, Description: 'primary' }))
    ).KeyMetadata;
    const replica = (
      await kms(PRIMARY_REGION).send(new ReplicateKeyCommand({ KeyId: primary?.KeyId, ReplicaRegion: R }))
    ).ReplicaKeyMetadata;
    await kms(R).send(new CreateAliasCommand({ AliasName: 'alias/data-platform', TargetKeyId: replica?.Arn }));
    await kms(PRIMARY_REGION).send(new DisableKeyRotationCommand({ KeyId: primary?.KeyId }));
    const deps = testDeps(emu.clients());
    const out = (await processEvent(kmsEvent('DisableKeyRotation', R, { keyId: replica?.Arn }), deps)).outcomes[0];
    expect(out).toMatchObject({ reason: 'ROTATION_DISABLED', action: 'REMEDIATE', result: 'VERIFIED' });
    expect(out?.detail).toMatch(/multi-Region replica: rotation is set on its primary/);
    expect(out?.actionDetail).toMatch(
      new RegExp(`on its multi-Region primary ${primary?.Arn} \\(${PRIMARY_REGION}\\)`),
    );
    expect(await rotation(primary?.KeyId as string, PRIMARY_REGION)).toBe(true);
  });

  it.each([
    ['imported key material (Origin EXTERNAL)', { Origin: 'EXTERNAL' as const }, /imported \(Origin EXTERNAL\)/],
    [
      'an asymmetric key',
      { KeySpec: 'RSA_2048' as const, KeyUsage: 'SIGN_VERIFY' as const },
      /asymmetric key \(RSA_2048\)/,
    ],
    [
      'an HMAC key',
      { KeySpec: 'HMAC_256' as const, KeyUsage: 'GENERATE_VERIFY_MAC' as const },
      /HMAC key \(HMAC_256\)/,
    ],
  ])('%s as the CMK: reported ROTATION_UNSUPPORTED, no error, rotation not attempted', async (_l, create, text) => {
    const key = (await kms().send(new CreateKeyCommand(create))).KeyMetadata;
    await kms().send(new CreateAliasCommand({ AliasName: 'alias/data-platform', TargetKeyId: key?.KeyId }));
    const deps = testDeps(emu.clients(), { policy: testPolicy({ regions: [R] }) });
    const out = (await processEvent(kmsEvent('DisableKeyRotation', R, { keyId: key?.Arn }), deps)).outcomes[0];
    expect(out?.error).toBeUndefined();
    expect(out).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'ROTATION_UNSUPPORTED',
      action: 'REPORT',
      result: 'NOT_ATTEMPTED',
    });
    expect(out?.detail).toMatch(text);
    expect(out?.actionDetail).toMatch(/EnableKeyRotation is refused for this key/);
    expect(await rotation(key?.KeyId as string)).toBe(false);
  });
});
