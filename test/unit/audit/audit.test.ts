import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditRecord, isAuditable, MemoryAuditLog } from '../../../shared/audit/audit';
import { JsonlAuditLog } from '../../../shared/audit/jsonl';
import type { Outcome } from '../../../shared/alerts/alert';

const outcome = (over: Partial<Outcome> = {}): Outcome => ({
  ref: { type: 's3-bucket', account: '123456789012', region: 'us-east-1', id: 'b' },
  arn: 'arn:aws:s3:::b',
  status: 'NON_COMPLIANT',
  reason: 'NOT_KMS',
  action: 'REMEDIATE',
  result: 'VERIFIED',
  before: { a: 1 },
  after: { a: 2 },
  ...over,
});
const trigger = {
  eventId: 'e1',
  eventName: 'PutBucketEncryption',
  source: 's3.amazonaws.com',
  actor: 'arn:aws:sts::1:assumed-role/r/s',
};

describe('audit records (local adapters)', () => {
  it('records actions and skips, not compliant or report-only outcomes', () => {
    expect(isAuditable(outcome())).toBe(true);
    expect(isAuditable(outcome({ action: 'QUARANTINE' }))).toBe(true);
    expect(isAuditable(outcome({ action: 'SKIP_EXEMPT' }))).toBe(true);
    expect(isAuditable(outcome({ status: 'ERROR', action: 'REMEDIATE', result: 'FAILED' }))).toBe(true);
    expect(isAuditable(outcome({ status: 'COMPLIANT', action: 'NONE', result: 'NOT_ATTEMPTED' }))).toBe(false);
    expect(isAuditable(outcome({ action: 'REPORT', result: 'NOT_ATTEMPTED' }))).toBe(false);
  });

  it('the record id is deterministic per event, resource and action', () => {
    const now = new Date('2026-11-27T10:00:00Z');
    expect(auditRecord(outcome(), trigger, now).id).toBe(auditRecord(outcome(), trigger, new Date()).id);
    expect(auditRecord(outcome(), { ...trigger, eventId: 'e2' }, now).id).not.toBe(
      auditRecord(outcome(), trigger, now).id,
    );
    expect(auditRecord(outcome(), trigger, now)).toMatchObject({
      before: { a: 1 },
      after: { a: 2 },
      trigger,
      action: 'REMEDIATE',
      result: 'VERIFIED',
    });
  });

  it('JSONL only appends: earlier lines are never rewritten', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'audit-')), 'audit.jsonl');
    writeFileSync(file, '{"earlier":true}\n');
    const log = new JsonlAuditLog(file);
    await log.append(auditRecord(outcome(), trigger, new Date()));
    await log.append(auditRecord(outcome({ action: 'QUARANTINE' }), trigger, new Date()));
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0] as string)).toEqual({ earlier: true });
    expect(JSON.parse(lines[2] as string).action).toBe('QUARANTINE');
  });

  it('the in-memory log refuses a second record with the same id', async () => {
    const log = new MemoryAuditLog();
    const r = auditRecord(outcome(), trigger, new Date());
    expect(await log.append(r)).toBe(true);
    expect(await log.append({ ...r, result: 'FAILED' })).toBe(false);
    expect(log.records.map((x) => x.result)).toEqual(['VERIFIED']);
  });
});
