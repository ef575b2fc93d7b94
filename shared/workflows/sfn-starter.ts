import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { ClientFactory } from '../aws/clients';
import { awsErrorName, translateAwsError } from '../aws/errors';
import type { Log } from '../logger';
import type { WorkflowStart, WorkflowStarter } from './contract';

/**
 * Starts workflows on AWS Step Functions. The execution name is deterministic per
 * resource, so a second event while (or after) one runs gets ExecutionAlreadyExists:
 * nothing new starts, and a log line says so.
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
    if (!stateMachineArn) throw translateAwsError(new Error(`no state machine configured for workflow ${name}`), 'states:StartExecution', name);
    const region = stateMachineArn.split(':')[3] ?? 'us-east-1';
    try {
      const out = await this.clients.get(SFNClient, { region }).send(new StartExecutionCommand({ stateMachineArn, name: executionName, input: JSON.stringify(input) }));
      return { started: true, executionId: out.executionArn ?? executionName };
    } catch (e) {
      if (awsErrorName(e) === 'ExecutionAlreadyExists') {
        this.log?.info('workflow already started for this resource: not starting another', { workflow: name, execution: executionName });
        return { started: false, executionId: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}` };
      }
      throw translateAwsError(e, 'states:StartExecution', stateMachineArn);
    }
  }
}

/** The starter for a deployed stack: the state machine ARN comes from the environment. */
export const workflowStarterFromEnv = (clients: ClientFactory, log: Log, env: NodeJS.ProcessEnv = process.env): WorkflowStarter | undefined =>
  env.RDS_REENCRYPT_STATE_MACHINE_ARN ? new StepFunctionsStarter(clients, { 'rds-reencrypt': env.RDS_REENCRYPT_STATE_MACHINE_ARN }, log) : undefined;
