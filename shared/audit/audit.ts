import { createHash } from 'node:crypto';
import type { Outcome } from '../alerts/alert';
import type { TriggerInfo } from '../events/normalise';
import { redact } from '../redact';

/**
 * One durable record per action (remediation, quarantine, skip for exemption, workflow
 * step): what it was, the state before and after, the event and actor that caused it,
 * and how it went. Stores only append; nothing in the service rewrites a record.
 */
export interface AuditRecord {
  schema: 'cmk-sentinel.audit/v1';
  /** Deterministic per event, resource and action: a duplicate append is recognised, not stored twice. */
  id: string;
  time: string;
  resource: { type: string; id: string; arn?: string; account: string; region: string };
  action: string;
  result: string;
  status: string;
  reason?: string;
  detail?: string;
  before?: unknown;
  after?: unknown;
  trigger: TriggerInfo;
  error?: Outcome['error'];
  /** Its place in the hash chain of its account and region (shared/audit/chain.ts), set by the store on append. */
  chain?: ChainLink;
}

/** A record's place in the hash chain of its account and region (shared/audit/chain.ts). */
export interface ChainLink {
  /** `<account>/<region>` of the resource. */
  id: string;
  seq: number;
  /** Hash of the previous record of the chain; GENESIS for the first. */
  prev: string;
  hash: string;
}

/** The port: append only. `false` when a record with this id is already stored. */
export interface AuditLog {
  append(record: AuditRecord): Promise<boolean>;
}

/** Actions worth a record: anything the service did or deliberately did not do to a resource. */
export const isAuditable = (o: Outcome): boolean =>
  o.action === 'REMEDIATE' ||
  o.action === 'QUARANTINE' ||
  o.action === 'SKIP_EXEMPT' ||
  (o.status === 'ERROR' && o.action !== 'NONE');

export const auditRecord = (o: Outcome, trigger: TriggerInfo, now: Date): AuditRecord =>
  redact({
    schema: 'cmk-sentinel.audit/v1',
    id: createHash('sha256')
      .update(
        [
          trigger.eventId ?? now.toISOString(),
          o.ref.type,
          o.ref.account,
          o.ref.region,
          o.ref.id,
          o.action,
          o.result,
        ].join('|'),
      )
      .digest('hex')
      .slice(0, 32),
    time: now.toISOString(),
    resource: { type: o.ref.type, id: o.ref.id, arn: o.arn, account: o.ref.account, region: o.ref.region },
    action: o.action,
    result: o.result,
    status: o.status,
    reason: o.reason,
    detail: o.actionDetail ?? o.detail,
    before: o.before,
    after: o.after,
    trigger,
    error: o.error,
  });

/** Tests and one-off runs. */
export class MemoryAuditLog implements AuditLog {
  readonly records: AuditRecord[] = [];
  async append(r: AuditRecord): Promise<boolean> {
    if (this.records.some((x) => x.id === r.id)) return false;
    this.records.push(structuredClone(r));
    return true;
  }
}
