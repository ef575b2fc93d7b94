import type { ClientFactory } from '../aws/clients';
import { awsErrorName, isAwsNotFound, translateAwsError } from '../aws/errors';
import { lazily } from '../lazy';
import type { Log } from '../logger';
import type { WorkflowStart, WorkflowStarter } from './contract';

// Loaded with the first workflow started: most events never start one.
const sfnSdk = lazily(() => import('@aws-sdk/client-sfn'));

/**
 * Starts workflows on AWS Step Functions. The execution name is deterministic per
 * resource: an execution that already exists (running or ran) is found first, and a
 * race between two events ends in ExecutionAlreadyExists. Either way nothing new starts,
 * and a log line says so. (StartExecution alone would answer a repeat with identical
 * input as if it had started it.)
 */
export class StepFunctionsStarter implements WorkflowStarter {
  constructor(
    private readonly clients: ClientFactory,
    /** Workflow name → state machine ARN. */
    private readonly machines: Readonly<Record<string, string>>,
    private readonly log?: Log,
  ) {}

  async start(name: string, input: Record<string, unknown>, executionName: string): Promise<WorkflowStart> {
    const stateMachineArn = this.machines[name];
    if (!stateMachineArn)
      throw translateAwsError(
        new Error(`no state machine configured for workflow ${name}`),
        'states:StartExecution',
        name,
      );
    const region = stateMachineArn.split(':')[3] ?? 'us-east-1';
    const { DescribeExecutionCommand, SFNClient, StartExecutionCommand } = await sfnSdk();
    const sfn = this.clients.get(SFNClient, { region });
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
    const existing = await sfn.send(new DescribeExecutionCommand({ executionArn })).catch((e: unknown) => {
      if (isAwsNotFound(e, 'states:DescribeExecution')) return undefined;
      throw translateAwsError(e, 'states:DescribeExecution', executionArn);
    });
    const already = (status?: string) => {
      this.log?.info('workflow already started for this resource: not starting another', {
        workflow: name,
        execution: executionArn,
        status,
      });
      return { started: false, executionId: executionArn };
    };
    if (existing) return already(existing.status);
    try {
      const out = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, name: executionName, input: JSON.stringify(input) }),
      );
      return { started: true, executionId: out.executionArn ?? executionArn };
    } catch (e) {
      if (awsErrorName(e) === 'ExecutionAlreadyExists') return already();
      throw translateAwsError(e, 'states:StartExecution', stateMachineArn);
    }
  }
}

/** The starter for a deployed stack: the state machine ARN comes from the environment. */
export const workflowStarterFromEnv = (
  clients: ClientFactory,
  log: Log,
  env: NodeJS.ProcessEnv = process.env,
): WorkflowStarter | undefined =>
  env.RDS_REENCRYPT_STATE_MACHINE_ARN
    ? new StepFunctionsStarter(clients, { 'rds-reencrypt': env.RDS_REENCRYPT_STATE_MACHINE_ARN }, log)
    : undefined;
