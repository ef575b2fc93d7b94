import { checksOf } from '../../../shared/compliance/mapping';
import { parsePolicy } from '../../../shared/policy/policy';
import { detectTamper } from '../../../shared/tamper/tamper';
import { waiverAlerts, waiverRows } from '../../../shared/waivers/daily-check';
import { daysLeft, policyWaiver, tagWaiver, type Waiver } from '../../../shared/waivers/waiver';

const W = (over: Partial<Waiver> = {}): Waiver => ({
  id: 'WVR-1',
  resources: ['arn:aws:s3:::legal-*'],
  checks: ['s3-at-rest-cmk'],
  reason: 'legal hold, vendor reads SSE-S3',
  owner: 'data-gov@example.com',
  approval: 'CHG-1234',
  approvedOn: '2026-06-01',
  expires: '2026-12-31',
  ...over,
});
const policy = (waivers: unknown[]) => parsePolicy({ cmk: { alias: 'alias/data-platform' }, waivers }, 'test');
const NOW = new Date('2026-12-01T10:00:00Z');

describe('waivers', () => {
  it('a covering, unexpired waiver waives; days left count to the end of the expiry day', () => {
    const v = policyWaiver([W()], 's3-bucket', 'arn:aws:s3:::legal-hold', 'NOT_KMS', NOW, checksOf);
    expect(v).toMatchObject({
      status: 'WAIVED',
      id: 'WVR-1',
      daysLeft: 31,
      owner: 'data-gov@example.com',
      approval: 'CHG-1234',
    });
    expect(daysLeft(W({ expires: '2026-12-01' }), NOW)).toBe(1);
    expect(daysLeft(W({ expires: '2026-11-30' }), NOW)).toBe(0);
  });

  it('does not waive another resource, another check, or after expiry', () => {
    expect(policyWaiver([W()], 's3-bucket', 'arn:aws:s3:::raw-landing', 'NOT_KMS', NOW, checksOf)).toBeUndefined();
    expect(policyWaiver([W()], 's3-tls', 'arn:aws:s3:::legal-hold', 'NO_TLS', NOW, checksOf)).toBeUndefined();
    expect(
      policyWaiver([W({ expires: '2026-11-30' })], 's3-bucket', 'arn:aws:s3:::legal-hold', 'NOT_KMS', NOW, checksOf),
    ).toMatchObject({ status: 'EXPIRED', daysLeft: 0 });
    // A reason, <type>:<reason> and * cover too.
    expect(
      policyWaiver([W({ checks: ['NOT_KMS'] })], 's3-bucket', 'arn:aws:s3:::legal-x', 'NOT_KMS', NOW, checksOf)?.status,
    ).toBe('WAIVED');
    expect(
      policyWaiver(
        [W({ checks: ['s3-bucket:UNENCRYPTED'] })],
        's3-bucket',
        'arn:aws:s3:::legal-x',
        'NOT_KMS',
        NOW,
        checksOf,
      ),
    ).toBeUndefined();
  });

  it('the exemption tag must name a covering waiver: "true", an unknown id or a foreign waiver is UNAPPROVED_EXEMPTION', () => {
    const tag = 'cmk-sentinel:exempt';
    const arn = 'arn:aws:s3:::other';
    expect(tagWaiver([W()], tag, { [tag]: 'true' }, 's3-bucket', arn, 'NOT_KMS', NOW, checksOf)).toMatchObject({
      status: 'UNAPPROVED_EXEMPTION',
      tag: 'true',
    });
    expect(tagWaiver([W()], tag, { [tag]: 'WVR-9' }, 's3-bucket', arn, 'NOT_KMS', NOW, checksOf)?.detail).toMatch(
      /no waiver "WVR-9"/,
    );
    expect(tagWaiver([W()], tag, { [tag]: 'WVR-1' }, 's3-bucket', arn, 'NOT_KMS', NOW, checksOf)?.detail).toMatch(
      /does not cover/,
    );
    expect(tagWaiver([W()], tag, { [tag]: 'false' }, 's3-bucket', arn, 'NOT_KMS', NOW, checksOf)).toBeUndefined();
    expect(tagWaiver([W()], tag, {}, 's3-bucket', arn, 'NOT_KMS', NOW, checksOf)).toBeUndefined();
    expect(
      tagWaiver([W()], tag, { [tag]: 'WVR-1' }, 's3-bucket', 'arn:aws:s3:::legal-1', 'NOT_KMS', NOW, checksOf)?.status,
    ).toBe('WAIVED');
  });

  it('the policy refuses a waiver of more than a year, a bad date, a duplicate id, or a resource that is not an ARN', () => {
    expect(policy([W()]).waivers).toHaveLength(1);
    expect(() => policy([W({ expires: '2027-06-03' })])).toThrow(/waivers\.0\.expires: a waiver lasts at most a year/);
    expect(() => policy([W({ expires: '2026-02-30' })])).toThrow(/real calendar day/);
    expect(() => policy([W({ expires: '2026-05-01' })])).toThrow(/must not be before approvedOn/);
    expect(() => policy([W(), W()])).toThrow(/unique/);
    expect(() => policy([W({ resources: ['legal-hold'] })])).toThrow(/ARN/);
    expect(() => policy([W({ resources: ['arn:*'] })])).toThrow(/beyond/);
    expect(() => policy([{ ...W(), owner: undefined }])).toThrow(/waivers\.0\.owner/);
  });

  it('the daily check alerts on waivers expiring within 14 days and expired ones, ids stable per day', () => {
    const p = policy([
      W({ id: 'soon', expires: '2026-12-10' }),
      W({ id: 'later', expires: '2027-03-01' }),
      W({ id: 'gone', expires: '2026-11-20', approvedOn: '2026-01-01' }),
    ]);
    const alerts = waiverAlerts(p, NOW, '123456789012', 'us-east-1');
    expect(alerts.map((a) => [a.reason, a.resource.id, a.severity])).toEqual([
      ['WAIVER_EXPIRING', 'soon', 'MEDIUM'],
      ['WAIVER_EXPIRED', 'gone', 'HIGH'],
    ]);
    expect(alerts[0]?.detail).toMatch(/in 10 day\(s\)/);
    expect(waiverAlerts(p, new Date('2026-12-01T23:00:00Z'), '123456789012', 'us-east-1').map((a) => a.id)).toEqual(
      alerts.map((a) => a.id),
    );
    expect(waiverAlerts(p, new Date('2026-12-02T01:00:00Z'), '123456789012', 'us-east-1')[0]?.id).not.toBe(
      alerts[0]?.id,
    );
    expect(waiverRows(p, NOW).map((r) => [r.id, r.status, r.daysLeft])).toEqual([
      ['soon', 'EXPIRING', 10],
      ['later', 'ACTIVE', 91],
      ['gone', 'EXPIRED', -10],
    ]);
  });

  it('tagging with an approved waiver id raises no tamper alert; "true" or an expired id still does', () => {
    const p = policy([W(), W({ id: 'old', expires: '2026-11-01', approvedOn: '2026-01-01' })]);
    const ev = (value: string) => ({
      id: 'e1',
      source: 'aws.s3',
      'detail-type': 'AWS API Call via CloudTrail',
      account: '123456789012',
      region: 'us-east-1',
      detail: {
        eventSource: 's3.amazonaws.com',
        eventName: 'PutBucketTagging',
        awsRegion: 'us-east-1',
        requestParameters: {
          bucketName: 'legal-hold',
          Tagging: { TagSet: { Tag: [{ Key: 'cmk-sentinel:exempt', Value: value }] } },
        },
      },
    });
    expect(detectTamper(ev('WVR-1'), p, NOW)).toBeUndefined();
    expect(detectTamper(ev('true'), p, NOW)?.reason).toBe('TAMPER_EXEMPT_TAG');
    expect(detectTamper(ev('old'), p, NOW)?.reason).toBe('TAMPER_EXEMPT_TAG');
  });
});
