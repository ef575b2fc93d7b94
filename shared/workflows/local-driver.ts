import type { Log } from '../logger';
import type { PipelineDeps } from '../pipeline/context';
import { type AslDefinition, type Json, runAsl, type RunResult } from './asl-runner';
import type { WorkflowStart, WorkflowStarter } from './contract';
import type { LocalApprovals } from './approval';
import { asStepError } from './step-error';
import rdsReencryptDefinition from './rds-reencrypt/definition.asl.json';
import { RDS_REENCRYPT } from './rds-reencrypt/names';
import type { ReencryptState } from './rds-reencrypt/state';
import { runStep } from './rds-reencrypt/steps';

const DEFINITIONS: Record<string, AslDefinition> = {
  [RDS_REENCRYPT]: rdsReencryptDefinition as unknown as AslDefinition,
};

export interface LocalExecution {
  name: string;
  workflow: string;
  input: Json;
  result: Promise<RunResult>;
}

/**
 * Runs a workflow's deployed ASL definition in-process, each Task calling the same
 * step functions the Lambda runs, against whatever endpoint `deps` points at.
 * Like Step Functions, an execution name is used once: a second start is a no-op.
 */
export class LocalWorkflowDriver implements WorkflowStarter {
  readonly executions = new Map<string, LocalExecution>();

  constructor(
    private readonly deps: () => PipelineDeps,
    private readonly opts: {
      waitMs?: (seconds: number) => number;
      log?: Log;
      beforeStep?: (step: string, state: ReencryptState) => Promise<void>;
      /** Where `.waitForTaskToken` states wait (the switchover approval); absent = such a state fails. */
      approvals?: LocalApprovals;
    } = {},
  ) {}

  async start(name: string, input: Record<string, unknown>, executionName: string): Promise<WorkflowStart> {
    if (this.executions.has(executionName)) {
      this.opts.log?.info('workflow already started for this resource: not starting another', {
        workflow: name,
        execution: executionName,
      });
      return { started: false, executionId: executionName };
    }
    const def = DEFINITIONS[name];
    if (!def) throw new Error(`no workflow named ${name}`);
    const waitMs = this.opts.waitMs ?? (() => 0);
    const result = runAsl(
      def,
      input,
      async (params) => {
        const p = params as { step: string; state: ReencryptState; taskToken?: string };
        await this.opts.beforeStep?.(p.step, p.state);
        try {
          return await runStep(p.step, p.state, this.deps(), p.taskToken);
        } catch (e) {
          throw asStepError(e);
        }
      },
      {
        wait: (s) => new Promise((r) => setTimeout(r, waitMs(s))),
        taskToken: this.opts.approvals?.wait,
        executionName,
      },
    );
    // Keep an unobserved failure from crashing the process; callers read it through `result`.
    result.catch(() => undefined);
    this.executions.set(executionName, { name: executionName, workflow: name, input, result });
    return { started: true, executionId: executionName };
  }

  /** Wait for every execution started so far. */
  async settle(): Promise<Map<string, RunResult>> {
    const out = new Map<string, RunResult>();
    for (const [k, e] of this.executions) out.set(k, await e.result);
    return out;
  }
}
