import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateKeyCommand, DisableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { useEmulator } from '../support/harness';

// The emulator extension's DynamoDB UpdateTable SSESpecification (testbed/emulator/dynamodb_ext.py), driven with
// the real SDK. https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html,
// API_SSESpecification.html, API_SSEDescription.html.
const R = 'us-east-1';
const emu = useEmulator();
let ddb: DynamoDBClient;
let kms: KMSClient;

beforeEach(async () => {
  await emu.current.reset();
  ddb = emu.clients().get(DynamoDBClient, { region: R });
  kms = emu.clients().get(KMSClient, { region: R });
  await ddb.send(
    new CreateTableCommand({
      TableName: 't',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
});

const sse = async () => (await ddb.send(new DescribeTableCommand({ TableName: 't' }))).Table?.SSEDescription;
const newKey = async () => (await kms.send(new CreateKeyCommand({}))).KeyMetadata as { Arn: string; KeyId: string };
const refusal = async (p: Promise<unknown>): Promise<{ name: string; message: string }> => {
  try {
    await p;
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  throw new Error('expected a refusal');
};

describe('DynamoDB UpdateTable SSESpecification on the emulator', () => {
  it('switches to a customer key named by ARN, key ID or alias; DescribeTable reports the key ARN', async () => {
    expect(await sse()).toBeUndefined();
    const key = await newKey();
    await ddb.send(
      new UpdateTableCommand({
        TableName: 't',
        SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: key.Arn },
      }),
    );
    expect(await sse()).toEqual({ Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: key.Arn });

    const other = await newKey();
    await ddb.send(
      new UpdateTableCommand({
        TableName: 't',
        SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: other.KeyId },
      }),
    );
    expect((await sse())?.KMSMasterKeyArn).toBe(other.Arn);

    await kms.send(new CreateAliasCommand({ AliasName: 'alias/data-platform', TargetKeyId: key.KeyId }));
    await ddb.send(
      new UpdateTableCommand({
        TableName: 't',
        SSESpecification: { Enabled: true, KMSMasterKeyId: 'alias/data-platform' },
      }),
    );
    expect((await sse())?.KMSMasterKeyArn).toBe(key.Arn);
  });

  it('Enabled without a key is the AWS-managed aws/dynamodb key; Enabled false is the AWS-owned key again', async () => {
    await ddb.send(new UpdateTableCommand({ TableName: 't', SSESpecification: { Enabled: true } }));
    const managed = await sse();
    expect(managed).toMatchObject({ Status: 'ENABLED', SSEType: 'KMS' });
    expect(managed?.KMSMasterKeyArn).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\//);
    await ddb.send(new UpdateTableCommand({ TableName: 't', SSESpecification: { Enabled: false } }));
    expect(await sse()).toBeUndefined();
  });

  it('refuses what the API reference rules out, changing nothing', async () => {
    const key = await newKey();
    await ddb.send(
      new UpdateTableCommand({
        TableName: 't',
        SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: key.Arn },
      }),
    );
    const before = await sse();
    const cases = [
      { Enabled: true, SSEType: 'AES256' as const, KMSMasterKeyId: key.Arn },
      { Enabled: true, SSEType: 'AES256' as const },
      { Enabled: false, KMSMasterKeyId: key.Arn },
      { Enabled: false, SSEType: 'KMS' as const },
      { KMSMasterKeyId: key.Arn },
      { Enabled: true, KMSMasterKeyId: `arn:aws:kms:${R}:123456789012:key/00000000-0000-0000-0000-000000000000` },
    ];
    for (const spec of cases) {
      expect(await refusal(ddb.send(new UpdateTableCommand({ TableName: 't', SSESpecification: spec })))).toMatchObject(
        { name: 'ValidationException' },
      );
    }
    await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
    const other = await newKey();
    await kms.send(new DisableKeyCommand({ KeyId: other.KeyId }));
    expect(
      await refusal(
        ddb.send(
          new UpdateTableCommand({ TableName: 't', SSESpecification: { Enabled: true, KMSMasterKeyId: other.Arn } }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationException' });
    expect(await sse()).toEqual(before);
    expect(
      await refusal(ddb.send(new UpdateTableCommand({ TableName: 'missing', SSESpecification: { Enabled: true } }))),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
