import { SentinelError } from '../../errors';
import type { TriggerInfo } from '../../events/normalise';
import type { ReencryptState } from './state';
import { type Obj, isObj, str } from '../../json';

/**
 * The re-encryption workflow alerts for itself when it finishes, fails or stops. Three ends it cannot
 * report: the execution timing out, someone stopping it, and its own alerting step failing (the Fail
 * state `ALERT_FAILED`). Step Functions announces each on EventBridge; this turns that into the alert.
 */
export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

/** The statuses the EventBridge rule forwards (serverless.yml). */
export const WATCHED_STATUSES = ['TIMED_OUT', 'ABORTED', 'FAILED'] as const;
export type WatchedStatus = (typeof WATCHED_STATUSES)[number];

// Fail states the workflow reaches only after its own alert went out (Abort → Failed, Stop → Stopped).
export const ALERTED_FAIL_ERRORS: ReadonlySet<string> = new Set(['REENCRYPTION_FAILED', 'RESOURCE_GONE']);

export interface ExecutionEnd {
  eventId?: string;
  status: WatchedStatus;
  executionArn: string;
  error?: string;
  cause?: string;
  /** The execution's input: the workflow's state when it started. */
  state: ReencryptState;
}

export const isExecutionStatusChange = (event: unknown): boolean =>
  isObj(event) && event.source === 'aws.states' && event['detail-type'] === EXECUTION_STATUS_CHANGE;

const invalid = (message: string, field: string): SentinelError =>
  new SentinelError('INVALID_EVENT', message, { details: { field } });

const REQUIRED: readonly (keyof ReencryptState)[] = [
  'account',
  'region',
  'sourceId',
  'sourceArn',
  'reason',
  'cmkArn',
  'execution',
];

/** The workflow's start state from `detail.input` (a JSON string), checked field by field. */
const startState = (input: unknown): ReencryptState => {
  let state: unknown;
  try {
    state = typeof input === 'string' ? JSON.parse(input) : undefined;
  } catch {
    throw invalid('detail.input is not JSON', 'detail.input');
  }
  if (!isObj(state))
    throw invalid(
      'detail.input carries no workflow state (absent, or over the 256 KB Step Functions includes)',
      'detail.input',
    );
  if (state.kind !== 'instance' && state.kind !== 'cluster')
    throw invalid('detail.input.kind is neither "instance" nor "cluster"', 'detail.input.kind');
  const missing = REQUIRED.find((k) => !str(state[k]));
  if (missing) throw invalid(`detail.input.${missing} is missing`, `detail.input.${missing}`);
  const names = state.names;
  if (!isObj(names) || !str(names.snapshot) || !str(names.copy) || !str(names.target))
    throw invalid('detail.input.names is incomplete', 'detail.input.names');
  return state as unknown as ReencryptState;
};

/** Read an execution-status event; a malformed one is an INVALID_EVENT naming the field. */
export const parseExecutionEnd = (event: unknown): ExecutionEnd => {
  if (!isExecutionStatusChange(event))
    throw invalid(`not a "${EXECUTION_STATUS_CHANGE}" event from aws.states`, 'detail-type');
  const e = event as Obj;
  const detail = e.detail;
  if (!isObj(detail)) throw invalid('event has no detail object', 'detail');
  const status = str(detail.status);
  if (!status || !(WATCHED_STATUSES as readonly string[]).includes(status))
    throw invalid(
      `detail.status "${String(detail.status)}" is not one of ${WATCHED_STATUSES.join(', ')}`,
      'detail.status',
    );
  const executionArn = str(detail.executionArn);
  if (!executionArn) throw invalid('detail.executionArn is missing', 'detail.executionArn');
  return {
    eventId: str(e.id),
    status: status as WatchedStatus,
    executionArn,
    error: str(detail.error),
    cause: str(detail.cause),
    state: startState(detail.input),
  };
};

/** False when the workflow already sent its own alert on the way to this end. */
export const needsAlert = (end: ExecutionEnd): boolean =>
  end.status !== 'FAILED' || !ALERTED_FAIL_ERRORS.has(end.error ?? '');

const HOW: Record<WatchedStatus, string> = {
  TIMED_OUT: 'timed out',
  ABORTED: 'was stopped by hand (StopExecution)',
  FAILED: 'failed without sending its own alert',
};

/** The alert's account of the end: what is known, and what an operator should check. */
export const endedDetail = (end: ExecutionEnd): string => {
  const { state: s } = end;
  const why = end.error ? ` (${end.error}${end.cause ? `: ${end.cause.slice(0, 300)}` : ''})` : '';
  return (
    `Re-encryption workflow for ${s.sourceId} ${HOW[end.status]}${why}. Execution ${end.executionArn}; its history shows the last step reached. ` +
    `Artefacts it may have created are kept, nothing is deleted: ${s.names.snapshot}, ${s.names.copy}, ${s.names.target}. ` +
    'The cut-over and deletion steps run only after verification and behind the policy gates, so the original is untouched unless a verified cut-over had already run.'
  );
};

export const endedTrigger = (end: ExecutionEnd): TriggerInfo => ({
  eventId: end.eventId ?? `${end.executionArn}:${end.status}`,
  eventName: `${EXECUTION_STATUS_CHANGE} (${end.status})`,
  source: 'aws.states',
});
