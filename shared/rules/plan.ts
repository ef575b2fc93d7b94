/**
 * What an action would do, before it does it: the AWS calls in order, each with its purpose, whether it writes or
 * destroys, the policy gate that allows it, and for the whole action the expected downtime and cost class. Pure
 * data, built by a rule's `plan` from the state, the finding and the policy (no I/O, no clock): `--dry-run` and
 * `cmk-sentinel plan` print it, and tests hold the calls an action sends to the calls it planned.
 */

/** How often a step runs. A listing-dependent count is never pretended known: it is `any`/`some`. */
export type Times = 'once' | 'optional' | 'any' | 'some';

export interface PlannedCall {
  kind: 'call';
  /** The SDK client without `Client`, lower case: s3, kinesis, dynamodb, cloudwatchlogs, kms, emr, rds, redshift... */
  service: string;
  operation: string;
  /** The input fields that decide what the call does (not every field the SDK gets). */
  input: Record<string, unknown>;
  purpose: string;
  /** false = a read (Describe/Get/List/Head); true = it changes something in the account. */
  write: boolean;
  /** Deletes, replaces or terminates something (or cuts it over): only ever behind a gate. */
  destructive: boolean;
  /** The policy setting that allows this call, e.g. `gates.deleteOriginals`; absent = the mode alone. */
  gate?: string;
  times: Times;
  /** The condition a step that may not run depends on, in words (what the plan cannot know without reading). */
  when?: string;
}

/** Steps that run together: a data-dependent loop (per object, per page), or one of several ways (`oneOf`). */
export interface PlannedGroup {
  kind: 'group';
  purpose: string;
  times: Times;
  when?: string;
  /** Exactly one of the steps runs (each a way to do the same thing); otherwise all, in order. */
  oneOf?: boolean;
  steps: PlanStep[];
}

/**
 * A remediation continued by a workflow (Step Functions, or the in-process driver): the call that starts it is
 * planned exactly; the workflow's own steps are a summary (they run later, in other invocations, and wait on AWS).
 */
export interface PlannedWorkflow {
  kind: 'workflow';
  name: string;
  purpose: string;
  input: Record<string, unknown>;
  /** The workflow's own steps, in order, summarised (not matched against the calls of this action). */
  steps: PlanStep[];
}

export type PlanStep = PlannedCall | PlannedGroup | PlannedWorkflow;

export type Downtime =
  { kind: 'NONE' } | { kind: 'READ_ONLY'; duration: string } | { kind: 'OUTAGE_AT_SWITCHOVER'; duration: string };

export type CostClass =
  'API_REQUESTS' | 'KMS_REQUESTS' | 'S3_REQUESTS_PER_OBJECT' | 'SNAPSHOT_STORAGE' | 'STORAGE_DUPLICATE' | 'NONE';

export interface Cost {
  class: CostClass;
  /** What the estimate rests on (a count known now, or what it is proportional to). */
  basis: string;
}

/** What a rule plans for one action on one resource. */
export interface RulePlan {
  steps: PlanStep[];
  downtime: Downtime;
  cost: Cost[];
  /** What the plan cannot say by calls alone (a reboot needed, data written before stays on the old key). */
  notes?: string[];
}

export type PlannedAction = 'REMEDIATE' | 'QUARANTINE';

/** The plan for a resource as the pipeline would act on it: the action chosen after what AWS allows. */
export interface Plan extends RulePlan {
  action: PlannedAction | 'REPORT';
  /** Why the action is not the mode's (cannot re-encrypt / cannot quarantine), and the report-only reason. */
  fallback?: string[];
}

type CallOptions = Partial<Pick<PlannedCall, 'destructive' | 'gate' | 'times' | 'when'>>;

/** A read the action makes (to decide a step, or to verify one). */
export const read = (
  service: string,
  operation: string,
  input: Record<string, unknown>,
  purpose: string,
  o: CallOptions = {},
): PlannedCall => ({
  kind: 'call',
  service,
  operation,
  input,
  purpose,
  write: false,
  destructive: false,
  times: 'once',
  ...o,
});

/** A write the action makes. */
export const write = (
  service: string,
  operation: string,
  input: Record<string, unknown>,
  purpose: string,
  o: CallOptions = {},
): PlannedCall => ({
  ...read(service, operation, input, purpose, o),
  write: true,
  destructive: o.destructive ?? false,
});

export const group = (
  purpose: string,
  steps: PlanStep[],
  o: Partial<Pick<PlannedGroup, 'times' | 'when' | 'oneOf'>> = {},
): PlannedGroup => ({ kind: 'group', purpose, times: 'once', steps, ...o });

export const NO_DOWNTIME: Downtime = { kind: 'NONE' };

