import type { RdsKind } from '../../rules/rds-database/evaluate';
import type { ReencryptNames } from './names';

/** What each step returns; the state machine's Choice states branch on it. */
export type StepOutcome = 'READY' | 'WAIT' | 'GONE' | 'FAILED';

/**
 * The workflow's state, passed whole from step to step (each Task's ResultPath is `$`).
 * Plain JSON: it travels through Step Functions.
 */
export interface ReencryptState {
  kind: RdsKind;
  account: string;
  region: string;
  /** The original database's identifier and ARN. */
  sourceId: string;
  sourceArn: string;
  /** Why it was non-compliant (UNENCRYPTED, AWS_MANAGED_KEY, ...) and the key it had. */
  reason: string;
  observedKey?: string;
  cmkArn: string;
  names: ReencryptNames;
  execution: string;
  /** Set by every step. */
  outcome?: StepOutcome;
  /** The step that set `outcome`, and what it found, for the final alert. */
  step?: string;
  detail?: string;
  verified?: boolean;
  /** Configuration that differs between the original and the re-encrypted database. */
  differences?: string[];
  /** Restore path: what the operator must move to the copy by hand (carry.ts operatorChecklist). */
  operatorTodo?: string[];
  /** User tags the 50-tag limit left off what the workflow created (the workflow's own tags are kept). */
  droppedTags?: string[];
  /** Restore path (Aurora): the original's custom endpoints and the copy's re-created ones. */
  endpoints?: { original: string; copy: string }[];
  cutOver?: 'DONE' | 'SKIPPED';
  deleted?: 'DONE' | 'SKIPPED';
  /** Which path (route.ts): Blue/Green with TargetKmsKeyId, or snapshot and restore; and why, with the AWS source. */
  path?: 'BLUE_GREEN' | 'RESTORE';
  route?: { reason: string; source: string };
  /** Blue/Green: the deployment's id, and each blue resource with its green. */
  blueGreenId?: string;
  greens?: { blue: string; green: string }[];
  /** 'YES' when gates.cutOver is on: the workflow waits for an approval before switching over. */
  approvalRequired?: 'YES' | 'NO';
  approvalTimeoutSeconds?: number;
  /** Set by the approval task's output (approve) or by approvalEnded (reject, timeout). */
  approval?: { decision: 'APPROVED' | 'REJECTED' | 'TIMED_OUT'; by?: string; at?: string; detail?: string };
  switchoverRequested?: boolean;
  switchedOver?: boolean;
  /** Set by the state machine's Catch. */
  error?: { Error?: string; Cause?: string };
}
