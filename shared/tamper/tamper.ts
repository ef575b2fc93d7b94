import { createHash } from 'node:crypto';
import { type Alert, ALERT_SCHEMA } from '../alerts/alert';
import { cloudTrailRecord } from '../events/normalise';
import type { Policy } from '../policy/policy';
import { type Obj, isObj, str } from '../json';
import { isExpired } from '../waivers/waiver';

/**
 * The ways to switch cmk-sentinel off without touching its code: exempt a resource by
 * tag, delete or disable its EventBridge rules, stop the trail that feeds them, or
 * change its role. Each raises a CRITICAL alert. Not a Rule: nothing here is a
 * resource to re-read and fix, only a change someone must look at.
 */

/** Name prefix of everything the stack deploys (rules, roles): `${service}-${stage}-...`. */
export const SERVICE_PREFIX = 'cmk-sentinel-';

export type TamperReason = 'TAMPER_EXEMPT_TAG' | 'TAMPER_EVENT_RULE' | 'TAMPER_TRAIL' | 'TAMPER_ROLE';

export interface TamperFinding {
  reason: TamperReason;
  /** What was tampered with: the tagged resource, rule, trail or role. */
  target: { type: string; id: string };
  detail: string;
  eventName: string;
  eventSource: string;
  eventId?: string;
  actor?: string;
  account: string;
  region: string;
}

/** The CloudTrail events that can carry tampering; serverless.yml routes exactly these (plus the rules' triggers). */
export const TAMPER_TRIGGERS = [
  // Tagging APIs of every data-store service the rules cover: the exemption tag can arrive through any of them.
  { source: 'aws.s3', eventSource: 's3.amazonaws.com', eventNames: ['PutBucketTagging'] },
  { source: 'aws.rds', eventSource: 'rds.amazonaws.com', eventNames: ['AddTagsToResource'] },
  { source: 'aws.redshift', eventSource: 'redshift.amazonaws.com', eventNames: ['CreateTags'] },
  { source: 'aws.elasticmapreduce', eventSource: 'elasticmapreduce.amazonaws.com', eventNames: ['AddTags'] },
  { source: 'aws.kms', eventSource: 'kms.amazonaws.com', eventNames: ['TagResource'] },
  {
    source: 'aws.events',
    eventSource: 'events.amazonaws.com',
    eventNames: ['DeleteRule', 'DisableRule', 'RemoveTargets'],
  },
  {
    source: 'aws.cloudtrail',
    eventSource: 'cloudtrail.amazonaws.com',
    eventNames: ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors'],
  },
  {
    source: 'aws.iam',
    eventSource: 'iam.amazonaws.com',
    eventNames: [
      'PutRolePolicy',
      'AttachRolePolicy',
      'DetachRolePolicy',
      'DeleteRolePolicy',
      'UpdateAssumeRolePolicy',
      'PutRolePermissionsBoundary',
      'DeleteRole',
    ],
  },
] as const;

const TAG_KEY = ['Key', 'key', 'tagKey', 'TagKey'];
const TAG_VALUE = ['Value', 'value', 'tagValue', 'TagValue'];

/**
 * The value the exemption tag is set to, wherever a request carries it: tag lists
 * ({Key,Value}, {key,value}, {tagKey,tagValue}, S3's XML-derived TagSet.Tag) or tag
 * maps ({tags: {k: v}}). `null` when it is not there.
 */
export const exemptTagValue = (requestParameters: unknown, exemptTag: string): string | null => {
  let found: string | null = null;
  const seen = new Set<unknown>();
  const visit = (v: unknown, parentKey: string, depth: number): void => {
    if (found !== null || depth > 12 || typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const x of v) visit(x, parentKey, depth + 1);
      return;
    }
    const o = v as Obj;
    const k = TAG_KEY.map((n) => o[n]).find((x) => typeof x === 'string');
    if (k === exemptTag) {
      const value = TAG_VALUE.map((n) => o[n]).find((x) => x !== undefined);
      found = typeof value === 'string' ? value : String(value ?? '');
      return;
    }
    if (/^tags?$/i.test(parentKey) && Object.hasOwn(o, exemptTag)) {
      const value = o[exemptTag];
      found = typeof value === 'string' ? value : String(value ?? '');
      return;
    }
    for (const [key, x] of Object.entries(o)) visit(x, key, depth + 1);
  };
  visit(requestParameters, '', 0);
  return found;
};

const roleNameOfActor = (actor: string | undefined): string | undefined =>
  /:assumed-role\/([^/]+)\//.exec(actor ?? '')?.[1] ?? /:role\/(?:.*\/)?([^/]+)$/.exec(actor ?? '')?.[1];

/** The service's own roles (its stack roles and the member role it assumes). */
export const isServiceRole = (roleName: string | undefined, policy: Policy): boolean =>
  roleName !== undefined && (roleName.startsWith(SERVICE_PREFIX) || roleName === policy.doc.accounts.roleName);

