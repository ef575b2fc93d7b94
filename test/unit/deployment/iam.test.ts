import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RULES } from '../../../shared/rules/registry';
import {
  DOCUMENTED_ACTIONS,
  clientOfPrefix,
  REFERENCE,
  actionFacts,
  actionsForOperation,
  authorize,
  functionRoles,
  globMatch,
  resolveValue,
  roleStatements,
  type ResolvedStatement,
  type Where,
} from '../../../testbed/iam-authorize';
import { operationsInFile } from '../../support/code-operations';
import { importGraph, RULE_SERVICE_CODE } from '../../support/import-graph';
import { PACKAGE_REGION, packagedPolicy, packagedTemplate } from '../../../testbed/packaged';

/**
 * The roles `serverless package` produces, held to the AWS Service Authorization Reference
 * (test/fixtures/iam/service-authorization.json) and to the code: what each rule sends is what it declares,
 * and what it declares its functions' roles grant, on the resource types AWS checks. Conditions are checked
 * where a defect lived (KMS alias / ViaService scoping, PassRole, AssumeRole targets); the rest of the
 * evaluation is the request-level check every integration suite runs (test/support/request-checks.ts).
 */
const root = join(__dirname, '..', '..', '..');
const template = packagedTemplate();
const roles = functionRoles(template);
const ACCOUNT = '123456789012';
const at = (region: string): Where => ({ partition: 'aws', region, account: ACCOUNT });
const allRoles = Object.entries(template.Resources)
  .filter(([, r]) => r.Type === 'AWS::IAM::Role')
  .map(([id]) => id);
const statementsOf = (role: string, region = PACKAGE_REGION): ResolvedStatement[] =>
  roleStatements(template, role, at(region));
const declaredOf = (types: readonly string[]) =>
  new Set(
    RULES.filter((r) => types.includes(r.type)).flatMap((r) => [
      ...r.permissions.read,
      ...r.permissions.remediate,
      ...r.permissions.quarantine,
    ]),
  );
const checked = { roles: 0, statements: 0, actions: 0, resourcePatterns: 0, operations: 0 };

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : p.endsWith('.ts') ? [p] : [];
  });

// A rule's code: its folder, and the service modules it imports (shared/aws, shared/emr, shared/tls, shared/kms/key-
// access), followed transitively: a call moved out of the folder still counts against the rule's permissions.
// The client factory's AssumeRole into member accounts is the function's, granted by its role, not a rule's call.
const CORE = new Set(['shared/aws/clients.ts']);
const rulesGraph = importGraph(root, ['shared']);
const ruleCode = (folder: string): string[] => {
  const seen = new Set(filesUnder(join(root, 'shared', 'rules', folder)).map((f) => relative(root, f)));
  const queue = [...seen];
  while (queue.length) {
    for (const t of rulesGraph.get(queue.pop() as string) ?? [])
      if (RULE_SERVICE_CODE.test(t) && !CORE.has(t) && !seen.has(t)) {
        seen.add(t);
        queue.push(t);
      }
  }
  return [...seen].map((f) => join(root, f));
};

// Folders that hold more than one type's code.
const FOLDER_TYPES: Record<string, string[]> = {
  'rds-snapshot': ['rds-snapshot', 'rds-cluster-snapshot'],
  'rds-database': ['rds-instance', 'rds-cluster'],
};
// Code in a rule folder that the rule's event path never runs, and whose permissions are the sweep's own statements.
const SWEEP_ONLY = new Set(['shared/rules/s3-bucket/objects.ts']);

afterAll(() =>
  console.info(
    `[figures] IAM (packaged template): ${checked.roles} roles, ${checked.statements} statements, ${checked.actions} actions, ${checked.resourcePatterns} resource patterns checked against the Service Authorization Reference; ${checked.operations} operations in the rules' code mapped to actions`,
  ),
);

