import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { useEmulator } from '../support/harness';

// The emulator extension's IAM SimulatePrincipalPolicy (testbed/emulator/iam_ext.py), driven with the real SDK.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html and the User Guide's
// policy evaluation logic (reference_policies_evaluation-logic.html).
const emu = useEmulator();
const ACCOUNT = '123456789012';
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/k1`;
const OTHER_KEY = 'arn:aws:kms:eu-west-1:210987654321:key/k2';
let iam: IAMClient;
let role: string;
const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const context = (via: string, object: string) => [
  { ContextKeyName: 'kms:ViaService', ContextKeyType: 'string' as const, ContextKeyValues: [via] },
  { ContextKeyName: 'kms:EncryptionContext:aws:s3:arn', ContextKeyType: 'string' as const, ContextKeyValues: [object] },
];
const decision = async (input: Partial<ConstructorParameters<typeof SimulatePrincipalPolicyCommand>[0]>) =>
  (
    await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: role,
        ActionNames: ['kms:Decrypt'],
        ResourceArns: [KEY],
        ...input,
      }),
    )
  ).EvaluationResults?.map((r) => r.EvalDecision);

beforeEach(async () => {
  await emu.current.reset();
  iam = emu.clients().get(IAMClient, { region: 'us-east-1' });
  role = (await iam.send(new CreateRoleCommand({ RoleName: 'replication', AssumeRolePolicyDocument: trust }))).Role
    ?.Arn as string;
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'replication',
      PolicyName: 'keys',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: KEY,
            Condition: {
              StringLike: {
                'kms:ViaService': 's3.us-east-1.amazonaws.com',
                'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::sales-us/*',
              },
            },
          },
          { Effect: 'Allow', Action: 'kms:Encrypt', Resource: OTHER_KEY },
        ],
      }),
    }),
  );
});

describe('IAM SimulatePrincipalPolicy on the emulator', () => {
  it('an inline Allow with StringLike conditions allows only with matching context values', async () => {
    expect(
      await decision({ ContextEntries: context('s3.us-east-1.amazonaws.com', 'arn:aws:s3:::sales-us/x') }),
    ).toEqual(['allowed']);
    expect(
      await decision({ ContextEntries: context('s3.eu-west-1.amazonaws.com', 'arn:aws:s3:::sales-us/x') }),
    ).toEqual(['implicitDeny']);
    expect(await decision({ ContextEntries: context('s3.us-east-1.amazonaws.com', 'arn:aws:s3:::other/x') })).toEqual([
      'implicitDeny',
    ]);
    const out = await iam.send(
      new SimulatePrincipalPolicyCommand({ PolicySourceArn: role, ActionNames: ['kms:Decrypt'], ResourceArns: [KEY] }),
    );
    expect(out.EvaluationResults?.[0]).toMatchObject({
      EvalActionName: 'kms:Decrypt',
      EvalResourceName: KEY,
      EvalDecision: 'implicitDeny',
    });
    expect(out.EvaluationResults?.[0]?.MissingContextValues).toEqual(expect.arrayContaining(['kms:ViaService']));
    expect(await decision({ ActionNames: ['kms:Encrypt'] })).toEqual(['implicitDeny']);
  });

  it('an attached managed policy counts; an explicit Deny wins over any Allow', async () => {
    const policy = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'all-kms',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }],
        }),
      }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'replication', PolicyArn: policy.Policy?.Arn }));
    expect(await decision({ ActionNames: ['kms:Encrypt', 'kms:Decrypt'] })).toEqual(['allowed', 'allowed']);
    const deny = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Principal: { AWS: role }, Action: 'kms:Decrypt', Resource: '*' }],
    });
    expect(await decision({ ResourcePolicy: deny })).toEqual(['explicitDeny']);
  });

  it('across accounts both the identity policy and the key policy must allow; the account root delegates', async () => {
    const owner = 'arn:aws:iam::210987654321:root';
    const sim = async (policy: object) =>
      (
        await iam.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: role,
            ActionNames: ['kms:Encrypt'],
            ResourceArns: [OTHER_KEY],
            ResourcePolicy: JSON.stringify(policy),
            ResourceOwner: owner,
          }),
        )
      ).EvaluationResults?.[0]?.EvalDecision;
    const ownRoot = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: owner }, Action: 'kms:*', Resource: '*' }],
    };
    expect(await sim(ownRoot)).toBe('implicitDeny');
    expect(
      await sim({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: role }, Action: 'kms:Encrypt', Resource: '*' }],
      }),
    ).toBe('allowed');
    expect(
      await sim({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
        ],
      }),
    ).toBe('allowed');
  });

  it('refuses an unknown principal (NoSuchEntity) and a condition operator it cannot evaluate', async () => {
    await expect(
      iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: `arn:aws:iam::${ACCOUNT}:role/none`,
          ActionNames: ['kms:Decrypt'],
        }),
      ),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    const odd = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: '*',
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
        },
      ],
    });
    await expect(
      iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: role,
          ActionNames: ['kms:Decrypt'],
          ResourcePolicy: odd,
        }),
      ),
    ).rejects.toMatchObject({ name: 'PolicyEvaluationException' });
  });
});
