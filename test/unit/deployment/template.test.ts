import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from '../../../shared/rules/registry';
import { TAMPER_TRIGGERS } from '../../../shared/tamper/tamper';
import { EXECUTION_STATUS_CHANGE, WATCHED_STATUSES } from '../../../shared/workflows/rds-reencrypt/ended';
import { RESOURCE_TYPES } from '../../../shared/rules/type-ids';
import { isRecheckEvent, RECHECK_EVENT } from '../../../shared/rules/redshift-cluster/recheck-event';
import { actionsOf, readServerlessYml, roleStatements, type Statement } from '../../../testbed/serverless-yml';
import { actionFacts } from '../../../testbed/iam-authorize';

const sls = readServerlessYml();
const onChange = sls.functions.onChange;
type Pattern = { source: string[]; 'detail-type': string[]; detail: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
type BridgeEvent = {
  eventBridge: { pattern?: Pattern; schedule?: string; input?: Record<string, unknown>; eventBus?: unknown };
};
// The account's own events (default bus); the organization bus carries the same patterns (tested below).
const patterns: Pattern[] = onChange.events.flatMap((e: BridgeEvent) =>
  e.eventBridge.pattern && !e.eventBridge.eventBus ? [e.eventBridge.pattern] : [],
);
const schedules = onChange.events.flatMap((e: BridgeEvent) => (e.eventBridge.schedule ? [e.eventBridge] : []));

// Actions the service itself needs, beyond what any rule declares.
const SERVICE_ACTIONS = new Set([
  'sns:Publish',
  'kms:GenerateDataKey',
  'kms:Decrypt',
  'sqs:SendMessage',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  // idempotency store (Powertools) and the append-only audit table
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  // Security Hub findings (shared/securityhub/), only on the stack's own product ARN
  'securityhub:BatchImportFindings',
  // member accounts, through their member role (shared/aws/clients.ts)
  'sts:AssumeRole',
  // accounts.organization: which accounts are covered (shared/accounts/directory.ts), list-only
  'organizations:ListAccounts',
  'organizations:ListAccountsForParent',
  'organizations:ListOrganizationalUnitsForParent',
]);

/**
 * Actions AWS requires alongside the declared ones (the Service Authorization Reference's dependent actions,
 * e.g. kms:RetireGrant for redshift:ModifyCluster): a role may hold them without a rule naming them.
 */
const dependentsOf = (actions: Iterable<string>): Set<string> =>
  new Set([...actions].flatMap((a) => actionFacts(a)?.resources.flatMap((r) => r.dependent) ?? []));

describe('serverless.yml', () => {
  it('uses a Lambda runtime AWS still accepts and pins the framework major', () => {
    expect(sls.provider.runtime).toMatch(/^nodejs(22|24)\.x$/);
    expect(sls.frameworkVersion).toBe('4');
  });

  it('the registry and the type list agree', () => {
    expect(RULES.map((r) => r.type).sort()).toEqual([...RESOURCE_TYPES].sort());
  });

  it('the one schedule is the Redshift snapshot-copy re-check, with the input the handler recognises', () => {
    expect(schedules).toEqual([expect.objectContaining({ schedule: 'rate(15 minutes)', input: RECHECK_EVENT })]);
    expect(isRecheckEvent(schedules[0]?.input)).toBe(true);
  });

  it("the CloudTrail patterns name exactly the rules' trigger events, and drop failed calls", () => {
    const fromRules = new Set([
      ...RULES.flatMap((r) => r.cloudTrail.flatMap((t) => t.eventNames.map((n) => `${t.eventSource} ${n}`))),
      ...TAMPER_TRIGGERS.flatMap((t) => t.eventNames.map((n) => `${t.eventSource} ${n}`)),
    ]);
    const fromYaml = new Set<string>();
    for (const p of patterns.filter((x) => x['detail-type'].includes('AWS API Call via CloudTrail'))) {
      expect(p.detail.errorCode).toEqual([{ exists: false }]);
      for (const src of p.detail.eventSource as string[])
        for (const n of p.detail.eventName as string[]) fromYaml.add(`${src} ${n}`);
    }
    expect([...fromYaml].sort()).toEqual([...fromRules].sort());
  });

  it("the Config patterns name exactly the rules' Config types", () => {
    const fromRules = RULES.flatMap((r) => r.configTypes).sort();
    const items = patterns.find((p) => p['detail-type'].includes('Config Configuration Item Change'));
    const compliance = patterns.find((p) => p['detail-type'].includes('Config Rules Compliance Change'));
    expect([...(items?.detail.configurationItem.resourceType ?? [])].sort()).toEqual(fromRules);
    expect([...(compliance?.detail.resourceType ?? [])].sort()).toEqual(fromRules);
  });

  it('the on-change function matches the same patterns on the organization bus (events forwarded by member stacks)', () => {
    const onOrgBus = onChange.events.flatMap((e: BridgeEvent) =>
      e.eventBridge.pattern && e.eventBridge.eventBus ? [e.eventBridge] : [],
    );
    expect(onOrgBus.map((e: BridgeEvent['eventBridge']) => e.eventBus)).toEqual(
      patterns.map(() => ({ Ref: 'OrgEventBus' })),
    );
    expect(onOrgBus.map((e: BridgeEvent['eventBridge']) => e.pattern)).toEqual(patterns);
    expect(sls.resources.Resources.OrgEventBus.Type).toBe('AWS::Events::EventBus');
  });

  it('the organization bus accepts PutEvents only from the organization the stack parameter names', () => {
    const r = sls.resources;
    const policy = r.Resources.OrgEventBusPolicy;
    expect(policy).toMatchObject({ Type: 'AWS::Events::EventBusPolicy', Condition: 'FromOrganization' });
    expect(policy.Properties.EventBusName).toEqual({ Ref: 'OrgEventBus' });
    expect(policy.Properties.Statement).toEqual({
      Effect: 'Allow',
      Principal: '*',
      Action: 'events:PutEvents',
      Resource: { 'Fn::GetAtt': ['OrgEventBus', 'Arn'] },
      Condition: { StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } } },
    });
    expect(r.Parameters.OrganizationId.AllowedPattern).toBe('^(o-[a-z0-9]{10,32})?$');
    expect(r.Conditions.FromOrganization).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'OrganizationId' }, ''] }] });
    expect(r.Outputs.OrgEventBusArn.Value).toEqual({ 'Fn::GetAtt': ['OrgEventBus', 'Arn'] });
  });

  it('every rule target has a retry policy and a dead-letter queue', () => {
    for (const e of onChange.events) {
      expect(e.eventBridge.retryPolicy.maximumRetryAttempts).toBeGreaterThan(0);
      expect(e.eventBridge.deadLetterQueueArn).toEqual({ 'Fn::GetAtt': ['OnChangeDlq', 'Arn'] });
    }
  });

  it("the on-change role grants every permission the rules declare; beyond them only the service's own and their dependent actions", () => {
    const statements = roleStatements(sls, onChange.role).filter((st) => st.Effect === 'Allow');
    const granted = new Set(statements.flatMap(actionsOf));
    const declared = new Set(
      RULES.flatMap((r) => [...r.permissions.read, ...r.permissions.remediate, ...r.permissions.quarantine]),
    );
    const dependents = dependentsOf(declared);
    expect([...declared].filter((a) => !granted.has(a))).toEqual([]);
    expect([...granted].filter((a) => !declared.has(a) && !SERVICE_ACTIONS.has(a) && !dependents.has(a))).toEqual([]);
  });

  it("the state-change patterns name exactly the rules' non-CloudTrail triggers", () => {
    const known = new Set([
      'AWS API Call via CloudTrail',
      'Config Configuration Item Change',
      'Config Rules Compliance Change',
    ]);
    const fromRules = RULES.flatMap((r) =>
      (r.stateChange ?? []).map((t) => `${t.source} ${t.detailType} ${[...(t.states ?? [])].sort().join(',')}`),
    ).sort();
    const fromYaml = patterns
      .filter((p) => !p['detail-type'].some((d) => known.has(d)))
      .flatMap((p) =>
        p.source.flatMap((src) =>
          p['detail-type'].map(
            (d) => `${src} ${d} ${[...((p.detail?.state as string[] | undefined) ?? [])].sort().join(',')}`,
          ),
        ),
      )
      .sort();
    expect(fromYaml).toEqual(fromRules);
  });

  it("the re-encryption workflow's unreported ends reach the step function, with retries and a dead-letter queue", () => {
    const step = sls.functions.workflowStep;
    expect(step.events).toHaveLength(1);
    const { pattern, retryPolicy, deadLetterQueueArn } = step.events[0].eventBridge;
    expect(pattern).toEqual({
      source: ['aws.states'],
      'detail-type': [EXECUTION_STATUS_CHANGE],
      detail: { stateMachineArn: [{ Ref: 'RdsReencryptStateMachine' }], status: [...WATCHED_STATUSES] },
    });
    expect(retryPolicy.maximumRetryAttempts).toBeGreaterThan(0);
    expect(deadLetterQueueArn).toEqual({ 'Fn::GetAtt': ['OnChangeDlq', 'Arn'] });
    // An alert that still fails after Lambda's retries is kept, not dropped.
    expect(step.maximumRetryAttempts).toBeGreaterThan(0);
    expect(step.destinations.onFailure).toEqual({ type: 'sqs', arn: { 'Fn::GetAtt': ['OnChangeDlq', 'Arn'] } });
    expect(
      roleStatements(sls, step.role)
        .filter((st) => st.Effect === 'Allow' && actionsOf(st).includes('sqs:SendMessage'))
        .map((st) => st.Resource),
    ).toEqual([{ 'Fn::GetAtt': ['OnChangeDlq', 'Arn'] }]);
  });

  it('the alert topic and the dead-letter queue are encrypted with a KMS key', () => {
    const r = sls.resources.Resources;
    expect(r.AlertTopic.Properties.KmsMasterKeyId).toEqual({ Ref: 'ServiceKey' });
    expect(r.OnChangeDlq.Properties.KmsMasterKeyId).toEqual({ Ref: 'ServiceKey' });
    expect(r.ServiceKey.Properties.EnableKeyRotation).toBe(true);
  });
});

