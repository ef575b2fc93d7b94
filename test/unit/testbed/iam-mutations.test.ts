import { validateRequest } from '../../../testbed/aws-model';
import { actionFacts, functionRoles, globMatch, roleStatements } from '../../../testbed/iam-authorize';
import { withoutPath, withValue } from '../../support/mutate';
import { packagedTemplate, type Template } from '../../../testbed/packaged';
import { checkRequests } from '../../../testbed/request-audit';
import type { RecordedRequest } from '../../../testbed/requests';

/**
 * The "done" mutations of issue 11, made in memory on the packaged template and on recorded requests:
 * each must turn a check red. (They were also made by hand in serverless.yml and the rules' code; see
 * the branch's report.)
 */
const template = packagedTemplate();
const R = 'us-east-1';
const W = { partition: 'aws', region: R, account: '123456789012' };
const request = (over: Partial<RecordedRequest>): RecordedRequest => ({
  client: 'S3Client',
  operation: 'PutBucketEncryption',
  scope: { region: R },
  as: 'onChange',
  rule: 's3-bucket',
  input: {
    Bucket: 'b',
    ServerSideEncryptionConfiguration: {
      Rules: [
        {
          ApplyServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: `arn:aws:kms:${R}:123456789012:key/k`,
          },
          BucketKeyEnabled: true,
        },
      ],
    },
  },
  ...over,
});

/** The template with every occurrence of `from` in one role's policies replaced by `to` (a misspelling, a dropped
 * action). */
const mutateRole = (
  t: Template,
  role: string,
  edit: (statements: { Sid?: string; Action: string | string[] }[]) => void,
): Template => {
  const copy = structuredClone(t);
  type Doc = { PolicyDocument: { Statement: { Sid?: string; Action: string | string[] }[] } };
  const props = copy.Resources[role]?.Properties;
  const policies = (props?.Policies ?? []) as Doc[];
  // The template's managed policies the role attaches (the generated rule policies), edited in this copy.
  const managed = ((props?.ManagedPolicyArns ?? []) as { Ref: string }[]).map(
    (r) => copy.Resources[r.Ref]?.Properties as Doc,
  );
  for (const p of [...policies, ...managed]) edit(p.PolicyDocument.Statement);
  return copy;
};
const allActions = (t: Template) =>
  Object.entries(t.Resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Role')
    .flatMap(([id]) => roleStatements(t, id, W).flatMap((s) => s.Action));

describe('mutations the IAM and model checks must catch', () => {
  it('the unmutated template and a correct request pass', () => {
    expect(allActions(template).filter((a) => !actionFacts(a))).toEqual([]);
    expect(checkRequests([request({})], template)).toEqual([]);
  });

  it('an action name misspelled in a role is unknown to the reference, and the request it authorized is refused', () => {
    const bad = mutateRole(template, 'OnChangeRole', (sts) => {
      for (const s of sts)
        if (Array.isArray(s.Action))
          s.Action = s.Action.map((a) => (a === 's3:PutEncryptionConfiguration' ? 's3:PutBucketEncryption' : a));
    });
    expect(allActions(bad).filter((a) => !actionFacts(a))).toContain('s3:PutBucketEncryption');
    expect(checkRequests([request({})], bad).join('\n')).toMatch(
      /OnChangeRole.*PutBucketEncryption.*s3:PutEncryptionConfiguration.*no Allow/,
    );
  });

  it('sts:AssumeRole dropped from a role that reaches member accounts: its AssumeRole request is refused', () => {
    const assume = request({
      client: 'STSClient',
      operation: 'AssumeRole',
      rule: undefined,
      input: { RoleArn: 'arn:aws:iam::210987654321:role/cmk-sentinel-member', RoleSessionName: 'cmk-sentinel' },
    });
    expect(checkRequests([assume], template)).toEqual([]);
    for (const role of ['OnChangeRole', 'WorkflowStepRole', 'BackfillWorkerRole']) {
      const fn = Object.entries(functionRoles(template)).find(([, r]) => r === role)?.[0] as RecordedRequest['as'];
      const bad = mutateRole(template, role, (sts) => {
        for (const s of sts) if (Array.isArray(s.Action)) s.Action = s.Action.filter((a) => a !== 'sts:AssumeRole');
      });
      expect(roleStatements(bad, role, W).some((s) => s.Action.some((a) => globMatch(a, 'sts:AssumeRole')))).toBe(
        false,
      );
      expect({
        role,
        refused: checkRequests([{ ...assume, as: fn }], bad).some((p) => p.includes('sts:AssumeRole')),
      }).toEqual({ role, refused: true });
    }
  });

  it('a rule sending an operation its role does not grant (and it does not declare) fails', () => {
    const problems = checkRequests(
      [request({ operation: 'GetBucketLifecycleConfiguration', input: { Bucket: 'b' } })],
      template,
    );
    expect(problems.join('\n')).toMatch(/OnChangeRole.*s3:GetLifecycleConfiguration.*no Allow/);
    expect(problems.join('\n')).toMatch(/declared: rule s3-bucket .* s3:GetLifecycleConfiguration/);
  });

  it('a required request member removed, or a value AWS refuses, is named with its rule', () => {
    const input = request({}).input;
    const without = withoutPath(input, [
      'ServerSideEncryptionConfiguration',
      'Rules',
      0,
      'ApplyServerSideEncryptionByDefault',
      'SSEAlgorithm',
    ]);
    expect(validateRequest('S3Client', 'PutBucketEncryption', without).map((v) => `${v.member} ${v.rule}`)).toEqual([
      'ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm required',
    ]);
    expect(
      validateRequest('S3Client', 'PutBucketEncryption', withoutPath(input, ['Bucket'])).map(
        (v) => `${v.member} ${v.rule}`,
      ),
    ).toEqual(['Bucket required']);
    const wrongEnum = withValue(
      input,
      ['ServerSideEncryptionConfiguration', 'Rules', 0, 'ApplyServerSideEncryptionByDefault', 'SSEAlgorithm'],
      'kms',
    );
    expect(checkRequests([request({ input: wrongEnum })], template).join('\n')).toMatch(
      /model: .*SSEAlgorithm breaks enum/,
    );
  });
});
