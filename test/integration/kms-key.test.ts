import {
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  GetKeyPolicyCommand,
  DeleteAliasCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { processEvent } from '../../shared/pipeline/process';
import { createBucket, createKey } from '../../testbed/estates/estate';
import { kmsEvent } from '../../testbed/estates/estate-kms-tls';
import { ACCOUNT, testDeps, testPolicy, useEmulator } from '../support/harness';

const R = 'us-east-1';
const emu = useEmulator();
const EMR_ROLE = `arn:aws:iam::${ACCOUNT}:role/emr-instance`;
let cmk: { arn: string; keyId: string };

const kms = () => emu.clients().get(KMSClient, { region: R });
const keyState = async (keyId: string) =>
  (await kms().send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState;
const rotation = async (keyId: string) =>
  (await kms().send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled;

const keyPolicy = (roles: string[]) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Admin',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      ...(roles.length
        ? [
            {
              Sid: 'Use',
              Effect: 'Allow',
              Principal: { AWS: roles },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:Encrypt'],
              Resource: '*',
            },
          ]
        : []),
    ],
  });

beforeEach(async () => {
  await emu.current.reset();
  cmk = await createKey(emu.clients(), R, 'alias/data-platform');
  await kms().send(new EnableKeyRotationCommand({ KeyId: cmk.keyId }));
});

