import type { Outcome } from '../../../shared/alerts/alert';
import { fitSize, MAX_FINDING_BYTES, toAsff } from '../../../shared/securityhub/asff';

const now = new Date('2026-12-01T10:00:00Z');
const o = (over: Partial<Outcome>): Outcome => ({
  ref: { type: 'kms-key', account: '111122223333', region: 'eu-west-1', id: 'k1' },
  arn: 'arn:aws:kms:eu-west-1:111122223333:key/k1',
  status: 'NON_COMPLIANT',
  reason: 'ROTATION_DISABLED',
  action: 'REPORT',
  result: 'NOT_ATTEMPTED',
  ...over,
});

describe('ASFF findings from outcomes', () => {
  it('PASSED only for a verified fix; an attempted or pending fix is not PASSED', () => {
    expect(toAsff(o({ action: 'REMEDIATE', result: 'VERIFIED' }), { now })[0]?.Compliance.Status).toBe('PASSED');
    expect(toAsff(o({ action: 'REMEDIATE', result: 'VERIFICATION_FAILED' }), { now })[0]?.Compliance.Status).toBe(
      'FAILED',
    );
    expect(toAsff(o({ action: 'REMEDIATE', result: 'FAILED' }), { now })[0]?.Compliance.Status).toBe('FAILED');
    expect(toAsff(o({ action: 'REMEDIATE', result: 'PENDING' }), { now })[0]?.Compliance.Status).toBe('WARNING');
    expect(toAsff(o({ action: 'QUARANTINE', result: 'VERIFIED' }), { now })[0]?.Compliance.Status).toBe('FAILED');
  });

  it('a waived finding is FAILED and SUPPRESSED with the waiver noted; errors and not-applicable give none', () => {
    const f = toAsff(
      o({
        action: 'SKIP_EXEMPT',
        waiver: { status: 'WAIVED', id: 'W1', expires: '2027-01-01', detail: 'Waived by W1' },
      }),
      { now },
    )[0];
    expect(f).toMatchObject({
      Compliance: { Status: 'FAILED' },
      Workflow: { Status: 'SUPPRESSED' },
      Note: { Text: 'Waived by W1' },
    });
    expect(toAsff(o({ status: 'ERROR', action: 'NONE', result: 'FAILED' }), { now })).toEqual([]);
    expect(toAsff(o({ status: 'NOT_APPLICABLE', reason: 'NOT_THE_CMK', action: 'NONE' }), { now })).toEqual([]);
  });

  it('a compliant key passes each check of its type; a gone key archives them; ids stable per resource and check', () => {
    const pass = toAsff(o({ status: 'COMPLIANT', reason: undefined, action: 'NONE' }), { now });
    expect(pass.map((f) => f.GeneratorId).sort()).toEqual([
      'cmk-sentinel/kms-key-usable',
      'cmk-sentinel/kms-not-deleted',
      'cmk-sentinel/kms-rotation',
    ]);
    expect(pass.every((f) => f.Compliance.Status === 'PASSED')).toBe(true);
    const gone = toAsff(o({ status: 'NOT_APPLICABLE', reason: 'RESOURCE_GONE', action: 'NONE' }), { now });
    expect(gone.map((f) => [f.Id, f.RecordState])).toEqual(pass.map((f) => [f.Id, 'ARCHIVED']));
    expect(toAsff(o({}), { now })[0]?.Id).toBe('cmk-sentinel/111122223333/eu-west-1/kms-key/k1/kms-rotation');
    expect(toAsff(o({}), { now })[0]).toMatchObject({
      AwsAccountId: '111122223333',
      ProductArn: 'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default',
      Severity: { Label: 'HIGH' },
    });
  });

  it('keeps a finding under 240 KB and its fields within the ASFF limits', () => {
    const f = toAsff(o({ detail: 'x'.repeat(5000), observedKey: 'k'.repeat(300_000) }), { now })[0];
    expect(f?.Description.length).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(JSON.stringify(f))).toBeLessThanOrEqual(MAX_FINDING_BYTES);
    expect(f?.Compliance.RelatedRequirements.length).toBeLessThanOrEqual(32);
    const huge = {
      ...(f as NonNullable<typeof f>),
      ProductFields: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'.repeat(10_000)])),
    };
    expect(Buffer.byteLength(JSON.stringify(fitSize(huge)))).toBeLessThanOrEqual(MAX_FINDING_BYTES);
    expect(fitSize(huge).Id).toBe(huge.Id);
  });
});
