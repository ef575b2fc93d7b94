import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { memberTemplate, spreadStatements } from './member-stack';
import { findingsStatements, ruleStatements, sweepStatements, workflowStatements } from './statements';
import { onChangeEvents } from './triggers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { iamParameters } = require('../iam-parameters.js') as {
  iamParameters: (doc: unknown) => { cmkAlias: string; memberRoleName: string; batchRoleName: string };
};

/** serverless.yml reads these (`${file(./.build/deploy/central.json):…}`); the member template is deployed as is. */
export const CENTRAL_FRAGMENT = 'central.json';
export const MEMBER_TEMPLATE = 'member-stack.json';

/**
 * The rules' statements exceed the 10,240 characters IAM allows a role's inline policies together (IAM quotas), so
 * they are customer managed policies (6,144 each), attached to both roles that run the rules: this many.
 */
export const RULE_POLICIES = 4;

/** What the central stack takes from the rules' metadata: the on-change events and the rules' and workflow's IAM. */
export const centralFragment = (doc: unknown) => {
  const p = iamParameters(doc);
  const target = { kind: 'central', cmkAlias: p.cmkAlias, batchRoleName: p.batchRoleName } as const;
  const chunks = spreadStatements(ruleStatements(target), RULE_POLICIES);
  const ids = chunks.map((_, i) => `RulePolicy${i + 1}`);
  return {
    onChangeEvents: onChangeEvents(),
    rulePolicies: Object.fromEntries(
      chunks.map((statements, i) => [
        ids[i],
        {
          Type: 'AWS::IAM::ManagedPolicy',
          Properties: {
            Description: `cmk-sentinel rules ${i + 1}/${chunks.length} (generated from shared/rules/*/meta.ts)`,
            PolicyDocument: { Version: '2012-10-17', Statement: statements },
          },
        },
      ]),
    ),
    rulePolicyArns: ids.map((id) => ({ Ref: id })),
    workflowStatements: workflowStatements(target),
    findingsStatements: findingsStatements(target),
    sweepStatements: sweepStatements(target),
  };
};

export const memberStack = (doc: unknown) => {
  const p = iamParameters(doc);
  const regions = (doc as { regions?: string[] }).regions ?? [];
  return memberTemplate({ ...p, regions });
};

/** Writes .build/deploy/: the central stack's generated parts and the member-account template. */
export const writeDeployment = (buildDir: string, doc: unknown): void => {
  const dir = join(buildDir, 'deploy');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, CENTRAL_FRAGMENT), `${JSON.stringify(centralFragment(doc), null, 2)}\n`);
  writeFileSync(join(dir, MEMBER_TEMPLATE), `${JSON.stringify(memberStack(doc), null, 2)}\n`);
};
