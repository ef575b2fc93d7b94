import { SentinelError } from '../errors';
import type { ResourceRef, RuleMeta } from '../rules/contract';
import { type Obj, isObj, str } from '../json';

/** What started the work: carried into every alert and audit record. */
export interface TriggerInfo {
  eventId?: string;
  eventName: string;
  source: string;
  /** Who made the call (CloudTrail userIdentity.arn), when known. */
  actor?: string;
  time?: string;
}

export type Normalised =
  | { kind: 'resources'; refs: ResourceRef[]; trigger: TriggerInfo }
  | { kind: 'ignored'; reason: 'FAILED_CALL' | 'UNKNOWN_EVENT' | 'NO_RESOURCE'; message: string; trigger?: TriggerInfo }
  | { kind: 'invalid'; error: SentinelError };

const invalid = (message: string, field: string): Normalised => ({
  kind: 'invalid',
  error: new SentinelError('INVALID_EVENT', message, { details: { field } }),
});

/** Real deliveries sometimes arrive as a bare CloudTrail record or an SNS notification: unwrap to one shape. */
const unwrap = (event: Obj): { envelope: Obj; detailType: string | undefined; detail: unknown } => {
  if (str(event.Type) === 'Notification' && 'Message' in event) {
    let message: unknown = event.Message;
    if (typeof message === 'string') {
      try {
        message = JSON.parse(message);
      } catch {
        message = undefined;
      }
    }
    const type = isObj(message) ? str(message.messageType) : undefined;
    const detailType =
      type === 'ComplianceChangeNotification'
        ? 'Config Rules Compliance Change'
        : type === 'ConfigurationItemChangeNotification'
          ? 'Config Configuration Item Change'
          : undefined;
    return { envelope: {}, detailType, detail: message };
  }
  if (!('detail' in event) && str(event.eventSource) && str(event.eventName)) {
    return { envelope: {}, detailType: 'AWS API Call via CloudTrail', detail: event };
  }
  return { envelope: event, detailType: str(event['detail-type']), detail: event.detail };
};

const fromCloudTrail = (envelope: Obj, detail: Obj, rules: readonly RuleMeta[]): Normalised => {
  const eventName = str(detail.eventName);
  const eventSource = str(detail.eventSource);
  if (!eventName) return invalid('CloudTrail event has no detail.eventName', 'detail.eventName');
  if (!eventSource) return invalid('CloudTrail event has no detail.eventSource', 'detail.eventSource');
  const identity = isObj(detail.userIdentity) ? detail.userIdentity : {};
  const trigger: TriggerInfo = {
    eventId: str(envelope.id) ?? str(detail.eventID),
    eventName,
    source: eventSource,
    actor: str(identity.arn),
    time: str(detail.eventTime) ?? str(envelope.time),
  };
  if (detail.errorCode !== undefined && detail.errorCode !== null) {
    return {
      kind: 'ignored',
      reason: 'FAILED_CALL',
      message: `${eventName} failed (${String(detail.errorCode)}): nothing changed`,
      trigger,
    };
  }
  const region = str(detail.awsRegion) ?? str(envelope.region);
  const account = str(envelope.account) ?? str(detail.recipientAccountId) ?? str(identity.accountId);
  if (!region) return invalid(`${eventName} event names no region (detail.awsRegion or region)`, 'detail.awsRegion');
  if (!account) return invalid(`${eventName} event names no account (account or detail.recipientAccountId)`, 'account');

  const refs: ResourceRef[] = [];
  let known = false;
  for (const rule of rules) {
    for (const t of rule.cloudTrail) {
      if (t.eventSource !== eventSource || !t.eventNames.includes(eventName)) continue;
      known = true;
      let ids: string[];
      try {
        ids = t.ids(detail);
      } catch (e) {
        if (e instanceof SentinelError)
          return invalid(`${eventName} event: ${e.message}`, `detail.${String(e.details.field)}`);
        throw e;
      }
      for (const id of ids) refs.push({ type: rule.type, account, region, id });
    }
  }
  if (!known)
    return {
      kind: 'ignored',
      reason: 'UNKNOWN_EVENT',
      message: `${eventSource} ${eventName} is not an event cmk-sentinel handles`,
      trigger,
    };
  if (refs.length === 0)
    return {
      kind: 'ignored',
      reason: 'NO_RESOURCE',
      message: `${eventName} event carries no resource id the service can use`,
      trigger,
    };
  return { kind: 'resources', refs: dedupe(refs), trigger };
};

const fromConfig = (envelope: Obj, detailType: string, detail: Obj, rules: readonly RuleMeta[]): Normalised => {
  const compliance = detailType === 'Config Rules Compliance Change';
  let item: unknown = compliance ? detail : detail.configurationItem;
  if (Array.isArray(item)) item = item[0];
  if (!isObj(item)) return invalid(`${detailType} event has no configuration item`, 'detail.configurationItem');
  const resourceType = str(item.resourceType);
  const id = compliance ? str(item.resourceId) : (str(item.resourceName) ?? str(item.resourceId));
  const region = str(item.awsRegion) ?? str(envelope.region);
  const account = str(item.awsAccountId) ?? str(item.accountId) ?? str(envelope.account);
  const trigger: TriggerInfo = {
    eventId: str(envelope.id),
    eventName: detailType,
    source: 'aws.config',
    time: str(envelope.time),
  };
  if (!resourceType) return invalid(`${detailType} event has no resourceType`, 'detail.resourceType');
  const rule = rules.find((r) => r.configTypes.includes(resourceType));
  if (!rule)
    return {
      kind: 'ignored',
      reason: 'UNKNOWN_EVENT',
      message: `AWS Config type ${resourceType} is not one cmk-sentinel handles`,
      trigger,
    };
  if (!id) return invalid(`${detailType} event for ${resourceType} has no resource id`, 'detail.resourceId');
  if (!region) return invalid(`${detailType} event has no region`, 'detail.awsRegion');
  if (!account) return invalid(`${detailType} event has no account`, 'detail.awsAccountId');
  return { kind: 'resources', refs: [{ type: rule.type, account, region, id }], trigger };
};

