import { ClientFactory, settingsFromEnv } from '../shared/aws/clients';
import { SentinelError } from '../shared/errors';
import { approvalStoreFromEnv, decide, type Decision, StepFunctionsCompleter } from '../shared/workflows/approval';

export const APPROVE_USAGE = `  cmk-sentinel approve|reject EXECUTION [--by NAME]
                                  decide a Blue/Green switchover waiting for approval (the execution named in its
                                  alert): completes its Step Functions task token (SendTaskSuccess / SendTaskFailure)`;

/** `cmk-sentinel approve|reject <execution>`: the token is read from the approval store (IDEMPOTENCY_TABLE). */
export const approveCommand = async (
  decision: Decision,
  args: string[],
  out: (s: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> => {
  const execution = args[0];
  if (!execution || execution.startsWith('--')) {
    out(APPROVE_USAGE);
    return 2;
  }
  const byAt = args.indexOf('--by');
  const by = byAt >= 0 ? args[byAt + 1] : env.USER;
  const clients = new ClientFactory(settingsFromEnv(env));
  const store = approvalStoreFromEnv(clients, env);
  if (!store)
    throw new SentinelError(
      'INVALID_EVENT',
      'IDEMPOTENCY_TABLE is not set: the approval store (where the workflow recorded its task token) is unknown',
    );
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const result = await decide(
    execution,
    decision,
    { store, completer: new StepFunctionsCompleter(clients, region) },
    by ?? 'cli',
  );
  out(JSON.stringify(result, null, 2));
  return result.completed ? 0 : 1;
};