describe('kms-key rule on the emulator', () => {
  it("ScheduleKeyDeletion on the CMK: cancels, re-enables, verifies, and sends a critical alert counting the key's users", async () => {
    const clients = emu.clients();
    const other = await createKey(clients, R);
    await createBucket(clients, R, 'on-cmk', { kind: 'kms', keyId: cmk.arn });
    await createBucket(clients, R, 'on-cmk-alias', { kind: 'kms', keyId: 'alias/data-platform' });
    await createBucket(clients, R, 'on-other', { kind: 'kms', keyId: other.keyId });
    await kms().send(new ScheduleKeyDeletionCommand({ KeyId: cmk.keyId, PendingWindowInDays: 7 }));
    const deps = testDeps(clients);
    const result = await processEvent(
      kmsEvent('ScheduleKeyDeletion', R, { keyId: cmk.keyId, pendingWindowInDays: 7 }),
      deps,
    );
    expect(result.outcomes[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'PENDING_DELETION',
      action: 'REMEDIATE',
      result: 'VERIFIED',
      severity: 'CRITICAL',
    });
    expect(result.outcomes[0]?.detail).toMatch(/2 resource\(s\) in the region use it \(s3-bucket: 2\)/);
    expect(result.outcomes[0]?.actionDetail).toMatch(/cancelled the scheduled deletion, enabled the key/);
    expect(await keyState(cmk.keyId)).toBe('Enabled');
    expect(deps.alerts.alerts).toHaveLength(1);
    expect(deps.alerts.alerts[0]).toMatchObject({
      severity: 'CRITICAL',
      reason: 'PENDING_DELETION',
      resource: { type: 'kms-key' },
    });
  });

  it('in report mode the deletion stays scheduled and the alert is still critical', async () => {
    const clients = emu.clients();
    await kms().send(new ScheduleKeyDeletionCommand({ KeyId: cmk.keyId, PendingWindowInDays: 7 }));
    const deps = testDeps(clients, { policy: testPolicy({ mode: 'report' }) });
    const result = await processEvent(kmsEvent('ScheduleKeyDeletion', R, { keyId: cmk.arn }), deps);
    expect(result.outcomes[0]).toMatchObject({ reason: 'PENDING_DELETION', action: 'REPORT', result: 'NOT_ATTEMPTED' });
    expect(result.outcomes[0]?.detail).toMatch(/0 resource\(s\)/);
    expect(deps.alerts.alerts[0]?.severity).toBe('CRITICAL');
    expect(await keyState(cmk.keyId)).toBe('PendingDeletion');
  });

  it('DisableKey named by ARN: re-enables; a second delivery changes nothing and alerts no more', async () => {
    const clients = emu.clients();
    await kms().send(new DisableKeyCommand({ KeyId: cmk.keyId }));
    const deps = testDeps(clients);
    const event = kmsEvent('DisableKey', R, { keyId: cmk.arn }, { id: 'dup' });
    const first = await processEvent(event, deps);
    expect(first.outcomes[0]).toMatchObject({ reason: 'KEY_DISABLED', result: 'VERIFIED', severity: 'CRITICAL' });
    expect(await keyState(cmk.keyId)).toBe('Enabled');
    const again = await processEvent(event, deps);
    expect(again.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
    expect(deps.alerts.alerts).toHaveLength(1);
  });

  it('DisableKeyRotation: turns rotation back on', async () => {
    await kms().send(new DisableKeyRotationCommand({ KeyId: cmk.keyId }));
    const deps = testDeps(emu.clients());
    const result = await processEvent(kmsEvent('DisableKeyRotation', R, { keyId: cmk.arn }), deps);
    expect(result.outcomes[0]).toMatchObject({ reason: 'ROTATION_DISABLED', result: 'VERIFIED' });
    expect(await rotation(cmk.keyId)).toBe(true);
  });

  it('PutKeyPolicy dropping a required role: alerts with the missing principal, never rewrites the policy', async () => {
    const policy = testPolicy({ keyUsers: [EMR_ROLE, 'redshift-role'] });
    await kms().send(
      new PutKeyPolicyCommand({
        KeyId: cmk.arn,
        PolicyName: 'default',
        Policy: keyPolicy([EMR_ROLE, `arn:aws:iam::${ACCOUNT}:role/redshift-role`]),
      }),
    );
    const ok = await processEvent(
      kmsEvent('PutKeyPolicy', R, { keyId: cmk.keyId }),
      testDeps(emu.clients(), { policy }),
    );
    expect(ok.outcomes[0]).toMatchObject({ status: 'COMPLIANT' });

    const dropped = keyPolicy([`arn:aws:iam::${ACCOUNT}:role/redshift-role`]);
    await kms().send(new PutKeyPolicyCommand({ KeyId: cmk.arn, PolicyName: 'default', Policy: dropped }));
    const deps = testDeps(emu.clients(), { policy });
    const result = await processEvent(
      kmsEvent('PutKeyPolicy', R, { keyId: cmk.keyId, policyName: 'default', policy: dropped }),
      deps,
    );
    expect(result.outcomes[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'MISSING_GRANTS',
      action: 'REPORT',
      result: 'NOT_ATTEMPTED',
    });
    expect(result.outcomes[0]?.detail).toContain(EMR_ROLE);
    expect(result.outcomes[0]?.detail).not.toContain('redshift-role');
    expect(deps.alerts.alerts).toHaveLength(1);
    const after = (await kms().send(new GetKeyPolicyCommand({ KeyId: cmk.arn, PolicyName: 'default' }))).Policy;
    expect(JSON.parse(after ?? '{}')).toEqual(JSON.parse(dropped));
  });

  it('events on keys that are not a regional CMK are not applicable and change nothing', async () => {
    const clients = emu.clients();
    const other = await createKey(clients, R);
    await kms().send(new DisableKeyCommand({ KeyId: other.keyId }));
    const deps = testDeps(clients);
    const result = await processEvent(kmsEvent('DisableKey', R, { keyId: other.keyId }), deps);
    expect(result.outcomes[0]).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'NOT_THE_CMK' });
    expect(await keyState(other.keyId)).toBe('Disabled');
    expect(deps.alerts.alerts).toHaveLength(0);
  });

  it('UpdateAlias repointing the CMK alias: critical alert against the pinned key, alias left alone', async () => {
    const clients = emu.clients();
    const rogue = await createKey(clients, R);
    const policy = testPolicy({ cmk: { alias: 'alias/data-platform', keys: { [R]: cmk.arn } } });
    await kms().send(new UpdateAliasCommand({ AliasName: 'alias/data-platform', TargetKeyId: rogue.keyId }));
    const deps = testDeps(clients, { policy });
    const result = await processEvent(
      kmsEvent('UpdateAlias', R, { aliasName: 'alias/data-platform', targetKeyId: rogue.keyId }),
      deps,
    );
    expect(result.outcomes[0]).toMatchObject({
      reason: 'ALIAS_REPOINTED',
      observedKey: rogue.arn,
      expectedKey: cmk.arn,
      action: 'REPORT',
      severity: 'CRITICAL',
    });
    expect(deps.alerts.alerts[0]?.severity).toBe('CRITICAL');
    const other = await processEvent(
      kmsEvent('UpdateAlias', R, { aliasName: 'alias/team-scratch', targetKeyId: rogue.keyId }),
      deps,
    );
    expect(other.outcomes[0]).toMatchObject({ status: 'NOT_APPLICABLE' });
  });

  it('with the alias alone, a warm instance compares with what the alias named before', async () => {
    const clients = emu.clients();
    const rogue = await createKey(clients, R);
    const deps = testDeps(clients);
    await deps.keys.regionalCmk(R);
    await kms().send(new UpdateAliasCommand({ AliasName: 'alias/data-platform', TargetKeyId: rogue.keyId }));
    const result = await processEvent(
      kmsEvent('UpdateAlias', R, { aliasName: 'alias/data-platform', targetKeyId: rogue.keyId }),
      deps,
    );
    expect(result.outcomes[0]).toMatchObject({
      reason: 'ALIAS_REPOINTED',
      observedKey: rogue.arn,
      expectedKey: cmk.arn,
    });
  });

  it('DeleteAlias on the CMK alias: critical either way (alias missing with pinned keys, regional CMK gone without)', async () => {
    const clients = emu.clients();
    await kms().send(new DeleteAliasCommand({ AliasName: 'alias/data-platform' }));
    const pinned = testDeps(clients, {
      policy: testPolicy({ cmk: { alias: 'alias/data-platform', keys: { [R]: cmk.arn } } }),
    });
    const a = await processEvent(kmsEvent('DeleteAlias', R, { aliasName: 'alias/data-platform' }), pinned);
    expect(a.outcomes[0]).toMatchObject({
      reason: 'ALIAS_MISSING',
      action: 'REPORT',
      severity: 'CRITICAL',
      expectedKey: cmk.arn,
    });
    const aliasOnly = testDeps(clients);
    const b = await processEvent(kmsEvent('DeleteAlias', R, { aliasName: 'alias/data-platform' }), aliasOnly);
    expect(b.outcomes[0]).toMatchObject({ status: 'ERROR', error: { code: 'KEY_NOT_FOUND' } });
    expect(aliasOnly.alerts.alerts[0]).toMatchObject({ severity: 'CRITICAL', reason: 'KEY_NOT_FOUND' });
  });
});
