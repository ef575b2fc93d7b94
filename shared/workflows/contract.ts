/**
 * The port through which a rule hands long-running work to a workflow engine:
 * AWS Step Functions in the cloud, an in-process driver in tests and the demo.
 */
export interface WorkflowStart {
  /** false when an execution of that name already exists (running or ran): nothing new was started. */
  started: boolean;
  executionId: string;
}

export interface WorkflowStarter {
  /**
   * Start workflow `name` with `input` under a deterministic `executionName`, so a
   * second event for the same resource finds the first execution instead of a twin.
   */
  start(name: string, input: Record<string, unknown>, executionName: string): Promise<WorkflowStart>;
}
