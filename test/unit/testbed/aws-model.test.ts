import { javaPattern, validateRequest } from '../../../testbed/aws-model';

const rules = (client: string, op: string, input: unknown) =>
  validateRequest(client, op, input).map((v) => `${v.member} ${v.rule}`);

/** The validator every integration suite runs on the requests it records (test/support/request-checks.ts). */
describe('request validation against the AWS models (botocore, then the SDK schema)', () => {
  it('accepts a request AWS accepts', () => {
    expect(
      rules('S3Client', 'PutBucketEncryption', {
        Bucket: 'b',
        ServerSideEncryptionConfiguration: {
          Rules: [
            {
              ApplyServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: 'arn:aws:kms:us-east-1:123456789012:key/k',
              },
              BucketKeyEnabled: true,
            },
          ],
        },
      }),
    ).toEqual([]);
  });

  it('names a missing required member', () => {
    expect(rules('KMSClient', 'DescribeKey', {})).toEqual(['KeyId required']);
    expect(
      rules('S3Client', 'PutBucketEncryption', {
        Bucket: 'b',
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: {} }] },
      }),
    ).toEqual(['ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm required']);
  });

  it('names an unknown member, at any depth', () => {
    expect(rules('KMSClient', 'DescribeKey', { KeyId: 'k', KeyID: 'k' })).toEqual(['KeyID unknown']);
    expect(
      rules('RDSClient', 'DeleteDBCluster', {
        DBClusterIdentifier: 'c',
        SkipFinalSnapshot: true,
        FinalSnapshotIdentifier: 'x',
      }),
    ).toEqual(['FinalSnapshotIdentifier unknown']);
  });

  it('names an enum value the model does not list', () => {
    expect(
      rules('S3Client', 'PutBucketEncryption', {
        Bucket: 'b',
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse2' } }],
        },
      }),
    ).toEqual(['ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm enum']);
  });

  it('names a number out of range and a string or list of the wrong length', () => {
    expect(rules('DynamoDBClient', 'Query', { TableName: 'sweeps', Limit: 0 })).toEqual(['Limit range']);
    expect(
      rules('SFNClient', 'StartExecution', {
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:m',
        name: 'x'.repeat(81),
      }),
    ).toEqual(['name length']);
    expect(rules('KMSClient', 'DescribeKey', { KeyId: '' })).toEqual(['KeyId length']);
  });

  it("names a value that breaks the member's pattern (Java regexes, translated)", () => {
    expect(
      rules('STSClient', 'AssumeRole', { RoleArn: 'arn:aws:iam::123456789012:role/r', RoleSessionName: 'has space' }),
    ).toEqual(['RoleSessionName pattern']);
    expect(
      rules('STSClient', 'AssumeRole', {
        RoleArn: 'arn:aws:iam::123456789012:role/r',
        RoleSessionName: 'cmk-sentinel',
      }),
    ).toEqual([]);
    expect(javaPattern('\\p{Print}+')?.test('\u0001')).toBe(false);
    expect(javaPattern('[a-zA-Z0-9\\-\\_]+')?.test('a_b-c')).toBe(true);
    expect(javaPattern('[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\n\\t]*')?.test('😀')).toBe(
      true,
    );
  });

  it('a type mismatch is a violation, not a crash', () => {
    expect(rules('KMSClient', 'DescribeKey', { KeyId: 5 })).toEqual(['KeyId type']);
  });

  it('where botocore is older, the SDK model wins: its members are known and its required lead members enforced', () => {
    // TargetResourceConfigurations is newer than this botocore (CreateBlueGreenDeployment, RDS API reference).
    const base = { BlueGreenDeploymentName: 'bg', Source: 'arn:aws:rds:us-east-1:123456789012:db:d' };
    expect(
      rules('RDSClient', 'CreateBlueGreenDeployment', {
        ...base,
        TargetResourceConfigurations: [{ SourceArn: 'arn:aws:rds:us-east-1:123456789012:db:d', TargetKmsKeyId: 'k' }],
      }),
    ).toEqual([]);
    expect(
      rules('RDSClient', 'CreateBlueGreenDeployment', {
        ...base,
        TargetResourceConfigurations: [{ TargetKmsKeyId: 'k', Nope: 1 }],
      }),
    ).toEqual(['TargetResourceConfigurations[0].SourceArn required', 'TargetResourceConfigurations[0].Nope unknown']);
  });

  it('an operation neither model knows is reported', () => {
    expect(rules('S3Client', 'PutBucketEncryptionEverywhere', {})).toEqual([' operation']);
  });
});
