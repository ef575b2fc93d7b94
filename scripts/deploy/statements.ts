import type { RuleMeta } from '../../shared/rules/contract';
import type { IamGrant } from '../../shared/rules/grants';
import { RULES } from '../../shared/rules/registry';
import { CONFIG_INVENTORY_GRANTS } from '../../shared/backfill/grants';
import { SECURITY_HUB_GRANTS } from '../../shared/securityhub/grants';
import { RDS_REENCRYPT_GRANTS } from '../../shared/workflows/rds-reencrypt/grants';

/** An IAM statement as CloudFormation takes it (strings with references are `Fn::Sub`). */
export interface CfnStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: unknown[];
  Condition?: Record<string, Record<string, unknown>>;
}

/**
 * Where the statements go. `central`: the stack's function roles; the deployment parameters are the policy's values
 * (scripts/iam-parameters.js) and `home` grants are kept. `member`: a member account's role, one per account for
 * every region: `home` grants dropped, `${CmkAlias}`/`${BatchRoleName}` left to the member template's parameters, a
 * resource's region widened to any region, and a region condition (ebs-default) held to the template's `Regions`.
 */
export type Target = { kind: 'central'; cmkAlias: string; batchRoleName: string } | { kind: 'member' };

/** The grants of these declarations, one per Sid: two declaring a Sid must declare the same statement. */
export const mergeGrants = (lists: readonly (readonly IamGrant[])[]): IamGrant[] => {
  const bySid = new Map<string, IamGrant>();
  for (const g of lists.flat()) {
    const seen = bySid.get(g.sid);
    if (!seen) bySid.set(g.sid, g);
    else if (JSON.stringify(seen) !== JSON.stringify(g))
      throw new Error(`two IAM grants named ${g.sid} differ: give one another Sid or declare them alike`);
  }
  return [...bySid.values()];
};

/** A string with CloudFormation references becomes Fn::Sub; a plain one stays. */
const cfn = (text: string, target: Target): unknown => {
  let s = text;
  if (target.kind === 'central')
    s = s.replace(/\$\{CmkAlias\}/g, target.cmkAlias).replace(/\$\{BatchRoleName\}/g, target.batchRoleName);
  return /\$\{[^}]+\}/.test(s) ? { 'Fn::Sub': s } : s;
};

const conditionValue = (v: string | readonly string[], target: Target): unknown => {
  if (target.kind === 'member' && v === '${AWS::Region}') return { Ref: 'Regions' };
  return typeof v === 'string' ? cfn(v, target) : v.map((x) => cfn(x, target));
};

export const toStatement = (g: IamGrant, target: Target): CfnStatement => ({
  Sid: g.sid,
  Effect: 'Allow',
  Action: [...g.actions],
  Resource: g.resources.map((r) => cfn(target.kind === 'member' ? r.replace(/\$\{AWS::Region\}/g, '*') : r, target)),
  ...(g.condition
    ? {
        Condition: Object.fromEntries(
          Object.entries(g.condition).map(([op, kv]) => [
            op,
            Object.fromEntries(Object.entries(kv).map(([k, v]) => [k, conditionValue(v, target)])),
          ]),
        ),
      }
    : {}),
});

const statementsOf = (grants: readonly IamGrant[], target: Target): CfnStatement[] =>
  grants.filter((g) => target.kind === 'central' || !g.home).map((g) => toStatement(g, target));

/** Every rule's grants (the registry's order), as the rules' statements of a role. */
export const ruleStatements = (target: Target, rules: readonly RuleMeta[] = RULES): CfnStatement[] =>
  statementsOf(mergeGrants(rules.map((r) => r.grants)), target);

/** The RDS re-encryption workflow's statements (shared/workflows/rds-reencrypt/grants.ts). */
export const workflowStatements = (target: Target): CfnStatement[] => statementsOf(RDS_REENCRYPT_GRANTS, target);

/** Security Hub findings in the resource's own account (shared/securityhub/grants.ts). */
export const findingsStatements = (target: Target): CfnStatement[] => statementsOf(SECURITY_HUB_GRANTS, target);

/** The sweep's AWS Config inventory (shared/backfill/grants.ts). */
export const sweepStatements = (target: Target): CfnStatement[] => statementsOf(CONFIG_INVENTORY_GRANTS, target);

/** What a member role holds: the rules', the workflow's, the findings' and the sweep's statements, never home ones. */
export const memberStatements = (): CfnStatement[] => {
  const member = { kind: 'member' } as const;
  return [
    ...ruleStatements(member),
    ...workflowStatements(member),
    ...findingsStatements(member),
    ...sweepStatements(member),
  ];
};
