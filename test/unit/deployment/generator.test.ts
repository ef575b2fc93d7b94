import type { RuleMeta } from '../../../shared/rules/contract';
import { CMK_GRANTS, KEY_LOOKUP } from '../../../shared/rules/grants';
import { mergeGrants, ruleStatements } from '../../../scripts/deploy/statements';
import { rulePatterns } from '../../../scripts/deploy/triggers';
import { spreadStatements } from '../../../scripts/deploy/member-stack';

/** The generator alone: a type added with its folder and registry line reaches the patterns and the roles. */
const newType: RuleMeta = {
  type: 'log-group',
  service: 'example',
  cloudTrail: [{ eventSource: 'example.amazonaws.com', eventNames: ['PutThing', 'DeleteThingKey'], ids: () => [] }],
  stateChange: [{ source: 'aws.example', detailType: 'Example Thing Change', states: ['CREATED'], ids: () => [] }],
  configTypes: ['AWS::Example::Thing'],
  permissions: { read: ['example:GetThing'], remediate: ['example:PutThing'], quarantine: [] },
  grants: [
    { sid: 'ExampleRead', actions: ['example:GetThing'], resources: ['*'] },
    {
      sid: 'ExampleWrite',
      actions: ['example:PutThing'],
      resources: ['arn:${AWS::Partition}:example:*:${AWS::AccountId}:thing/*'],
    },
    { sid: 'ExampleHome', actions: ['states:StartExecution'], resources: ['${RdsReencryptStateMachine}'], home: true },
    CMK_GRANTS,
    KEY_LOOKUP,
  ],
  doc: { compliant: 'on the CMK', remediate: 'PutThing', quarantine: 'tag', gates: [] },
  arn: (ref) => ref.id,
};
const central = { kind: 'central', cmkAlias: 'alias/x', batchRoleName: 'b' } as const;

describe('the deployment generator', () => {
  it("a rule's CloudTrail, service and Config triggers appear in the generated patterns", () => {
    expect(rulePatterns([newType])).toEqual([
      {
        source: ['aws.example'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['example.amazonaws.com'],
          eventName: ['PutThing', 'DeleteThingKey'],
          errorCode: [{ exists: false }],
        },
      },
      { source: ['aws.example'], 'detail-type': ['Example Thing Change'], detail: { state: ['CREATED'] } },
      {
        source: ['aws.config'],
        'detail-type': ['Config Configuration Item Change'],
        detail: { configurationItem: { resourceType: ['AWS::Example::Thing'] } },
      },
      {
        source: ['aws.config'],
        'detail-type': ['Config Rules Compliance Change'],
        detail: { resourceType: ['AWS::Example::Thing'] },
      },
    ]);
  });

  it('two rules naming one event source share one pattern: an event both want is delivered once', () => {
    const other = { ...newType, cloudTrail: [{ ...newType.cloudTrail[0]!, eventNames: ['PutThing', 'TagThing'] }] };
    const ct = rulePatterns([newType, other]).filter((p) => p['detail-type'][0] === 'AWS API Call via CloudTrail');
    expect(ct).toHaveLength(1);
    expect(ct[0]?.detail?.eventName).toEqual(['PutThing', 'DeleteThingKey', 'TagThing']);
  });

  it("a rule's grants become its function roles' statements, scoped, with the policy's alias; home grants only centrally", () => {
    const statements = ruleStatements(central, [newType]);
    expect(statements.map((s) => s.Sid)).toEqual([
      'ExampleRead',
      'ExampleWrite',
      'ExampleHome',
      'CmkGrants',
      'KeyLookup',
    ]);
    expect(statements[1]).toEqual({
      Sid: 'ExampleWrite',
      Effect: 'Allow',
      Action: ['example:PutThing'],
      Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:example:*:${AWS::AccountId}:thing/*' }],
    });
    expect(statements[3]?.Condition).toEqual({
      Bool: { 'kms:GrantIsForAWSResource': 'true' },
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/x' },
    });
    const member = ruleStatements({ kind: 'member' }, [newType]);
    expect(member.map((s) => s.Sid)).toEqual(['ExampleRead', 'ExampleWrite', 'CmkGrants', 'KeyLookup']);
    expect(member[2]?.Condition?.['ForAnyValue:StringEquals']).toEqual({
      'kms:ResourceAliases': { 'Fn::Sub': '${CmkAlias}' },
    });
  });

  it('a Sid shared by two rules must mean one statement', () => {
    expect(mergeGrants([[KEY_LOOKUP], [KEY_LOOKUP]])).toEqual([KEY_LOOKUP]);
    expect(() => mergeGrants([[KEY_LOOKUP], [{ ...KEY_LOOKUP, actions: ['kms:Decrypt'] }]])).toThrow(/KeyLookup/);
  });

  it('statements spread over exactly the managed policies the template names, each under the size limit', () => {
    const many = Array.from({ length: 9 }, (_, i) => ({
      Sid: `S${i}`,
      Effect: 'Allow' as const,
      Action: ['s3:GetObject'],
      Resource: ['x'.repeat(400)],
    }));
    const chunks = spreadStatements(many, 4, 2000);
    expect(chunks).toHaveLength(4);
    expect(chunks.flat()).toEqual(many);
    for (const c of chunks)
      expect(JSON.stringify({ Version: '2012-10-17', Statement: c }).length).toBeLessThanOrEqual(2000);
    expect(() => spreadStatements(many, 2, 2000)).toThrow(/need \d+ managed policies/);
  });
});
