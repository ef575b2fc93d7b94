import { type Outcome, uncoveredAccountAlert } from '../alerts/alert';
import { translateAwsError } from '../aws/errors';
import { SentinelError } from '../errors';
import type { TriggerInfo } from '../events/normalise';
import type { PipelineDeps } from '../pipeline/context';
import { forLog, redact } from '../redact';
import type { ResourceRef } from '../rules/contract';
import { accountsOf } from './directory';

export interface AccountCoverage {
  /** The refs in covered accounts: the only ones the pipeline may act on. */
  refs: ResourceRef[];
  /** Every ref was of an uncovered account: the event is ignored (and alerted once). */
  ignored?: { reason: 'OUTSIDE_POLICY_ACCOUNTS'; message: string; trigger: TriggerInfo };
  /** The organization could not be listed: nothing is known, the event is retried. */
  failed?: Outcome[];
}

/**
 * Which of an event's resources are in accounts the policy covers. An event forwarded from a member's bus names
 * that account; one of an account the policy does not cover would otherwise run with the service's own
 * credentials against a same-named resource of the home account, or with a role nobody vouched for. Without a home
 * account (a local run) every account is the home one, as scopeFor treats it.
 */
export const accountCoverage = async (
  refs: ResourceRef[],
  trigger: TriggerInfo,
  deps: PipelineDeps,
): Promise<AccountCoverage> => {
  const home = deps.homeAccount;
  if (home === undefined) return { refs };
  const directory = accountsOf(deps);
  const verdicts = new Map<string, { covered: boolean; reason?: string }>();
  try {
    for (const account of new Set(refs.map((r) => r.account)))
      verdicts.set(account, await directory.covers(account, home));
  } catch (e) {
    const err = e instanceof SentinelError ? e : translateAwsError(e, 'organizations:ListAccounts');
    deps.log.error('accounts not listed', forLog({ code: err.code, error: err.message, eventId: trigger.eventId }));
    return {
      refs: [],
      failed: refs.map((ref) => ({
        ref,
        status: 'ERROR',
        action: 'NONE',
        result: 'FAILED',
        error: {
          code: err.code,
          message: `cannot tell whether account ${ref.account} is covered: ${err.message}`,
          retryable: err.retryable,
          missingPermission: err.details.missingPermission as string | undefined,
        },
      })),
    };
  }
  const covered = refs.filter((r) => verdicts.get(r.account)?.covered);
  if (covered.length > 0 || refs.length === 0) return { refs: covered };
  const account = refs[0]?.account ?? '';
  const why = verdicts.get(account)?.reason ?? `account ${account} is not covered`;
  await deps.alerts
    .publish(redact(uncoveredAccountAlert(account, refs[0]?.region ?? '', why, trigger, deps.now())))
    .catch((e: unknown) =>
      deps.log.error('alert not delivered', forLog({ reason: 'OUTSIDE_POLICY_ACCOUNTS', error: (e as Error).message })),
    );
  return {
    refs: [],
    ignored: { reason: 'OUTSIDE_POLICY_ACCOUNTS', message: `${trigger.eventName} in ${account}: ${why}`, trigger },
  };
};
