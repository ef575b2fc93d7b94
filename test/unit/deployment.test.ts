import { RULES } from '../../shared/rules/registry';
import { RESOURCE_TYPES } from '../../shared/rules/type-ids';
import { actionsOf, readServerlessYml, roleStatements } from '../support/serverless-yml';

const sls = readServerlessYml();
const onChange = sls.functions.onChange;
type Pattern = { source: string[]; 'detail-type': string[]; detail: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
const patterns: Pattern[] = onChange.events.map((e: { eventBridge: { pattern: Pattern } }) => e.eventBridge.pattern);

// Actions the service itself needs, beyond what any rule declares.
const SERVICE_ACTIONS = new Set(['sns:Publish', 'kms:GenerateDataKey', 'kms:Decrypt', 'sqs:SendMessage', 'logs:CreateLogStream', 'logs:PutLogEvents']);

describe('serverless.yml', () => {
  it('uses a Lambda runtime AWS still accepts and pins the framework major', () => {
    expect(sls.provider.runtime).toMatch(/^nodejs(22|24)\.x$/);
    expect(sls.frameworkVersion).toBe('4');
  });

  it('the registry and the type list agree', () => {
    expect(RULES.map((r) => r.type).sort()).toEqual([...RESOURCE_TYPES].sort());
  });

  it('the CloudTrail patterns name exactly the rules\' trigger events, and drop failed calls', () => {
    const fromRules = new Set(RULES.flatMap((r) => r.cloudTrail.flatMap((t) => t.eventNames.map((n) => `${t.eventSource} ${n}`))));
    const fromYaml = new Set<string>();
    for (const p of patterns.filter((x) => x['detail-type'].includes('AWS API Call via CloudTrail'))) {
      expect(p.detail.errorCode).toEqual([{ exists: false }]);
      for (const src of p.detail.eventSource as string[]) for (const n of p.detail.eventName as string[]) fromYaml.add(`${src} ${n}`);
    }
    expect([...fromYaml].sort()).toEqual([...fromRules].sort());
  });

  it('the Config patterns name exactly the rules\' Config types', () => {
    const fromRules = RULES.flatMap((r) => r.configTypes).sort();
    const items = patterns.find((p) => p['detail-type'].includes('Config Configuration Item Change'));
    const compliance = patterns.find((p) => p['detail-type'].includes('Config Rules Compliance Change'));
    expect([...(items?.detail.configurationItem.resourceType ?? [])].sort()).toEqual(fromRules);
    expect([...(compliance?.detail.resourceType ?? [])].sort()).toEqual(fromRules);
  });

  it('every rule target has a retry policy and a dead-letter queue', () => {
    for (const e of onChange.events) {
      expect(e.eventBridge.retryPolicy.maximumRetryAttempts).toBeGreaterThan(0);
      expect(e.eventBridge.deadLetterQueueArn).toEqual({ 'Fn::GetAtt': ['OnChangeDlq', 'Arn'] });
    }
  });

  it('the on-change role grants every permission the rules declare, and nothing else', () => {
    const statements = roleStatements(sls, onChange.role);
    const granted = new Set(statements.flatMap(actionsOf));
    const declared = new Set(RULES.flatMap((r) => [...r.permissions.read, ...r.permissions.remediate, ...r.permissions.quarantine]));
    expect([...declared].filter((a) => !granted.has(a))).toEqual([]);
    expect([...granted].filter((a) => !declared.has(a) && !SERVICE_ACTIONS.has(a))).toEqual([]);
  });

  it('the state-change patterns name exactly the rules\' non-CloudTrail triggers', () => {
    const known = new Set(['AWS API Call via CloudTrail', 'Config Configuration Item Change', 'Config Rules Compliance Change']);
    const fromRules = RULES.flatMap((r) => (r.stateChange ?? []).map((t) => `${t.source} ${t.detailType} ${[...(t.states ?? [])].sort().join(',')}`)).sort();
    const fromYaml = patterns.filter((p) => !p['detail-type'].some((d) => known.has(d)))
      .flatMap((p) => p.source.flatMap((src) => p['detail-type'].map((d) => `${src} ${d} ${[...((p.detail?.state as string[] | undefined) ?? [])].sort().join(',')}`))).sort();
    expect(fromYaml).toEqual(fromRules);
  });

  it('no statement allows every action, and no write action is on every resource', () => {
    const isWrite = (a: string) => !/^[a-z0-9-]+:(Get|List|Describe)/.test(a);
    // Actions the service authorization reference gives no resource type: grantable only on '*'.
    const UNSCOPABLE = new Set(['elasticmapreduce:CreateSecurityConfiguration']);
    for (const s of roleStatements(sls, onChange.role)) {
      expect(actionsOf(s)).not.toContain('*');
      for (const a of actionsOf(s)) expect(a.endsWith(':*')).toBe(false);
      if (s.Resource === '*') expect(actionsOf(s).filter((a) => isWrite(a) && !UNSCOPABLE.has(a))).toEqual([]);
    }
  });

  it('the alert topic and the dead-letter queue are encrypted with a KMS key', () => {
    const r = sls.resources.Resources;
    expect(r.AlertTopic.Properties.KmsMasterKeyId).toEqual({ Ref: 'ServiceKey' });
    expect(r.OnChangeDlq.Properties.KmsMasterKeyId).toEqual({ Ref: 'ServiceKey' });
    expect(r.ServiceKey.Properties.EnableKeyRotation).toBe(true);
  });
});