// ---- Least privilege, checked generically: every role, every statement, every encrypted store ----

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Res = Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string }>;
const resources: Res = sls.resources.Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const roles = ofType('AWS::IAM::Role').map(([id]) => id);
const allows = (roleId: string): Statement[] => roleStatements(sls, roleId).filter((s) => s.Effect === 'Allow');
const resourcesOf = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
// kms:Decrypt reads data under a key; it changes nothing. kms:ReEncryptFrom is the same on the key data
// leaves (the key it moves to needs kms:ReEncryptTo, a write held to the CMK).
const READ = /^([a-z0-9-]+:(Get|List|Describe|Head|BatchGet|Query|Scan)|kms:Decrypt$|kms:ReEncryptFrom$)/;
// Actions AWS does not let you scope to a resource (checked against the service authorization reference).
const UNSCOPABLE = new Set<string>([
  'elasticmapreduce:CreateSecurityConfiguration',
  's3:CreateJob',
  // account settings of a region (ebs-default): no resource type exists for them
  'ec2:EnableEbsEncryptionByDefault',
  'ec2:ModifyEbsDefaultKmsKeyId',
  // the switchover approval: a task token is the scope; these actions have no resource type
  'states:SendTaskSuccess',
  'states:SendTaskFailure',
]);
const isKmsKeyArn = (r: unknown): boolean => {
  const getAtt = (r as { 'Fn::GetAtt'?: string[] })?.['Fn::GetAtt'];
  if (getAtt) return getAtt[1] === 'Arn' && resources[getAtt[0] as string]?.Type === 'AWS::KMS::Key';
  const text = typeof r === 'string' ? r : JSON.stringify(r);
  return /:kms:[^:]*:[^:]*:key\//.test(text) && !/key\/\*$/.test(text);
};

