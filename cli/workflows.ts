import type { PipelineDeps } from '../shared/pipeline/context';
import type { RunResult } from '../shared/workflows/asl-runner';
import { LocalWorkflowDriver } from '../shared/workflows/local-driver';

/** Seconds of a workflow's Wait states, scaled: CMK_SENTINEL_WAIT_SCALE=0 for an emulator (where nothing takes time).
 * */
export const waitScale = (env: NodeJS.ProcessEnv = process.env): number => {
  const v = env.CMK_SENTINEL_WAIT_SCALE;
  const n = v === undefined || v === '' ? 1 : Number(v);
  return Number.isFinite(n) && n >= 0 ? n : 1;
};

export interface WorkflowRun {
  execution: string;
  workflow: string;
  status: RunResult['status'];
  error?: string;
  states: string[];
}

/**
 * Without a state machine (RDS_REENCRYPT_STATE_MACHINE_ARN), the CLI runs the same ASL definition and steps
 * in-process (the local driver the demo uses), so `handle` on an unencrypted RDS instance re-encrypts it
 * instead of failing "No workflow engine configured". The run waits for every workflow it started.
 */
export const withLocalWorkflows = (
  deps: PipelineDeps,
  env: NodeJS.ProcessEnv = process.env,
): { deps: PipelineDeps; settle(): Promise<WorkflowRun[]> } => {
  if (deps.workflows) return { deps, settle: async () => [] };
  const scale = waitScale(env);
  const local: PipelineDeps = { ...deps };
  const driver = new LocalWorkflowDriver(() => local, { log: deps.log, waitMs: (s) => s * 1000 * scale });
  local.workflows = driver;
  return {
    deps: local,
    settle: async () =>
      [...(await driver.settle()).entries()].map(([execution, r]) => ({
        execution,
        workflow: driver.executions.get(execution)?.workflow ?? '',
        status: r.status,
        ...(r.error ? { error: r.error } : {}),
        states: r.path,
      })),
  };
};
