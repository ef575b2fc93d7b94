import type { AwsScope } from '../aws/clients';
import type { PipelineDeps } from './context';

/** The service's own account is reached with its own credentials; a member account by the policy's role. */
export const scopeFor = (deps: Pick<PipelineDeps, 'homeAccount' | 'policy'>, account: string, region: string): AwsScope => {
  const roleArn = deps.homeAccount !== undefined && account !== deps.homeAccount ? deps.policy.memberRoleArn(account) : undefined;
  return roleArn ? { region, account, roleArn } : { region };
};