/** The usual tag-only quarantine: read the tags, tag unless tagged, read them back. */
export const tagQuarantine = (
  service: string,
  ops: { list: string; tag: string },
  input: Record<string, unknown>,
  tag: { key: string; value: string },
  what = 'data untouched',
): RulePlan => ({
  steps: [
    read(service, ops.list, input, 'see whether the resource already carries the quarantine tag', { times: 'some' }),
    group(
      `tag ${tag.key}=${tag.value} and verify`,
      [
        write(service, ops.tag, { ...input, tag: `${tag.key}=${tag.value}` }, 'mark the resource quarantined'),
        read(service, ops.list, input, 'verify the tag reads back', { times: 'some' }),
      ],
      { times: 'optional', when: 'the resource is not tagged yet' },
    ),
  ],
  downtime: NO_DOWNTIME,
  cost: [{ class: 'API_REQUESTS', basis: '2-3 tagging API calls' }],
  notes: [what],
});

/** Every call of a plan, flattened (workflow summaries included), for printing and gate checks. */
export const callsOf = (steps: readonly PlanStep[]): PlannedCall[] =>
  steps.flatMap((s) => (s.kind === 'call' ? [s] : callsOf(s.steps)));

const token = (service: string, operation: string) => `${service}:${operation};`;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const quantifier: Record<Times, string> = { once: '', optional: '?', any: '*', some: '+' };

const pattern = (steps: readonly PlanStep[]): string =>
  steps
    .map((s) => {
      if (s.kind === 'call') return `(?:${escape(token(s.service, s.operation))})${quantifier[s.times]}`;
      // A workflow's own steps run elsewhere; this action sends only what starts it (the starter's business).
      if (s.kind === 'workflow') return '';
      const inner = s.oneOf ? s.steps.map((x) => pattern([x])).join('|') : pattern(s.steps);
      return `(?:${inner})${quantifier[s.times]}`;
    })
    .join('');

/** The service name of a client as the request hook reports it (`KinesisClient` → `kinesis`). */
export const serviceOf = (clientName: string): string => clientName.replace(/Client$/, '').toLowerCase();

/**
 * Whether the calls an action sent (service and operation, in order) are the calls its plan allows: every `once`
 * step exactly once and in order, optional and repeated steps as often as they say, nothing else.
 */
export const followsPlan = (steps: readonly PlanStep[], sent: readonly { service: string; operation: string }[]) =>
  new RegExp(`^${pattern(steps)}$`).test(sent.map((c) => token(c.service, c.operation)).join(''));

const timesText: Record<Times, string> = { once: '', optional: ' (if needed)', any: ' (0..n times)', some: ' (1..n)' };

const inputText = (input: Record<string, unknown>) =>
  Object.entries(input)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');

/** The steps as indented lines for people: `1. s3:PutBucketEncryption Bucket=b [write, gate] — purpose`. */
export const planLines = (steps: readonly PlanStep[], depth = 0): string[] => {
  const pad = '  '.repeat(depth);
  return steps.flatMap((s, i) => {
    const n = `${pad}${i + 1}.`;
    const when = s.kind !== 'workflow' && s.when ? ` when ${s.when}` : '';
    if (s.kind === 'call') {
      const flags = [s.destructive ? 'DESTRUCTIVE' : s.write ? 'write' : 'read', s.gate ? `gate ${s.gate}` : '']
        .filter(Boolean)
        .join(', ');
      return [
        `${n} ${s.service}:${s.operation} ${inputText(s.input)} [${flags}]${timesText[s.times]}${when} — ${s.purpose}`,
      ];
    }
    if (s.kind === 'workflow')
      return [
        `${n} start workflow ${s.name} ${inputText(s.input)} — ${s.purpose}; its steps:`,
        ...planLines(s.steps, depth + 1),
      ];
    // One of several calls on the same input (per object: HEAD, copy, ...): one line, the operations joined.
    const calls = s.steps.filter((x): x is PlannedCall => x.kind === 'call');
    const first = calls[0];
    if (s.oneOf && first && calls.length === s.steps.length && calls.every((c) => c.service === first.service))
      return [
        `${n} ${first.service}:{${calls.map((c) => c.operation).join('|')}} ${inputText(first.input)}${timesText[s.times]}${when} — ${s.purpose}`,
      ];
    return [
      `${n} ${s.oneOf ? 'one of' : 'group'}: ${s.purpose}${timesText[s.times]}${when}`,
      ...planLines(s.steps, depth + 1),
    ];
  });
};

export const downtimeText = (d: Downtime): string =>
  d.kind === 'NONE'
    ? 'none'
    : d.kind === 'READ_ONLY'
      ? `read-only for ${d.duration}`
      : `outage at switchover (${d.duration})`;

export const costText = (cost: readonly Cost[]): string => cost.map((c) => `${c.class} (${c.basis})`).join('; ');