/** A key/* resource narrowed to the policy's CMKs by their alias is as tight as naming them (the ARNs differ per
 * region). */
const scopedToCmkAlias = (s: Statement): boolean =>
  JSON.stringify((s as { Condition?: unknown }).Condition ?? {}).includes('"kms:ResourceAliases"');
/** Or usable only through named AWS services on the caller's behalf (the old key of a re-key, objects' keys). */
const scopedToServices = (s: Statement): boolean =>
  JSON.stringify((s as { Condition?: unknown }).Condition ?? {}).includes('"kms:ViaService"');

/** Functions whose handler runs the rules (the registry through the pipeline): their role is held to the rules. */
const runsRules = (fn: { handler: string }): boolean => {
  const name = /\.build\/([^/]+)\//.exec(fn.handler)?.[1];
  const file = join(__dirname, '..', '..', '..', 'functions', name ?? '', 'handler.ts');
  return existsSync(file) && /processEvent|handleResource|RULES|evaluateAndAct/.test(readFileSync(file, 'utf8'));
};

describe('least privilege (every role in serverless.yml)', () => {
  const checked = { roles: 0, statements: 0, actions: 0 };
  afterAll(() =>
    console.info(
      `[figures] IAM: ${checked.roles} roles, ${checked.statements} statements, ${checked.actions} actions checked`,
    ),
  );

  it('every function has its own role from this template', () => {
    for (const fn of Object.values(sls.functions) as { role?: string }[]) expect(roles).toContain(fn.role);
  });

  it("a function that runs the rules holds every permission they declare; beyond them only the service's own, their dependents, and the stack's own resources", () => {
    const declared = new Set(
      RULES.flatMap((r) => [...r.permissions.read, ...r.permissions.remediate, ...r.permissions.quarantine]),
    );
    const runners = (Object.values(sls.functions) as { role: string; handler: string }[]).filter(runsRules);
    expect(runners.length).toBeGreaterThan(0);
    // Beyond the rules' permissions a role may only touch the stack's own resources (its tables, queues, topic,
    // bucket).
    const ownOnly = (st: Statement) =>
      resourcesOf(st).every((r) => {
        const text = JSON.stringify(r);
        return Object.keys(resources).some((id) => text.includes(`"${id}"`) || text.includes(`\${${id}`));
      });
    for (const fn of runners) {
      const statements = allows(fn.role);
      const granted = new Set(statements.flatMap(actionsOf));
      expect([...declared].filter((a) => !granted.has(a))).toEqual([]);
      const dependents = dependentsOf(declared);
      const extra = statements.filter(
        (st) =>
          actionsOf(st).some((a) => !declared.has(a) && !SERVICE_ACTIONS.has(a) && !dependents.has(a)) && !ownOnly(st),
      );
      expect(extra.map((st) => st.Sid ?? actionsOf(st).join(','))).toEqual([]);
    }
  });

  it('no Allow has Action "*" or "service:*"; no write action on Resource "*"; KMS writes only on key ARNs', () => {
    for (const roleId of roles) {
      checked.roles++;
      for (const s of allows(roleId)) {
        checked.statements++;
        for (const a of actionsOf(s)) {
          checked.actions++;
          expect(a).not.toBe('*');
          expect(a.endsWith(':*')).toBe(false);
          const write = !READ.test(a);
          if (write && resourcesOf(s).includes('*'))
            expect({ roleId, sid: s.Sid, action: a, scopable: !UNSCOPABLE.has(a) }).toEqual({
              roleId,
              sid: s.Sid,
              action: a,
              scopable: false,
            });
          if (write && a.startsWith('kms:'))
            for (const r of resourcesOf(s))
              expect({
                sid: s.Sid,
                action: a,
                keyArn: isKmsKeyArn(r) || scopedToCmkAlias(s) || scopedToServices(s),
              }).toEqual({ sid: s.Sid, action: a, keyArn: true });
        }
      }
    }
  });

  it('the audit table can be appended to and never rewritten by any role', () => {
    const audit = Object.keys(resources).find((id) => id === 'AuditTable');
    expect(audit).toBeDefined();
    const onAudit = (s: Statement) => resourcesOf(s).some((r) => JSON.stringify(r).includes('"AuditTable"'));
    for (const roleId of roles) {
      const granted = allows(roleId).filter(onAudit).flatMap(actionsOf);
      expect(
        granted.filter((a) =>
          /^dynamodb:(UpdateItem|DeleteItem|BatchWriteItem|PartiQL|DeleteTable|UpdateTable|\*)/.test(a),
        ),
      ).toEqual([]);
    }
    const denied = roleStatements(sls, 'OnChangeRole')
      .filter((s) => s.Effect === 'Deny' && onAudit(s))
      .flatMap(actionsOf);
    expect(denied).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:DeleteItem']));
    expect(resources.AuditTable?.DeletionPolicy).toBe('Retain');
    expect(resources.AuditTable?.Properties.PointInTimeRecoverySpecification).toEqual({
      PointInTimeRecoveryEnabled: true,
    });
  });

  it('only the service may publish to the alert topic', () => {
    for (const [, policy] of ofType('AWS::SNS::TopicPolicy').filter(
      ([, p]) => JSON.stringify(p.Properties.Topics) === JSON.stringify([{ Ref: 'AlertTopic' }]),
    )) {
      const statements = policy.Properties.PolicyDocument.Statement as (Statement & {
        Principal?: unknown;
        Condition?: Record<string, Record<string, unknown>>;
      })[];
      expect(statements.filter((s) => s.Effect === 'Allow' && JSON.stringify(s.Principal ?? '').includes('*'))).toEqual(
        [],
      );
      const guard = statements.find(
        (s) =>
          s.Effect === 'Deny' &&
          s.Principal === '*' &&
          actionsOf(s).includes('sns:Publish') &&
          s.Condition?.ArnNotEquals?.['aws:PrincipalArn'],
      );
      expect(guard).toBeDefined();
      const allowed = guard?.Condition?.ArnNotEquals?.['aws:PrincipalArn'] as { 'Fn::GetAtt': string[] }[];
      for (const a of allowed) expect(roles).toContain(a['Fn::GetAtt'][0]);
    }
  });

  it("every dead-letter queue has an alarm that reaches the operations topic, which only this stack's alarms may publish to", () => {
    const dlqs = ofType('AWS::SQS::Queue')
      .map(([id]) => id)
      .filter((id) => /Dlq$/.test(id));
    expect(dlqs.sort()).toEqual(['BackfillDlq', 'OnChangeDlq']);
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    for (const q of dlqs) {
      const alarm = alarms.find(
        (a) =>
          JSON.stringify(a.Dimensions) ===
          JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [q, 'QueueName'] } }]),
      );
      expect({ q, alarm }).toMatchObject({
        q,
        alarm: {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          AlarmActions: [{ Ref: 'OperationsTopic' }],
        },
      });
      expect(alarm?.AlarmName).toMatch(/^\$\{self:service\}-\$\{sls:stage\}-/);
    }
    const [, policy] =
      ofType('AWS::SNS::TopicPolicy').find(
        ([, p]) => JSON.stringify(p.Properties.Topics) === JSON.stringify([{ Ref: 'OperationsTopic' }]),
      ) ?? [];
    const statements = policy?.Properties.PolicyDocument.Statement as (Statement & {
      Principal?: unknown;
      Condition?: Record<string, Record<string, unknown>>;
    })[];
    expect(statements.filter((st) => st.Effect === 'Allow').map((st) => st.Principal)).toEqual([
      { Service: 'cloudwatch.amazonaws.com' },
    ]);
    expect(JSON.stringify(statements.find((st) => st.Effect === 'Allow')?.Condition)).toContain(
      ':alarm:${self:service}-${sls:stage}-*',
    );
    expect(
      statements.find((st) => st.Effect === 'Deny' && st.Principal === '*' && st.Condition?.StringNotEqualsIfExists)
        ?.Condition?.StringNotEqualsIfExists,
    ).toEqual({ 'aws:PrincipalServiceName': 'cloudwatch.amazonaws.com' });
    // CloudWatch must be able to use the key the topic is encrypted with.
    const keyStatements = resources.ServiceKey?.Properties.KeyPolicy.Statement as {
      Principal?: { Service?: string[] };
      Action: string[];
    }[];
    expect(
      keyStatements.some(
        (st) =>
          st.Principal?.Service?.includes('cloudwatch.amazonaws.com') && st.Action.includes('kms:GenerateDataKey'),
      ),
    ).toBe(true);
  });

  it('every queue, topic, table and bucket is encrypted with a KMS key; the idempotency table expires records', () => {
    const kms = (v: unknown) => v !== undefined && v !== null && v !== '' && !JSON.stringify(v).includes('alias/aws/');
    for (const [, q] of ofType('AWS::SQS::Queue')) expect(kms(q.Properties.KmsMasterKeyId)).toBe(true);
    for (const [, t] of ofType('AWS::SNS::Topic')) expect(kms(t.Properties.KmsMasterKeyId)).toBe(true);
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables.length).toBeGreaterThanOrEqual(2);
    for (const [, t] of tables) {
      expect(t.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
      expect(kms(t.Properties.SSESpecification.KMSMasterKeyId)).toBe(true);
    }
    for (const [, b] of ofType('AWS::S3::Bucket')) {
      const rule = b.Properties.BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault;
      expect(rule?.SSEAlgorithm).toMatch(/^aws:kms/);
      expect(kms(rule?.KMSMasterKeyID)).toBe(true);
    }
    expect(resources.IdempotencyTable?.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'expiration',
      Enabled: true,
    });
  });

  it('the daily waiver check runs on a schedule with its own role: logs, the alert topic and its key, nothing else', () => {
    const fn = sls.functions.waiverCheck as {
      role: string;
      handler: string;
      events: { schedule?: { rate: string } }[];
    };
    expect(fn.handler).toBe('.build/waiver-check/index.handler');
    expect(existsSync(join(__dirname, '..', '..', '..', 'functions', 'waiver-check', 'handler.ts'))).toBe(true);
    expect(fn.events.map((e) => e.schedule?.rate)).toEqual(['cron(0 7 * * ? *)']);
    expect(allows(fn.role).flatMap(actionsOf).sort()).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sns:Publish',
    ]);
    const publishers = JSON.stringify(resources.AlertTopicPolicy?.Properties);
    expect(publishers).toContain('WaiverCheckRole');
  });

  it("Security Hub imports only into the stack account's own product; the audit chain head is read, never updated", () => {
    for (const role of ['OnChangeRole', 'BackfillWorkerRole']) {
      const sh = allows(role).filter((st) => actionsOf(st).includes('securityhub:BatchImportFindings'));
      expect(sh).toHaveLength(1);
      expect(JSON.stringify(sh[0]?.Resource)).toContain(':product/${AWS::AccountId}/default');
    }
    expect(allows('OnChangeRole').find((st) => st.Sid === 'AuditAppend')).toMatchObject({
      Action: ['dynamodb:PutItem', 'dynamodb:GetItem'],
    });
  });
});
