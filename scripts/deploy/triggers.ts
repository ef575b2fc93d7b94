import type { RuleMeta } from '../../shared/rules/contract';
import { RULES } from '../../shared/rules/registry';
import { RECHECK_EVENT } from '../../shared/rules/redshift-cluster/recheck-event';
import { TAMPER_TRIGGERS } from '../../shared/tamper/tamper';

export interface EventPattern {
  source: string[];
  'detail-type': string[];
  detail?: Record<string, unknown>;
}

export const CLOUDTRAIL = 'AWS API Call via CloudTrail';
/** Failed calls changed nothing: they are not delivered. */
const SUCCEEDED = { errorCode: [{ exists: false }] };

/**
 * The EventBridge `source` of a service's CloudTrail events. EMR's API calls are matched under both names: EMR's
 * own events come as `aws.emr` (EventBridge events reference, Amazon EMR), its CloudTrail records name
 * `elasticmapreduce.amazonaws.com`, and a pattern that also names the other source costs nothing.
 */
export const sourcesOf = (eventSource: string): string[] => {
  const service = eventSource.replace(/\.amazonaws\.com$/, '');
  return service === 'elasticmapreduce' ? ['aws.emr', 'aws.elasticmapreduce'] : [`aws.${service}`];
};

/**
 * What the rules listen to, as EventBridge patterns: one CloudTrail pattern per event source with every rule's event
 * names (an event two rules want is delivered once), the rules' service events, and AWS Config's two change events
 * for the rules' Config types.
 */
export const rulePatterns = (rules: readonly RuleMeta[] = RULES): EventPattern[] => {
  const names = new Map<string, Set<string>>();
  for (const t of rules.flatMap((r) => r.cloudTrail)) {
    const set = names.get(t.eventSource) ?? new Set<string>();
    for (const n of t.eventNames) set.add(n);
    names.set(t.eventSource, set);
  }
  const cloudTrail = [...names].map(([eventSource, set]) => ({
    source: sourcesOf(eventSource),
    'detail-type': [CLOUDTRAIL],
    detail: { eventSource: [eventSource], eventName: [...set], ...SUCCEEDED },
  }));
  const stateChange = rules
    .flatMap((r) => r.stateChange ?? [])
    .map((t) => ({
      source: [t.source],
      'detail-type': [t.detailType],
      ...(t.states ? { detail: { state: [...t.states] } } : {}),
    }));
  const configTypes = [...new Set(rules.flatMap((r) => r.configTypes))];
  const config =
    configTypes.length === 0
      ? []
      : [
          {
            source: ['aws.config'],
            'detail-type': ['Config Configuration Item Change'],
            detail: { configurationItem: { resourceType: configTypes } },
          },
          {
            source: ['aws.config'],
            'detail-type': ['Config Rules Compliance Change'],
            detail: { resourceType: configTypes },
          },
        ];
  return [...cloudTrail, ...stateChange, ...config];
};

/** The ways to switch the service off (shared/tamper): alerted wherever they happen. */
export const tamperPatterns = (): EventPattern[] =>
  TAMPER_TRIGGERS.map((t) => ({
    source: [t.source],
    'detail-type': [CLOUDTRAIL],
    detail: { eventSource: [t.eventSource], eventName: [...t.eventNames], ...SUCCEEDED },
  }));

/** Every event a member account forwards, and the on-change function matches on both buses. */
export const onChangePatterns = (): EventPattern[] => [...rulePatterns(), ...tamperPatterns()];

const DLQ = { 'Fn::GetAtt': ['OnChangeDlq', 'Arn'] };
const RETRY = { maximumEventAge: 3600, maximumRetryAttempts: 8 };

/**
 * The on-change function's `events` (serverless.yml): each pattern on the account's default bus (its own events) and
 * on the organization bus (events forwarded by the member stacks), and the Redshift re-check schedule
 * (shared/rules/redshift-cluster/recheck-event.ts: Redshift sends no event when a re-key completes).
 */
export const onChangeEvents = (orgBus: unknown = { Ref: 'OrgEventBus' }): unknown[] => [
  ...onChangePatterns().map((pattern) => ({
    eventBridge: { pattern, retryPolicy: RETRY, deadLetterQueueArn: DLQ },
  })),
  ...onChangePatterns().map((pattern) => ({
    eventBridge: { eventBus: orgBus, pattern, retryPolicy: RETRY, deadLetterQueueArn: DLQ },
  })),
  {
    eventBridge: {
      schedule: 'rate(15 minutes)',
      input: RECHECK_EVENT,
      retryPolicy: { maximumEventAge: 900, maximumRetryAttempts: 2 },
      deadLetterQueueArn: DLQ,
    },
  },
];
