import {
  EC2Client,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  ModifyEbsDefaultKmsKeyIdCommand,
} from '@aws-sdk/client-ec2';
import { processEvent } from '../../shared/pipeline/process';
import { createKey } from '../../testbed/estates/estate';
import { ebsDefaultEvent } from '../../testbed/estates/estate-data-platform';
import { onlyRules, testDeps, testPolicy, useEmulator } from '../support/harness';

onlyRules('ebs-default');

// The region's EBS encryption-by-default setting on the emulator (testbed/emulator/ec2_ext.py adds
// GetEbsDefaultKmsKeyId / ResetEbsDefaultKmsKeyId to moto's Modify/Enable/Disable/GetEbsEncryptionByDefault).
const R = 'us-east-1';
const emu = useEmulator();
let cmk: { arn: string; keyId: string };
const ec2 = () => emu.clients().get(EC2Client, { region: R });
const setting = async () => ({
  enabled: (await ec2().send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault,
  key: (await ec2().send(new GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId,
});

beforeEach(async () => {
  await emu.current.reset();
  cmk = await createKey(emu.clients(), R, 'alias/data-platform');
});

describe('ebs-default rule on the emulator', () => {
  it('off with aws/ebs: sets the CMK as default key, turns encryption by default on, verifies; the next event changes nothing', async () => {
    const deps = testDeps(emu.clients());
    const r = await processEvent(ebsDefaultEvent('DisableEbsEncryptionByDefault', R), deps);
    expect(r.outcomes[0]).toMatchObject({
      reason: 'UNENCRYPTED',
      action: 'REMEDIATE',
      result: 'VERIFIED',
      expectedKey: cmk.arn,
    });
    expect(r.outcomes[0]?.actionDetail).toContain('Existing volumes keep their encryption');
    expect(await setting()).toEqual({ enabled: true, key: cmk.arn });
    const again = await processEvent(ebsDefaultEvent('ModifyEbsDefaultKmsKeyId', R), deps);
    expect(again.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
  });

  it('on with another key: only the key is changed', async () => {
    const other = await createKey(emu.clients(), R);
    await ec2().send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: other.arn }));
    await ec2().send(new EnableEbsEncryptionByDefaultCommand({}));
    const r = await processEvent(ebsDefaultEvent('ModifyEbsDefaultKmsKeyId', R), testDeps(emu.clients()));
    expect(r.outcomes[0]).toMatchObject({ reason: 'WRONG_KEY', action: 'REMEDIATE', result: 'VERIFIED' });
    expect(r.outcomes[0]?.actionDetail).not.toContain('encryption by default turned on');
    expect(await setting()).toEqual({ enabled: true, key: cmk.arn });
  });

  it('report mode finds the drift and writes nothing; quarantine reports (nothing to quarantine) and writes nothing', async () => {
    const before = await setting();
    const report = await processEvent(
      ebsDefaultEvent('ResetEbsDefaultKmsKeyId', R),
      testDeps(emu.clients(), { policy: testPolicy({ mode: 'report' }) }),
    );
    expect(report.outcomes[0]).toMatchObject({ status: 'NON_COMPLIANT', reason: 'UNENCRYPTED', action: 'REPORT' });
    const q = await processEvent(
      ebsDefaultEvent('ResetEbsDefaultKmsKeyId', R),
      testDeps(emu.clients(), { policy: testPolicy({ mode: 'quarantine' }) }),
    );
    expect(q.outcomes[0]).toMatchObject({ reason: 'UNENCRYPTED', action: 'REPORT', result: 'NOT_ATTEMPTED' });
    expect(q.outcomes[0]?.actionDetail).toContain('nothing to tag');
    expect(await setting()).toEqual(before);
  });
});
