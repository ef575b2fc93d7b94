import { join } from 'node:path';
import { loadPolicyFile } from '../../../shared/policy/policy';
import { RULES } from '../../../shared/rules/registry';
import { MANAGED_POLICY_LIMIT, MEMBER_ROLE_USERS } from '../../../scripts/deploy/member-stack';
import { memberStack } from '../../../scripts/deploy/write';
import { onChangePatterns } from '../../../scripts/deploy/triggers';
import { CONFIG_INVENTORY_GRANTS } from '../../../shared/backfill/grants';
import { SECURITY_HUB_GRANTS } from '../../../shared/securityhub/grants';
import { RDS_REENCRYPT_GRANTS } from '../../../shared/workflows/rds-reencrypt/grants';
import {
  actionFacts,
  authorize,
  clientOfPrefix,
  functionRoles,
  globMatch,
  roleStatements,
  type Where,
} from '../../../testbed/iam-authorize';
import { PACKAGE_REGION, packagedTemplate, type Template } from '../../../testbed/packaged';

/**
 * The member-account stack (.build/deploy/member-stack.json), held as the central stack is: its role statically
 * authorized for every permission a rule declares, in a member account and in every region of the policy.
 */
const root = join(__dirname, '..', '..', '..');
const doc = loadPolicyFile(join(root, 'policy.yaml')).doc;
const template = memberStack(doc) as unknown as Template & {
  Parameters: Record<string, { Default?: string }>;
  Outputs: Record<string, unknown>;
};
const R = template.Resources;
const MEMBER = '210987654321';
const CENTRAL = '111122223333';
const at = (region: string): Where => ({ partition: 'aws', region, account: MEMBER });

