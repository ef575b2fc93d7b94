import { RULES } from '../shared/rules/registry';
import { describeViolation, validateRequest } from './aws-model';
import { authorize, actionsForOperation, functionRoles, roleStatements, type Where } from './iam-authorize';
import { PACKAGE_REGION, packagedTemplate, type Template } from './packaged';
import type { FunctionKey, RecordedRequest } from './requests';

// Rule folders that hold more than one type's code: the permissions of all of them apply.
const FOLDER_TYPES: Record<string, string[]> = {
  'rds-snapshot': ['rds-snapshot', 'rds-cluster-snapshot'],
  'rds-database': ['rds-instance', 'rds-cluster'],
};
const declaredBy = (folder: string): Set<string> =>
  new Set(
    RULES.filter((x) => (FOLDER_TYPES[folder] ?? [folder]).includes(x.type)).flatMap((x) => [
      ...x.permissions.read,
      ...x.permissions.remediate,
      ...x.permissions.quarantine,
    ]),
  );

export const HOME_ACCOUNT = '123456789012';

/**
 * The problems AWS would have with the recorded requests: inputs its model refuses (every request, setup too:
 * a fixture AWS would refuse tests nothing), and requests of the production code the role of the function
 * that sent them does not authorize in the packaged template, or that its rule does not declare.
 */
export const checkRequests = (requests: readonly RecordedRequest[], packaged?: Template): string[] => {
  const problems = new Set<string>();
  for (const r of requests) {
    const violations = validateRequest(r.client, r.operation, r.input);
    if (r.invalidOnPurpose && r.as === 'setup') {
      if (violations.length === 0)
        problems.add(
          `model: ${r.client} ${r.operation} was sent as invalid on purpose but breaks no rule of the AWS model [sent by ${r.as}]`,
        );
      continue;
    }
    for (const v of violations) problems.add(`model: ${describeViolation(v)} [sent by ${r.as}]`);
  }
  const sent = requests.filter(
    (r): r is RecordedRequest & { as: FunctionKey } => r.as !== 'setup' && r.as !== 'operator',
  );
  if (sent.length === 0) return [...problems];
  const template = packaged ?? packagedTemplate();
  const roles = functionRoles(template);
  const statementsFor = new Map<string, ReturnType<typeof roleStatements>>();
  for (const r of sent) {
    const role = roles[r.as];
    if (!role) {
      problems.add(`iam: ${r.as} is not a function of the packaged template`);
      continue;
    }
    // Each region's stack handles that region's events; one backfill stack sweeps every region (README.md#backfill).
    const stackRegion = r.as === 'backfillWorker' || r.as === 'backfill' ? PACKAGE_REGION : r.scope.region;
    const key = `${role} ${stackRegion}`;
    let statements = statementsFor.get(key);
    if (!statements) {
      statements = roleStatements(template, role, { partition: 'aws', region: stackRegion, account: HOME_ACCOUNT });
      statementsFor.set(key, statements);
    }
    // A member account's requests run as its member role, which the README's trust and permissions describe.
    if (r.scope.account && r.scope.account !== HOME_ACCOUNT) continue;
    const w: Where = { partition: 'aws', region: r.scope.region, account: HOME_ACCOUNT };
    for (const refusal of authorize(statements, r.client, r.operation, r.input, w)) {
      problems.add(
        `iam: ${r.as} (${role}) ${r.client} ${r.operation} in ${r.scope.region}: ${refusal.action} on ${refusal.resource || '-'}: ${refusal.why}`,
      );
    }
    if (r.rule) {
      const declared = declaredBy(r.rule);
      // kms-key counts a key's users through the list/describe of every rule that resolves keys
      // (shared/rules/kms-key/usage.ts).
      if (r.rule === 'kms-key')
        for (const x of RULES.filter((y) => y.permissions.read.includes('kms:DescribeKey')))
          for (const a of x.permissions.read) declared.add(a);
      const missing = actionsForOperation(r.client, r.operation).filter((a) => !declared.has(a));
      if (missing.length > 0)
        problems.add(
          `declared: rule ${r.rule} sends ${r.client} ${r.operation} but does not declare ${missing.join(', ')} in its meta.ts permissions`,
        );
    }
  }
  return [...problems];
};
