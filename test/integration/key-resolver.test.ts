import { KeyResolver } from '../../shared/kms/key-resolver';
import { createKey } from '../../testbed/estates/estate';
import { testPolicy, useEmulator } from '../support/harness';

const emu = useEmulator();

describe('KeyResolver on the emulator', () => {
  let cmk: { arn: string; keyId: string };
  let eu: { arn: string; keyId: string };
  beforeAll(async () => {
    cmk = await createKey(emu.clients(), 'us-east-1', 'alias/data-platform');
    eu = await createKey(emu.clients(), 'eu-west-1', 'alias/data-platform');
  });

  it('resolves all four forms of the CMK to its canonical ARN', async () => {
    const keys = new KeyResolver(emu.clients(), testPolicy());
    for (const ref of [
      cmk.keyId,
      cmk.arn,
      'alias/data-platform',
      'arn:aws:kms:us-east-1:123456789012:alias/data-platform',
    ]) {
      const info = await keys.resolve(ref, 'us-east-1');
      expect(info).toMatchObject({
        arn: cmk.arn,
        keyId: cmk.keyId,
        region: 'us-east-1',
        account: '123456789012',
        managedBy: 'CUSTOMER',
      });
      expect(await keys.isRegionalCmk(ref, 'us-east-1')).toBe(true);
    }
  });

  it('the same alias names a different key per region; a key ARN carries its own region', async () => {
    const keys = new KeyResolver(emu.clients(), testPolicy());
    expect((await keys.regionalCmk('eu-west-1')).arn).toBe(eu.arn);
    expect(await keys.isRegionalCmk(eu.arn, 'us-east-1')).toBe(false);
    expect((await keys.resolve(eu.arn, 'us-east-1'))?.region).toBe('eu-west-1');
  });

  it('knows AWS-managed aliases without a call, and unknown keys resolve to undefined', async () => {
    const keys = new KeyResolver(emu.clients(), testPolicy());
    expect((await keys.observe('alias/aws/s3', 'us-east-1'))?.info?.managedBy).toBe('AWS');
    expect(await keys.resolve('alias/does-not-exist', 'us-east-1')).toBeUndefined();
    expect(await keys.resolve('11111111-2222-3333-4444-555555555555', 'us-east-1')).toBeUndefined();
  });

  it('an explicit key map wins over the alias, and a region with no CMK is a KEY_NOT_FOUND error', async () => {
    const keys = new KeyResolver(emu.clients(), testPolicy({ cmk: { keys: { 'us-east-1': cmk.arn } } }));
    expect((await keys.regionalCmk('us-east-1')).arn).toBe(cmk.arn);
    await expect(keys.regionalCmk('eu-west-1')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    const byAlias = new KeyResolver(emu.clients(), testPolicy());
    await expect(byAlias.regionalCmk('ap-south-1')).rejects.toMatchObject({
      code: 'KEY_NOT_FOUND',
      message: expect.stringContaining('does not exist in ap-south-1'),
    });
  });
});