describe('the member-account template', () => {
  it("the member role holds every permission the rules declare, on the member's resources, in every region of the policy", () => {
    const missing: string[] = [];
    for (const region of doc.regions ?? [PACKAGE_REGION]) {
      const statements = roleStatements(template, 'MemberRole', at(region));
      for (const rule of RULES)
        for (const action of [
          ...rule.permissions.read,
          ...rule.permissions.remediate,
          ...rule.permissions.quarantine,
        ]) {
          const [prefix, name] = action.split(':') as [string, string];
          // The workflow runs in the central account's state machine, with the central role (not the member's).
          if (prefix === 'states') continue;
          const facts = actionFacts(action);
          if (!facts) {
            missing.push(`${rule.type} declares ${action}: not in the reference`);
            continue;
          }
          for (const r of authorize(statements, clientOfPrefix(prefix), facts.apis[0] ?? name, {}, at(region), {
            anyRequiredType: true,
          }).filter((x) => x.action === action))
            missing.push(`${region}: ${rule.type} ${action}: ${r.why}`);
        }
    }
    expect(missing).toEqual([]);
  });

  it("holds exactly the rules', the workflow's, the findings' and the sweep's grants, none naming the central stack's resources", () => {
    const statements = roleStatements(template, 'MemberRole', at(PACKAGE_REGION));
    const sids = statements.map((s) => s.Sid);
    const expected = new Set(
      [...RULES.flatMap((r) => r.grants), ...RDS_REENCRYPT_GRANTS, ...SECURITY_HUB_GRANTS, ...CONFIG_INVENTORY_GRANTS]
        .filter((g) => !g.home)
        .map((g) => g.sid),
    );
    expect([...new Set(sids)].sort()).toEqual([...expected].sort());
    expect(sids).toHaveLength(new Set(sids).size);
    const text = JSON.stringify(statements);
    expect(text).not.toMatch(/states:|RdsReencryptStateMachine|IdempotencyTable|config-aggregator/);
    expect(sids).toEqual(expect.arrayContaining(['SecurityHubFindings', 'ConfigInventory']));
    // A member role serves every region: no resource pinned to the region its stack instance runs in.
    for (const s of statements) for (const r of s.Resource) expect(r).not.toContain(`:${PACKAGE_REGION}:`);
    // KMS writes on the CMK stay held to its alias: the template's parameter, defaulting to the policy's.
    expect(JSON.stringify(R)).toContain('"kms:ResourceAliases":{"Fn::Sub":"${CmkAlias}"}');
    expect(text).toContain(`"kms:ResourceAliases":"${doc.cmk.alias}"`);
    expect(template.Parameters.CmkAlias?.Default).toBe(doc.cmk.alias);
    expect(template.Parameters.MemberRoleName?.Default).toBe(doc.accounts?.roleName ?? 'cmk-sentinel-member');
    // ebs-default's account setting: only in the policy's regions.
    const ebs = statements.find((s) => s.Sid === 'EbsDefaultWrite');
    expect(ebs?.Condition).toEqual({ StringEquals: { 'ec2:Region': doc.regions } });
    expect(template.Parameters.Regions?.Default).toBe((doc.regions ?? []).join(','));
  });

  it('each managed policy document stays under the IAM limit; the role is created in one region only', () => {
    const policies = Object.entries(R).filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy');
    expect(policies.length).toBeGreaterThan(0);
    for (const [id, p] of policies) {
      expect({ id, size: JSON.stringify(p.Properties.PolicyDocument).length <= MANAGED_POLICY_LIMIT }).toEqual({
        id,
        size: true,
      });
      expect((p as { Condition?: string }).Condition).toBe('RoleHere');
    }
    expect(R.MemberRole?.Properties.ManagedPolicyArns).toEqual(policies.map(([id]) => ({ Ref: id })));
    expect((R.MemberRole as { Condition?: string }).Condition).toBe('RoleHere');
  });

  it('trusts only the central functions that act in member accounts, and every one of them', () => {
    const trust = R.MemberRole?.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0]).toMatchObject({
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${CentralAccountId}:root' } },
    });
    const patterns = (trust[0].Condition.ArnLike['aws:PrincipalArn'] as { 'Fn::Sub': string }[]).map((p) =>
      p['Fn::Sub']
        .replace('${AWS::Partition}', 'aws')
        .replace('${CentralAccountId}', CENTRAL)
        .replace('${ServiceName}', 'cmk-sentinel')
        .replace('${CentralStage}', 'ci'),
    );
    // The central roles that may assume the member role are exactly the ones the trust names.
    const central = packagedTemplate();
    const memberRole = `arn:aws:iam::${MEMBER}:role/${doc.accounts?.roleName ?? 'cmk-sentinel-member'}`;
    const assumers = Object.entries(functionRoles(central))
      .filter(([, role]) =>
        roleStatements(central, role, { partition: 'aws', region: PACKAGE_REGION, account: CENTRAL }).some(
          (s) =>
            s.Effect === 'Allow' &&
            s.Action.includes('sts:AssumeRole') &&
            s.Resource.some((r) => globMatch(r, memberRole)),
        ),
      )
      .map(([, role]) => `arn:aws:iam::${CENTRAL}:role/${String(central.Resources[role]?.Properties.RoleName)}`);
    expect(assumers.length).toBe(MEMBER_ROLE_USERS.length);
    for (const arn of assumers)
      expect({ arn, trusted: patterns.some((p) => globMatch(p, arn)) }).toEqual({ arn, trusted: true });
    expect(globMatch(patterns.join('|'), `arn:aws:iam::${CENTRAL}:role/Admin`)).toBe(false);
    for (const p of patterns)
      expect(globMatch(p, `arn:aws:iam::${MEMBER}:role/cmk-sentinel-ci-us-east-1-on-change`)).toBe(false);
  });

  it('forwards exactly the events the on-change function listens to, to the central bus, through a role that may only put events there', () => {
    const rules = Object.values(R).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules.map((r) => r.Properties.EventPattern)).toEqual(onChangePatterns());
    for (const r of rules) {
      expect(r.Properties.EventBusName).toBe('default');
      expect(r.Properties.Targets).toEqual([
        { Id: 'central-bus', Arn: { Ref: 'CentralEventBusArn' }, RoleArn: { 'Fn::GetAtt': ['ForwarderRole', 'Arn'] } },
      ]);
    }
    const statements = roleStatements(template, 'ForwarderRole', at(PACKAGE_REGION));
    expect(statements.map((s) => [s.Action, s.Resource])).toEqual([[['events:PutEvents'], ['${CentralEventBusArn}']]]);
    expect(R.ForwarderRole?.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'events.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
  });
});