/** A service's own event (e.g. `EMR Cluster State Change`), matched to the rules that declare it. */
const fromStateChange = (
  envelope: Obj,
  detailType: string,
  detail: Obj,
  rules: readonly RuleMeta[],
): Normalised | undefined => {
  const source = str(envelope.source);
  const matching = rules.flatMap((rule) =>
    (rule.stateChange ?? [])
      .filter((t) => t.source === source && t.detailType === detailType)
      .map((t) => ({ rule, t })),
  );
  if (matching.length === 0) return undefined;
  const state = str(detail.state);
  const trigger: TriggerInfo = {
    eventId: str(envelope.id),
    eventName: state ? `${detailType} (${state})` : detailType,
    source: source as string,
    time: str(envelope.time),
  };
  const wanted = matching.filter(({ t }) => !t.states || (state !== undefined && t.states.includes(state)));
  if (wanted.length === 0) {
    return {
      kind: 'ignored',
      reason: 'UNKNOWN_EVENT',
      message: `${detailType} to state ${state ?? '(none)'} is not one cmk-sentinel handles`,
      trigger,
    };
  }
  const region = str(envelope.region);
  const account = str(envelope.account);
  if (!region) return invalid(`${detailType} event names no region`, 'region');
  if (!account) return invalid(`${detailType} event names no account`, 'account');
  const refs = wanted.flatMap(({ rule, t }) => t.ids(detail).map((id) => ({ type: rule.type, account, region, id })));
  if (refs.length === 0)
    return {
      kind: 'ignored',
      reason: 'NO_RESOURCE',
      message: `${detailType} event carries no resource id the service can use`,
      trigger,
    };
  return { kind: 'resources', refs: dedupe(refs), trigger };
};

const dedupe = (refs: ResourceRef[]): ResourceRef[] => {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = `${r.type}|${r.account}|${r.region}|${r.id}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
};

/**
 * EventBridge payload → resource references. Never throws: malformed input is
 * `invalid` with a typed error, events the service does not handle are `ignored`.
 */
export const normalise = (event: unknown, rules: readonly RuleMeta[]): Normalised => {
  try {
    if (!isObj(event)) return invalid('Event is not a JSON object', '(root)');
    const { envelope, detailType, detail } = unwrap(event);
    if (!detailType) return invalid('Event has no detail-type', 'detail-type');
    if (!isObj(detail)) return invalid(`${detailType} event has no detail object`, 'detail');
    if (detailType === 'AWS API Call via CloudTrail') return fromCloudTrail(envelope, detail, rules);
    if (detailType === 'Config Configuration Item Change' || detailType === 'Config Rules Compliance Change') {
      return fromConfig(envelope, detailType, detail, rules);
    }
    const stateChange = fromStateChange(envelope, detailType, detail, rules);
    if (stateChange) return stateChange;
    return {
      kind: 'ignored',
      reason: 'UNKNOWN_EVENT',
      message: `detail-type "${detailType.slice(0, 100)}" is not one cmk-sentinel handles`,
    };
  } catch (e) {
    if (e instanceof SentinelError) return { kind: 'invalid', error: e };
    // A rule's id extractor met a shape nobody foresaw: still a clean, typed outcome.
    return {
      kind: 'invalid',
      error: new SentinelError('INVALID_EVENT', `Event could not be read: ${(e as Error).message}`, {
        cause: e,
        details: { field: '(unknown)' },
      }),
    };
  }
};

/** Helpers for rules' id extractors: read a string at a path, tolerating any shape. */
export const pick = (obj: unknown, ...path: string[]): string | undefined => {
  let cur: unknown = obj;
  for (const p of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[p];
  }
  // An id of the wrong type (`bucketName: 42`) is a malformed event, not an event without a resource:
  // ignoring it would let a change pass unseen. The normaliser turns this into INVALID_EVENT naming the field.
  if (cur !== undefined && cur !== null && typeof cur !== 'string') {
    throw new SentinelError(
      'INVALID_EVENT',
      `${path.join('.')} is ${Array.isArray(cur) ? 'a list' : `a ${typeof cur}`}, expected a string`,
      { details: { field: path.join('.') } },
    );
  }
  return str(cur);
};

/** For rules' id extractors: the id a record names, as a list of one, or none. */
export const idList = (id: string | undefined): string[] => (id ? [id] : []);

/** The CloudTrail record an event carries (EventBridge delivery or a bare record), or undefined. */
export const cloudTrailRecord = (
  event: unknown,
): { envelope: Record<string, unknown>; detail: Record<string, unknown> } | undefined => {
  if (!isObj(event)) return undefined;
  const { envelope, detailType, detail } = unwrap(event);
  return detailType === 'AWS API Call via CloudTrail' && isObj(detail) ? { envelope, detail } : undefined;
};
