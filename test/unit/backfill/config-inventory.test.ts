import { configSettings, recordsType, triageItem } from '../../../shared/backfill/config-inventory';
import { recordedEncryption } from '../../../shared/rules/s3-bucket/config-item';
import { testPolicy } from '../../support/harness';

/** The pure parts of the Config-triaged sweep: which recorder counts, which item is trusted, what an item says. */
const NOW = new Date('2026-12-01T12:00:00Z');
const H = 3_600_000;
const compliant = { status: 'COMPLIANT' as const };

describe('triageItem', () => {
  const item = (ageH: number | undefined) => ({
    resourceId: 'b',
    ...(ageH === undefined ? {} : { capturedAt: new Date(NOW.getTime() - ageH * H) }),
  });
  it('trusts a compliant item captured within the bound, and nothing else', () => {
    expect(triageItem('b', item(1), compliant, NOW, 24 * H)).toMatchObject({ verdict: 'COMPLIANT' });
    expect(triageItem('b', item(25), compliant, NOW, 24 * H)).toEqual({ id: 'b', verdict: 'REREAD', why: 'STALE' });
    expect(triageItem('b', item(undefined), compliant, NOW, 24 * H)).toMatchObject({ why: 'UNKNOWN' });
    expect(triageItem('b', item(1), undefined, NOW, 24 * H)).toMatchObject({ why: 'UNKNOWN' });
    expect(triageItem('b', item(1), { status: 'NON_COMPLIANT' }, NOW, 24 * H)).toMatchObject({ why: 'NON_COMPLIANT' });
    expect(triageItem('b', undefined, compliant, NOW, 24 * H)).toMatchObject({ why: 'NOT_IN_CONFIG' });
  });
});

describe('recordsType', () => {
  const on = new Set(['default']);
  it('needs a recorder that is on and whose group covers the type', () => {
    const all = [{ name: 'default', recordingGroup: { allSupported: true } }];
    expect(recordsType(all, on, 'AWS::S3::Bucket')).toBe(true);
    expect(recordsType(all, new Set(), 'AWS::S3::Bucket')).toBe(false);
    const some = [
      { name: 'default', recordingGroup: { allSupported: false, resourceTypes: ['AWS::RDS::DBInstance' as const] } },
    ];
    expect(recordsType(some, on, 'AWS::S3::Bucket')).toBe(false);
    expect(recordsType(some, on, 'AWS::RDS::DBInstance')).toBe(true);
    const excluding = [
      {
        name: 'default',
        recordingGroup: {
          allSupported: false,
          recordingStrategy: { useOnly: 'EXCLUSION_BY_RESOURCE_TYPES' as const },
          exclusionByResourceTypes: { resourceTypes: ['AWS::S3::Bucket' as const] },
        },
      },
    ];
    expect(recordsType(excluding, on, 'AWS::S3::Bucket')).toBe(false);
    expect(recordsType(excluding, on, 'AWS::DynamoDB::Table')).toBe(true);
  });
});

describe('recordedEncryption (AWS::S3::Bucket supplementary ServerSideEncryptionConfiguration)', () => {
  const sse = (v: unknown) => ({
    resourceId: 'b',
    supplementaryConfiguration: { ServerSideEncryptionConfiguration: v as string },
  });
  it('reads the rule, also double-encoded; absent or unreadable is unknown', () => {
    const rules = {
      rules: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyID: 'arn:k' },
          bucketKeyEnabled: true,
        },
      ],
    };
    expect(recordedEncryption(sse(JSON.stringify(rules)))).toEqual({
      algorithm: 'aws:kms',
      keyRef: 'arn:k',
      bucketKey: true,
    });
    expect(recordedEncryption(sse(JSON.stringify(JSON.stringify(rules))))).toMatchObject({ keyRef: 'arn:k' });
    expect(
      recordedEncryption(
        sse(
          JSON.stringify({
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256', kmsMasterKeyID: null } }],
          }),
        ),
      ),
    ).toEqual({ algorithm: 'AES256', keyRef: undefined, bucketKey: false });
    expect(recordedEncryption({ resourceId: 'b' })).toBeUndefined();
    expect(recordedEncryption(sse('{not json'))).toBeUndefined();
  });
});

describe('configSettings', () => {
  it('off unless the policy asks; 24 h by default; refuses a bound above 30 days', () => {
    expect(configSettings({ policy: testPolicy() })).toBeUndefined();
    expect(configSettings({ policy: testPolicy({ backfill: { config: {} } }) })).toEqual({ maxAgeMs: 24 * H });
    expect(configSettings({ policy: testPolicy({ backfill: { config: { enabled: false } } }) })).toBeUndefined();
    expect(() => testPolicy({ backfill: { config: { maxAgeHours: 1000 } } })).toThrow(/at most 720 hours/);
  });
});
