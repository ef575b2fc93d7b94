/**
 * Waivers: an approved, dated exception for named resources and checks (policy `waivers:`). Pure: every
 * function takes the clock as an argument, so evaluate stays free of I/O and time.
 *
 * A waiver in the policy is the authority: it names its resources itself, so a covered resource is waived with or
 * without a tag. The exemption tag alone no longer exempts anything: its value must be the id of a waiver that
 * exists and covers the resource; any other value ("true", an unknown id, a waiver for other resources or checks)
 * is an UNAPPROVED_EXEMPTION, reported, and the resource is handled as if untagged.
 */
import type { ResourceType } from '../rules/type-ids';

export interface Waiver {
  id: string;
  /** Resource ARNs, or patterns over the ARN with `*` (any run of characters) and `?` (one character). */
  resources: string[];
  /** Reasons (UNENCRYPTED), `<type>:<reason>`, check ids of the compliance mapping (s3-at-rest-cmk), or `*`. */
  checks: string[];
  reason: string;
  owner: string;
  /** Where the approval is recorded (ticket, change request). */
  approval: string;
  /** Day of approval, YYYY-MM-DD; the expiry is at most a year after it. */
  approvedOn: string;
  /** Last day the waiver holds (UTC), YYYY-MM-DD. */
  expires: string;
}

export type WaiverStatus = 'WAIVED' | 'EXPIRED' | 'UNAPPROVED_EXEMPTION';

/** What a waiver (or an exemption tag) means for one finding; carried by outcomes, alerts, findings and reports. */
export interface WaiverVerdict {
  status: WaiverStatus;
  /** The waiver that applies (or applied until it expired); absent for an unapproved tag. */
  id?: string;
  owner?: string;
  approval?: string;
  expires?: string;
  /** Whole days until the end of the expiry day; 0 or less once expired. */
  daysLeft?: number;
  /** The exemption tag's value, when a tag was involved. */
  tag?: string;
  detail: string;
}

const DAY_MS = 86_400_000;

/** A waiver holds through the whole of its expiry day (UTC). */
export const expiryInstant = (w: Pick<Waiver, 'expires'>): number => Date.parse(`${w.expires}T00:00:00.000Z`) + DAY_MS;

export const daysLeft = (w: Pick<Waiver, 'expires'>, now: Date): number =>
  Math.ceil((expiryInstant(w) - now.getTime()) / DAY_MS) || 0;

export const isExpired = (w: Pick<Waiver, 'expires'>, now: Date): boolean => now.getTime() >= expiryInstant(w);

const globToRegExp = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

export const matchesResource = (w: Pick<Waiver, 'resources'>, arn: string): boolean =>
  w.resources.some((p) => (p.includes('*') || p.includes('?') ? globToRegExp(p).test(arn) : p === arn));

/** `checksOf(type, reason)`: the mapping's check ids for a reason (passed in: this module loads no data). */
export type ChecksOf = (type: ResourceType, reason: string) => readonly string[];

export const coversCheck = (
  w: Pick<Waiver, 'checks'>,
  type: ResourceType,
  reason: string | undefined,
  checksOf: ChecksOf,
): boolean => {
  const r = reason ?? 'NON_COMPLIANT';
  const checks = checksOf(type, r);
  return w.checks.some((c) => c === '*' || c === r || c === `${type}:${r}` || c === `${type}:*` || checks.includes(c));
};

const covers = (w: Waiver, type: ResourceType, arn: string, reason: string | undefined, checksOf: ChecksOf): boolean =>
  matchesResource(w, arn) && coversCheck(w, type, reason, checksOf);

const verdictOf = (w: Waiver, now: Date, tag?: string): WaiverVerdict => {
  const left = daysLeft(w, now);
  const base = {
    id: w.id,
    owner: w.owner,
    approval: w.approval,
    expires: w.expires,
    daysLeft: left,
    ...(tag !== undefined ? { tag } : {}),
  };
  return left > 0
    ? {
        status: 'WAIVED',
        ...base,
        detail: `Waived by ${w.id} (owner ${w.owner}, approval ${w.approval}) until ${w.expires}, ${left} day(s) left: reported, not touched`,
      }
    : {
        status: 'EXPIRED',
        ...base,
        detail: `Waiver ${w.id} (owner ${w.owner}) expired on ${w.expires}: handled as non-compliant again`,
      };
};

/**
 * The policy's verdict for a non-compliant resource: an active covering waiver wins; else an expired one is named
 * (the resource is handled, and the alert says its waiver ran out); undefined = no waiver concerns it.
 */
export const policyWaiver = (
  waivers: readonly Waiver[],
  type: ResourceType,
  arn: string,
  reason: string | undefined,
  now: Date,
  checksOf: ChecksOf,
): WaiverVerdict | undefined => {
  const covering = waivers.filter((w) => covers(w, type, arn, reason, checksOf));
  const active = covering.find((w) => !isExpired(w, now));
  if (active) return verdictOf(active, now);
  const expired = covering.sort((a, b) => b.expires.localeCompare(a.expires))[0];
  return expired ? verdictOf(expired, now) : undefined;
};

/**
 * What the exemption tag says, when the policy itself waived nothing: undefined without the tag (or with the
 * explicit value "false"); EXPIRED when it names an expired covering waiver; otherwise UNAPPROVED_EXEMPTION.
 */
export const tagWaiver = (
  waivers: readonly Waiver[],
  tagKey: string,
  tags: Readonly<Record<string, string>> | undefined,
  type: ResourceType,
  arn: string,
  reason: string | undefined,
  now: Date,
  checksOf: ChecksOf,
): WaiverVerdict | undefined => {
  const value = tags?.[tagKey];
  if (value === undefined || value.toLowerCase() === 'false') return undefined;
  const named = waivers.find((w) => w.id === value);
  if (named && covers(named, type, arn, reason, checksOf)) return verdictOf(named, now, value);
  const why = !named
    ? value.toLowerCase() === 'true'
      ? 'the tag alone no longer exempts: its value must be the id of an approved waiver'
      : `no waiver "${value.slice(0, 64)}" exists in the policy`
    : `waiver ${named.id} does not cover this resource and check`;
  return {
    status: 'UNAPPROVED_EXEMPTION',
    tag: value.slice(0, 64),
    detail: `Tagged ${tagKey}=${value.slice(0, 64)}, an unapproved exemption (${why}): not honoured`,
  };
};

/** Waivers expiring within `withinDays` (and not yet expired), and the expired ones, for the daily check. */
export const waiversDue = (
  waivers: readonly Waiver[],
  now: Date,
  withinDays = 14,
): { expiring: Waiver[]; expired: Waiver[] } => ({
  expiring: waivers.filter((w) => !isExpired(w, now) && daysLeft(w, now) <= withinDays),
  expired: waivers.filter((w) => isExpired(w, now)),
});
