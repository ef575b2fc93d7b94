import type { AwsScope, ClientFactory } from '../aws/clients';
import type { KeyResolver } from '../kms/key-resolver';
import type { Policy } from '../policy/policy';
import type { AnyRule, RuleContext } from '../rules/contract';
import { RULES } from '../rules/registry';
import type { WorkflowStarter } from '../workflows/contract';

/**
 * What scoping needs of the pipeline's deps (a subset of PipelineDeps, named here so that modules context.ts
 * builds, such as the Security Hub sink, can use the one scope rule without an import cycle).
 */
export interface ScopeDeps {
  homeAccount?: string;
  policy: Policy;
}
export interface RuleContextDeps extends ScopeDeps {
  clients: ClientFactory;
  keys: KeyResolver;
  workflows?: WorkflowStarter;
}

// Kept apart from context.ts, which builds the clients: the pipeline loads this module at init, and a Lambda's
// init phase must load no SDK client (test/integration/package.test.ts).

/** The service's own account is reached with its own credentials; a member account by the policy's role. */
export const scopeFor = (deps: ScopeDeps, account: string, region: string): AwsScope => {
  const roleArn =
    deps.homeAccount !== undefined && account !== deps.homeAccount ? deps.policy.memberRoleArn(account) : undefined;
  return roleArn ? { region, account, roleArn } : { region };
};

/**
 * The one way a rule context is made, for the pipeline, the sweep and the workflow steps alike: clients and
 * the key resolver both act in the resource's account (an alias names a different key in each account, so a
 * resolver left on the home account judges a member's resource against the wrong CMK).
 */
export const ruleContext = (deps: RuleContextDeps, account: string, region: string): RuleContext => {
  const scope = scopeFor(deps, account, region);
  return {
    clients: deps.clients,
    keys: deps.keys.forScope(scope),
    policy: deps.policy,
    scope,
    allRules: loadAllRules,
    ...(deps.workflows ? { workflows: deps.workflows } : {}),
  };
};

/** Every registered rule's implementation (each loads once, on first use). */
const loadAllRules = (): Promise<readonly AnyRule[]> => Promise.all(RULES.map((r) => r.load()));