/** Whether an event's actor is the service itself (its own change coming back): logged, never relied on. */
export const isServiceActor = (actor: string | undefined, policy: Policy): boolean =>
  isServiceRole(roleNameOfActor(actor), policy);

const targetOf = (p: Obj): string =>
  str(p.bucketName) ??
  str(p.resourceName) ??
  str(p.resourceId) ??
  str(p.keyId) ??
  str(p.resourceArn) ??
  str(p.resourceARN) ??
  '(unknown resource)';

/** Tampering the event shows, if any. Pure and total: any input gives a finding or undefined, never an exception. */
export const detectTamper = (event: unknown, policy: Policy, now: Date = new Date()): TamperFinding | undefined => {
  try {
    const rec = cloudTrailRecord(event);
    if (!rec) return undefined;
    const { detail, envelope } = rec;
    if (detail.errorCode !== undefined && detail.errorCode !== null) return undefined;
    const eventName = str(detail.eventName);
    const eventSource = str(detail.eventSource);
    if (!eventName || !eventSource) return undefined;
    const p = isObj(detail.requestParameters) ? detail.requestParameters : {};
    const identity = isObj(detail.userIdentity) ? detail.userIdentity : {};
    const base = {
      eventName,
      eventSource,
      eventId: str(envelope.id) ?? str(detail.eventID),
      actor: str(identity.arn),
      account: str(envelope.account) ?? str(detail.recipientAccountId) ?? str(identity.accountId) ?? 'unknown',
      region: str(detail.awsRegion) ?? str(envelope.region) ?? 'unknown',
    };
    const by = base.actor ? ` by ${base.actor}` : '';

    if (eventSource === 'events.amazonaws.com' && ['DeleteRule', 'DisableRule', 'RemoveTargets'].includes(eventName)) {
      const rule = str(p.name) ?? str(p.rule);
      if (rule?.startsWith(SERVICE_PREFIX)) {
        return {
          ...base,
          reason: 'TAMPER_EVENT_RULE',
          target: { type: 'eventbridge-rule', id: rule },
          detail: `${eventName} on the service's EventBridge rule ${rule}${by}: changes stop reaching cmk-sentinel`,
        };
      }
      return undefined;
    }
    if (
      eventSource === 'cloudtrail.amazonaws.com' &&
      ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors'].includes(eventName)
    ) {
      const trail = str(p.name) ?? str(p.trailName) ?? '(unknown trail)';
      return {
        ...base,
        reason: 'TAMPER_TRAIL',
        target: { type: 'cloudtrail-trail', id: trail },
        detail: `${eventName} on trail ${trail}${by}: API calls may stop reaching EventBridge and cmk-sentinel`,
      };
    }
    if (eventSource === 'iam.amazonaws.com') {
      const role = str(p.roleName);
      const changes = [
        'PutRolePolicy',
        'AttachRolePolicy',
        'DetachRolePolicy',
        'DeleteRolePolicy',
        'UpdateAssumeRolePolicy',
        'PutRolePermissionsBoundary',
        'DeleteRole',
      ];
      if (changes.includes(eventName) && isServiceRole(role, policy)) {
        return {
          ...base,
          reason: 'TAMPER_ROLE',
          target: { type: 'iam-role', id: role as string },
          detail: `${eventName} on the service's role ${role}${by}: what cmk-sentinel may do has changed`,
        };
      }
      return undefined;
    }
    const value = exemptTagValue(p, policy.doc.exemptTag);
    // Any value but "false" is reported, unless it names an approved waiver of the policy that has not expired
    // (the tag alone no longer exempts: shared/waivers/waiver.ts); a masked or unreadable value is reported too.
    const approved = value !== null && policy.waivers.some((w) => w.id === value && !isExpired(w, now));
    if (value !== null && value.toLowerCase() !== 'false' && !approved) {
      const target = targetOf(p);
      return {
        ...base,
        reason: 'TAMPER_EXEMPT_TAG',
        target: { type: eventSource.split('.')[0] ?? 'resource', id: target },
        detail: `${eventName} set ${policy.doc.exemptTag}=${value.slice(0, 40)} on ${target}${by}: cmk-sentinel will no longer touch it`,
      };
    }
    return undefined;
  } catch {
    return undefined;
  }
};

export const tamperAlert = (f: TamperFinding, now: Date): Alert => ({
  schema: ALERT_SCHEMA,
  id: createHash('sha256')
    .update([f.eventId ?? f.eventName, f.reason, f.target.type, f.target.id].join('|'))
    .digest('hex')
    .slice(0, 32),
  time: now.toISOString(),
  severity: 'CRITICAL',
  resource: { type: f.target.type, id: f.target.id, account: f.account, region: f.region },
  status: 'NON_COMPLIANT',
  reason: f.reason,
  detail: f.detail,
  action: {
    taken: 'NONE',
    result: 'NOT_ATTEMPTED',
    detail: 'Tampering with cmk-sentinel is reported, never reverted automatically: a person must confirm it',
  },
  trigger: { eventId: f.eventId, eventName: f.eventName, source: f.eventSource, actor: f.actor },
});