describe('the packaged roles against the Service Authorization Reference', () => {
  it('every action of every role (policies and trust policies) exists in the reference, or is a documented newer one', () => {
    const unknown: string[] = [];
    for (const role of allRoles) {
      checked.roles++;
      const trust = resolveValue(
        template,
        template.Resources[role]?.Properties.AssumeRolePolicyDocument,
        at(PACKAGE_REGION),
      ) as { Statement: { Action: string | string[] }[] };
      const trustActions = trust.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
      for (const s of statementsOf(role)) {
        checked.statements++;
        checked.resourcePatterns += s.Resource.length;
        for (const a of [...s.Action]) {
          checked.actions++;
          if (!actionFacts(a) && !DOCUMENTED_ACTIONS[a]) unknown.push(`${role} ${s.Sid ?? ''} ${a}`);
        }
      }
      for (const a of trustActions) if (!actionFacts(a)) unknown.push(`${role} trust ${a}`);
    }
    expect(unknown).toEqual([]);
  });

  it('every permission a rule declares exists, and the on-change and backfill-worker roles grant it on a resource of a type AWS checks, in every region of a sweep', () => {
    const missing: string[] = [];
    for (const fn of ['onChange', 'backfillWorker']) {
      // One backfill stack sweeps every region of the policy (README.md#backfill): its writes must reach eu-west-1 too.
      for (const region of fn === 'backfillWorker' ? [PACKAGE_REGION, 'eu-west-1'] : [PACKAGE_REGION]) {
        const statements = roleStatements(template, roles[fn] as string, at(PACKAGE_REGION));
        for (const rule of RULES) {
          for (const action of [
            ...rule.permissions.read,
            ...rule.permissions.remediate,
            ...rule.permissions.quarantine,
          ]) {
            const facts = actionFacts(action);
            if (!facts) {
              missing.push(`${rule.type} declares ${action}: not in the reference`);
              continue;
            }
            const [prefix, name] = action.split(':') as [string, string];
            // The workflow is started on the stack's own state machine (sfn-starter.ts: the region of its ARN).
            const where = prefix === 'states' ? PACKAGE_REGION : region;
            const refusals = authorize(statements, clientOfPrefix(prefix), facts.apis[0] ?? name, {}, at(where), {
              anyRequiredType: true,
            }).filter((r) => r.action === action);
            for (const r of refusals) missing.push(`${fn} in ${region}: ${rule.type} ${action}: ${r.why}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("every operation in a rule's code maps to actions the rule declares (a new call without its permission fails here)", () => {
    const undeclared: string[] = [];
    for (const folder of readdirSync(join(root, 'shared', 'rules')).filter((f) =>
      statSync(join(root, 'shared', 'rules', f)).isDirectory(),
    )) {
      const types = FOLDER_TYPES[folder] ?? [folder];
      const declared = declaredOf(types);
      // kms-key counts a key's users through the list/describe of every rule that resolves keys (kms-key/usage.ts).
      if (folder === 'kms-key')
        for (const r of RULES.filter((x) => x.permissions.read.includes('kms:DescribeKey')))
          for (const a of r.permissions.read) declared.add(a);
      for (const file of ruleCode(folder)) {
        for (const op of operationsInFile(file)) {
          if (SWEEP_ONLY.has(op.file)) continue;
          checked.operations++;
          const actions = actionsForOperation(op.client, op.operation);
          if (actions.length === 0) undeclared.push(`${op.file}: ${op.client} ${op.operation} maps to no IAM action`);
          for (const a of actions)
            if (!declared.has(a))
              undeclared.push(
                `${op.file}: ${op.client} ${op.operation} needs ${a}, which ${types.join('/')} does not declare`,
              );
        }
      }
    }
    expect(undeclared).toEqual([]);
  });

  it("every operation of the re-encryption workflow's steps is granted to the workflow-step role", () => {
    const statements = statementsOf(roles.workflowStep as string);
    const refused: string[] = [];
    for (const file of filesUnder(join(root, 'shared', 'workflows', 'rds-reencrypt'))) {
      for (const op of operationsInFile(file)) {
        checked.operations++;
        for (const r of authorize(statements, op.client, op.operation, {}, at(PACKAGE_REGION), {
          anyRequiredType: true,
        }))
          refused.push(`${op.file}: ${op.operation}: ${r.action} ${r.why}`);
      }
    }
    expect(refused).toEqual([]);
  });
});

describe('the defects issue 11 found, each held by a test', () => {
  const grantsOn = (role: string, action: string, resource: string, region = PACKAGE_REGION) =>
    statementsOf(role, region).filter(
      (s) =>
        s.Effect === 'Allow' &&
        s.Action.some((a) => globMatch(a, action, true)) &&
        s.Resource.some((r) => globMatch(r, resource)),
    );

  it("every function that reaches member accounts may assume the policy's member role (and only it)", () => {
    const policy = packagedPolicy('on-change').document as { accounts?: { roleName?: string } };
    const memberRole = `arn:aws:iam::210987654321:role/${policy.accounts?.roleName ?? 'cmk-sentinel-member'}`;
    for (const fn of ['onChange', 'backfillWorker', 'workflowStep']) {
      const role = roles[fn] as string;
      expect({ fn, assumes: grantsOn(role, 'sts:AssumeRole', memberRole).length > 0 }).toEqual({ fn, assumes: true });
      expect({ fn, other: grantsOn(role, 'sts:AssumeRole', 'arn:aws:iam::210987654321:role/Admin').length }).toEqual({
        fn,
        other: 0,
      });
    }
  });

  it('DeleteDBCluster with a final snapshot is granted on the cluster and on the cluster-snapshot', () => {
    const role = roles.workflowStep as string;
    expect(
      grantsOn(role, 'rds:DeleteDBCluster', `arn:aws:rds:${PACKAGE_REGION}:${ACCOUNT}:cluster:db-pre-cmk`),
    ).not.toHaveLength(0);
    expect(
      grantsOn(
        role,
        'rds:DeleteDBCluster',
        `arn:aws:rds:${PACKAGE_REGION}:${ACCOUNT}:cluster-snapshot:db-pre-cmk-final`,
      ),
    ).not.toHaveLength(0);
    expect(REFERENCE.services.rds?.actions.DeleteDBCluster?.resources.flatMap((r) => r.types)).toEqual(
      expect.arrayContaining(['cluster*', 'cluster-snapshot*']),
    );
  });

  it('the backfill worker writes in every region of the policy from one stack, and starts the RDS workflow', () => {
    const policy = packagedPolicy('backfill-worker').document as { regions: string[] };
    const role = roles.backfillWorker as string;
    for (const region of policy.regions) {
      for (const [action, arn] of [
        ['rds:AddTagsToResource', `arn:aws:rds:${region}:${ACCOUNT}:db:x`],
        ['rds:CopyDBSnapshot', `arn:aws:rds:${region}:${ACCOUNT}:snapshot:x`],
        ['redshift:ModifyCluster', `arn:aws:redshift:${region}:${ACCOUNT}:cluster:x`],
        ['kms:CreateGrant', `arn:aws:kms:${region}:${ACCOUNT}:key/k`],
        ['elasticmapreduce:AddTags', `arn:aws:elasticmapreduce:${region}:${ACCOUNT}:cluster/j-1`],
      ] as const)
        expect({ region, action, granted: grantsOn(role, action, arn).length > 0 }).toEqual({
          region,
          action,
          granted: true,
        });
    }
    const fn = template.Resources.BackfillWorkerLambdaFunction?.Properties;
    expect(fn?.Environment.Variables.RDS_REENCRYPT_STATE_MACHINE_ARN).toEqual({ Ref: 'RdsReencryptStateMachine' });
    expect(
      grantsOn(
        role,
        'states:StartExecution',
        `arn:aws:states:${PACKAGE_REGION}:${ACCOUNT}:stateMachine:cmk-sentinel-ci-rds-reencrypt`,
      ),
    ).not.toHaveLength(0);
  });

  it("iam:PassRole for Batch Operations names the policy's batch role, passed to S3 Batch Operations only", () => {
    const policy = packagedPolicy('backfill-worker').document as { objects?: { batchRoleName?: string } };
    const name = policy.objects?.batchRoleName ?? 'cmk-sentinel-batch';
    const passes = grantsOn(
      roles.backfillWorker as string,
      'iam:PassRole',
      `arn:aws:iam::${ACCOUNT}:role/${name}`,
    ).filter((s) => JSON.stringify(s.Condition ?? {}).includes('batchoperations.s3.amazonaws.com'));
    expect(passes).toHaveLength(1);
  });

  it("the KMS alias every KMS write is scoped to is the policy's cmk.alias (one source), and the build refuses a policy without one", () => {
    const policy = packagedPolicy('on-change').document as {
      cmk: { alias?: string };
    };
    const aliases = new Set<string>();
    for (const role of allRoles)
      for (const s of statementsOf(role)) {
        const v = s.Condition?.['ForAnyValue:StringEquals']?.['kms:ResourceAliases'];
        for (const a of v === undefined ? [] : Array.isArray(v) ? v : [v]) aliases.add(String(a));
      }
    expect([...aliases]).toEqual([policy.cmk.alias]);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { iamParameters } = require('../../../scripts/iam-parameters.js') as {
      iamParameters: (doc: unknown) => Record<string, string>;
    };
    expect(
      iamParameters({ cmk: { alias: 'alias/x' }, accounts: { roleName: 'm' }, objects: { batchRoleName: 'b' } }),
    ).toEqual({ cmkAlias: 'alias/x', memberRoleName: 'm', batchRoleName: 'b' });
    expect(() => iamParameters({ cmk: { keys: { 'us-east-1': 'arn:aws:kms:us-east-1:1:key/k' } } })).toThrow(
      /cmk.alias/,
    );
  });

  it('no ARN in any role hard-codes the partition', () => {
    const hard: string[] = [];
    for (const role of allRoles) {
      const text = JSON.stringify(template.Resources[role]?.Properties.Policies ?? []);
      for (const m of text.matchAll(/"arn:aws[a-z-]*:[^"]*"/g)) hard.push(`${role}: ${m[0]}`);
    }
    expect(hard).toEqual([]);
  });

  it("re-keying away from another customer-managed key: CreateGrant, DescribeKey (and Redshift's Decrypt, GenerateDataKey, RetireGrant) on any key of the account, only through RDS/Redshift", () => {
    const oldKey = `arn:aws:kms:${PACKAGE_REGION}:${ACCOUNT}:key/old`;
    for (const [fn, services] of [
      ['onChange', ['rds', 'redshift']],
      ['backfillWorker', ['rds', 'redshift']],
      ['workflowStep', ['rds']],
    ] as const) {
      for (const action of [
        'kms:CreateGrant',
        'kms:DescribeKey',
        ...(services.includes('redshift' as never) ? ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:RetireGrant'] : []),
      ]) {
        const onOldKey = grantsOn(roles[fn] as string, action, oldKey).filter(
          (s) => !JSON.stringify(s.Condition ?? {}).includes('kms:ResourceAliases'),
        );
        expect({ fn, action, granted: onOldKey.length > 0 }).toEqual({ fn, action, granted: true });
        if (action === 'kms:DescribeKey') continue;
        // Scoped to the services: a write on a non-CMK key only as a service's use on the caller's behalf (RDS,
        // Redshift; S3 for the objects' old keys).
        const through = new Set<string>();
        for (const s of onOldKey) {
          const v = s.Condition?.StringLike?.['kms:ViaService'] as string | string[] | undefined;
          expect({ fn, sid: s.Sid, viaService: v !== undefined }).toEqual({ fn, sid: s.Sid, viaService: true });
          for (const x of [v ?? []].flat()) through.add(x);
        }
        const expected = action === 'kms:CreateGrant' ? services : services.filter((x) => x === 'redshift');
        for (const svc of expected)
          expect({ fn, action, through: [...through] }).toEqual({
            fn,
            action,
            through: expect.arrayContaining([`${svc}.*.amazonaws.com`]),
          });
        expect(
          [...through].filter((x) => !['rds', 'redshift', 's3'].some((svc) => x === `${svc}.*.amazonaws.com`)),
        ).toEqual([]);
      }
    }
  });
});
