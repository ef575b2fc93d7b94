import { isSentinelError } from '../errors';

/**
 * Step Functions matches Retry/Catch on the error's name: a SentinelError leaves a step
 * named by its stable code (THROTTLED, AWS_UNAVAILABLE, ...), so the definition can retry
 * exactly the retryable ones.
 */
export const asStepError = (e: unknown): Error => {
  if (!isSentinelError(e)) return e instanceof Error ? e : new Error(String(e));
  const out = new Error(e.message, { cause: e });
  out.name = e.code;
  return out;
};
