import {
  DisableEbsEncryptionByDefaultCommand,
  EC2Client,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  ModifyEbsDefaultKmsKeyIdCommand,
  ResetEbsDefaultKmsKeyIdCommand,
} from '@aws-sdk/client-ec2';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { useEmulator } from '../support/harness';

// The emulator extension's EC2 GetEbsDefaultKmsKeyId / ResetEbsDefaultKmsKeyId (testbed/emulator/ec2_ext.py) with
// moto's own Modify/Get/Enable/DisableEbsEncryptionByDefault, driven with the real SDK.
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetEbsDefaultKmsKeyId.html, API_ResetEbsDefaultKmsKeyId.html,
// API_ModifyEbsDefaultKmsKeyId.html.
const emu = useEmulator();
const ec2 = (region: string) => emu.clients().get(EC2Client, { region });
const kms = (region: string) => emu.clients().get(KMSClient, { region });
const defaultKey = async (region: string) => (await ec2(region).send(new GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId;

beforeEach(async () => {
  await emu.current.reset();
});

describe('EBS encryption-by-default settings on the emulator', () => {
  it('the default key is the AWS-managed aws/ebs key ARN until modified; modify resolves an alias; reset restores aws/ebs', async () => {
    const awsEbs = (await kms('us-east-1').send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }))).KeyMetadata;
    expect(await defaultKey('us-east-1')).toBe(awsEbs?.Arn);

    const cmk = (await kms('us-east-1').send(new CreateKeyCommand({}))).KeyMetadata;
    await kms('us-east-1').send(new CreateAliasCommand({ AliasName: 'alias/data-platform', TargetKeyId: cmk?.KeyId }));
    const modified = await ec2('us-east-1').send(
      new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: 'alias/data-platform' }),
    );
    expect(modified.KmsKeyId).toBe(cmk?.Arn);
    expect(await defaultKey('us-east-1')).toBe(cmk?.Arn);

    const reset = await ec2('us-east-1').send(new ResetEbsDefaultKmsKeyIdCommand({}));
    expect(reset.KmsKeyId).toBe(awsEbs?.Arn);
    expect(await defaultKey('us-east-1')).toBe(awsEbs?.Arn);
  });

  it('keeps key and on/off per region', async () => {
    const cmk = (await kms('us-east-1').send(new CreateKeyCommand({}))).KeyMetadata;
    await ec2('us-east-1').send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: cmk?.Arn }));
    await ec2('us-east-1').send(new EnableEbsEncryptionByDefaultCommand({}));
    expect(await defaultKey('us-east-1')).toBe(cmk?.Arn);
    expect(await defaultKey('eu-west-1')).toMatch(/^arn:aws:kms:eu-west-1:\d{12}:key\//);
    expect((await ec2('us-east-1').send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault).toBe(true);
    expect((await ec2('eu-west-1').send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault).toBe(false);
    await ec2('us-east-1').send(new DisableEbsEncryptionByDefaultCommand({}));
    expect((await ec2('us-east-1').send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault).toBe(false);
  });

  it('refuses an asymmetric key ("Amazon EBS does not support asymmetric KMS keys"), keeping the default', async () => {
    const rsa = (await kms('us-east-1').send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })))
      .KeyMetadata;
    const before = await defaultKey('us-east-1');
    await expect(
      ec2('us-east-1').send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: rsa?.Arn })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    expect(await defaultKey('us-east-1')).toBe(before);
  });
});
