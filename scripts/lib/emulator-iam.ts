import type { IAMClient, SimulatePrincipalPolicyCommandInput } from '@aws-sdk/client-iam';

export type SimulationDecision = 'allowed' | 'implicitDeny' | 'explicitDeny';

/**
 * Emulator only (tests and the demo). moto 5.2.1 has no iam:SimulatePrincipalPolicy (HTTP 500), which s3-replication
 * calls before it rewrites a replica key. This middleware answers it on the given clients with `decide(input)` and
 * records every request, so a test can check the context keys and key policy sent. Real IAM evaluates the policies.
 */
export const answerSimulatePrincipalPolicy = (
  clients: IAMClient[], decide: (input: SimulatePrincipalPolicyCommandInput) => SimulationDecision = () => 'allowed',
): SimulatePrincipalPolicyCommandInput[] => {
  const seen: SimulatePrincipalPolicyCommandInput[] = [];
  for (const client of clients) {
    client.middlewareStack.remove('answerSimulatePrincipalPolicy');
    client.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName !== 'SimulatePrincipalPolicyCommand') return next(args);
      const input = args.input as SimulatePrincipalPolicyCommandInput;
      seen.push(structuredClone(input));
      const EvaluationResults = (input.ActionNames ?? []).map((EvalActionName) => ({ EvalActionName, EvalResourceName: input.ResourceArns?.[0], EvalDecision: decide(input) }));
      return { output: { EvaluationResults, IsTruncated: false, $metadata: {} }, response: {} } as never;
    }, { step: 'initialize', name: 'answerSimulatePrincipalPolicy' });
  }
  return seen;
};
