import {
  AthenaClient,
  CreateWorkGroupCommand,
  GetWorkGroupCommand,
  UpdateWorkGroupCommand,
} from '@aws-sdk/client-athena';
import {
  AssociateKmsKeyCommand,
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  DisassociateKmsKeyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateKeyCommand, DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { useEmulator } from '../support/harness';

// The emulator extension's Athena UpdateWorkGroup (testbed/emulator/athena_ext.py) and CloudWatch Logs
// AssociateKmsKey/DisassociateKmsKey (testbed/emulator/logs_ext.py), driven with the real SDK.
const R = 'us-east-1';
const emu = useEmulator();
let athena: AthenaClient;
let logs: CloudWatchLogsClient;
let kms: KMSClient;

beforeEach(async () => {
  await emu.current.reset();
  athena = emu.clients().get(AthenaClient, { region: R });
  logs = emu.clients().get(CloudWatchLogsClient, { region: R });
  kms = emu.clients().get(KMSClient, { region: R });
});

const refusal = async (p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> => {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('expected a refusal');
};

const newKey = async (spec?: 'RSA_2048'): Promise<{ arn: string; id: string }> => {
  const meta = (await kms.send(new CreateKeyCommand(spec ? { KeySpec: spec, KeyUsage: 'SIGN_VERIFY' } : {})))
    .KeyMetadata;
  return { arn: meta?.Arn as string, id: meta?.KeyId as string };
};

// https://docs.aws.amazon.com/athena/latest/APIReference/API_UpdateWorkGroup.html
describe('Athena UpdateWorkGroup on the emulator', () => {
  it('sets, replaces and removes the result encryption and enforcement, keeping the rest of the configuration', async () => {
    const key = await newKey();
    await athena.send(
      new CreateWorkGroupCommand({
        Name: 'analytics',
        Configuration: {
          EnforceWorkGroupConfiguration: false,
          ResultConfiguration: {
            OutputLocation: 's3://results/',
            EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
          },
        },
      }),
    );
    await athena.send(
      new UpdateWorkGroupCommand({
        WorkGroup: 'analytics',
        ConfigurationUpdates: {
          EnforceWorkGroupConfiguration: true,
          ResultConfigurationUpdates: { EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: key.arn } },
        },
      }),
    );
    const after = (await athena.send(new GetWorkGroupCommand({ WorkGroup: 'analytics' }))).WorkGroup;
    expect(after?.Configuration).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      ResultConfiguration: {
        OutputLocation: 's3://results/',
        EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: key.arn },
      },
    });

    await athena.send(
      new UpdateWorkGroupCommand({
        WorkGroup: 'analytics',
        State: 'DISABLED',
        ConfigurationUpdates: { ResultConfigurationUpdates: { RemoveEncryptionConfiguration: true } },
      }),
    );
    const removed = (await athena.send(new GetWorkGroupCommand({ WorkGroup: 'analytics' }))).WorkGroup;
    expect(removed?.State).toBe('DISABLED');
    expect(removed?.Configuration?.ResultConfiguration).toEqual({ OutputLocation: 's3://results/' });
    expect(removed?.Configuration?.EnforceWorkGroupConfiguration).toBe(true);
  });

  it('refuses an unknown workgroup and an SSE_KMS configuration without a key with InvalidRequestException, changing nothing', async () => {
    await athena.send(
      new CreateWorkGroupCommand({
        Name: 'wg',
        Configuration: { ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } } },
      }),
    );
    expect(
      await refusal(
        athena.send(
          new UpdateWorkGroupCommand({
            WorkGroup: 'nope',
            ConfigurationUpdates: { EnforceWorkGroupConfiguration: true },
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    const noKey = athena.send(
      new UpdateWorkGroupCommand({
        WorkGroup: 'wg',
        ConfigurationUpdates: {
          EnforceWorkGroupConfiguration: false,
          ResultConfigurationUpdates: { EncryptionConfiguration: { EncryptionOption: 'SSE_KMS' } },
        },
      }),
    );
    expect(await refusal(noKey)).toMatchObject({ name: 'InvalidRequestException', status: 400 });
    const wg = (await athena.send(new GetWorkGroupCommand({ WorkGroup: 'wg' }))).WorkGroup;
    expect(wg?.Configuration).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } },
    });
  });
});

// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_AssociateKmsKey.html, API_DisassociateKmsKey.html
describe('CloudWatch Logs AssociateKmsKey / DisassociateKmsKey on the emulator', () => {
  const groupOf = async (name: string) =>
    (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }))).logGroups?.find(
      (g) => g.logGroupName === name,
    );

  it('associates a key by group name or group ARN; DescribeLogGroups shows it; disassociate removes it', async () => {
    const [k1, k2] = [await newKey(), await newKey()];
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/app/one' }));
    await logs.send(new AssociateKmsKeyCommand({ logGroupName: '/app/one', kmsKeyId: k1.arn }));
    expect((await groupOf('/app/one'))?.kmsKeyId).toBe(k1.arn);
    await logs.send(
      new AssociateKmsKeyCommand({
        resourceIdentifier: `arn:aws:logs:${R}:123456789012:log-group:/app/one`,
        kmsKeyId: k2.arn,
      }),
    );
    expect((await groupOf('/app/one'))?.kmsKeyId).toBe(k2.arn);
    await logs.send(new DisassociateKmsKeyCommand({ logGroupName: '/app/one' }));
    expect((await groupOf('/app/one'))?.kmsKeyId).toBeUndefined();
  });

  it('refuses an unknown group, both or neither target, a key id instead of an ARN, an unknown, disabled or asymmetric key', async () => {
    const key = await newKey();
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/app/two' }));
    expect(
      await refusal(logs.send(new AssociateKmsKeyCommand({ logGroupName: '/app/none', kmsKeyId: key.arn }))),
    ).toMatchObject({ name: 'ResourceNotFoundException', status: 400 });
    expect(await refusal(logs.send(new DisassociateKmsKeyCommand({ logGroupName: '/app/none' })))).toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(
      await refusal(
        logs.send(
          new AssociateKmsKeyCommand({
            logGroupName: '/app/two',
            resourceIdentifier: `arn:aws:logs:${R}:123456789012:log-group:/app/two`,
            kmsKeyId: key.arn,
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterException', status: 400 });
    expect(await refusal(logs.send(new AssociateKmsKeyCommand({ kmsKeyId: key.arn })))).toMatchObject({
      name: 'InvalidParameterException',
    });
    expect(
      await refusal(logs.send(new AssociateKmsKeyCommand({ logGroupName: '/app/two', kmsKeyId: key.id }))),
    ).toMatchObject({ name: 'InvalidParameterException' });
    expect(
      await refusal(
        logs.send(
          new AssociateKmsKeyCommand({
            logGroupName: '/app/two',
            kmsKeyId: key.arn.replace(key.id, '00000000-0000-0000-0000-000000000000'),
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
    const disabled = await newKey();
    await kms.send(new DisableKeyCommand({ KeyId: disabled.id }));
    expect(
      await refusal(logs.send(new AssociateKmsKeyCommand({ logGroupName: '/app/two', kmsKeyId: disabled.arn }))),
    ).toMatchObject({ name: 'InvalidParameterException' });
    const asymmetric = await newKey('RSA_2048');
    expect(
      await refusal(logs.send(new AssociateKmsKeyCommand({ logGroupName: '/app/two', kmsKeyId: asymmetric.arn }))),
    ).toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('symmetric') });
    expect((await groupOf('/app/two'))?.kmsKeyId).toBeUndefined();
  });
});
