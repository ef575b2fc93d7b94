import { buildReport } from '../shared/backfill/report';
import type { ResultRow } from '../shared/backfill/store';

/** A report with what breaks layouts: long ARNs, long details, an SSE-S3 bucket, TLS findings, a failed listing. */
export const sampleReport = async () => {
  const row = (unit: string, id: string, status: ResultRow['status'], extra: Partial<ResultRow> = {}): ResultRow => ({
    unit,
    id,
    status,
    action: 'NONE',
    result: 'NOT_ATTEMPTED',
    at: '2026-12-01T09:00:00Z',
    ...extra,
  });
  const key = (r: string) => `arn:aws:kms:${r}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
  const rows: ResultRow[] = [
    ...Array.from({ length: 6 }, (_, i) => row('123456789012/us-east-1/s3-bucket', `ok-${i}`, 'COMPLIANT')),
    row('123456789012/us-east-1/s3-bucket', 'clickstream', 'NON_COMPLIANT', {
      arn: 'arn:aws:s3:::clickstream',
      reason: 'NOT_KMS',
      expectedKey: key('us-east-1'),
      action: 'REMEDIATE',
      result: 'VERIFIED',
      detail:
        'PutBucketEncryption aws:kms with the CMK ARN, BucketKeyEnabled; existing objects keep their old key until the backfill rewrites them',
    }),
    row(
      '123456789012/us-east-1/s3-bucket',
      'a-very-long-bucket-name-for-the-analytics-platform-raw-landing-zone-2026',
      'NON_COMPLIANT',
      {
        arn: 'arn:aws:s3:::a-very-long-bucket-name-for-the-analytics-platform-raw-landing-zone-2026',
        reason: 'WRONG_REGION_KEY',
        observedKey: key('eu-west-1'),
        expectedKey: key('us-east-1'),
        action: 'REPORT',
        detail:
          'Default encryption names arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, the CMK of eu-west-1; this bucket is in us-east-1. Reported only: the policy mode for s3-bucket is report (opt in with types.s3-bucket.mode: remediate).',
      },
    ),
    row('123456789012/us-east-1/rds-instance', 'orders-db', 'NON_COMPLIANT', {
      arn: 'arn:aws:rds:us-east-1:123456789012:db:orders-db',
      reason: 'UNENCRYPTED',
      expectedKey: key('us-east-1'),
      action: 'REMEDIATE',
      result: 'PENDING',
      detail:
        'rds-reencrypt workflow started: arn:aws:states:us-east-1:123456789012:execution:cmk-sentinel-rds-reencrypt:rds-instance-123456789012-orders-db-0123456789abcdef',
    }),
    row('123456789012/us-east-1/s3-tls', 'clickstream', 'NON_COMPLIANT', {
      reason: 'NO_TLS',
      action: 'REMEDIATE',
      result: 'VERIFIED',
    }),
    row('123456789012/us-east-1/rds-tls', 'orders-db', 'NON_COMPLIANT', { reason: 'NO_TLS', action: 'REPORT' }),
    row('123456789012/us-east-1/s3-bucket', 'gone', 'NOT_APPLICABLE', { reason: 'RESOURCE_GONE' }),
    row('123456789012/eu-west-1/s3-bucket', 'eu-denied', 'ERROR', {
      reason: 'ACCESS_DENIED',
      errorCode: 'ACCESS_DENIED',
      result: 'FAILED',
      detail:
        'User: arn:aws:sts::123456789012:assumed-role/cmk-sentinel-backfill/session is not authorized to perform: s3:GetEncryptionConfiguration',
    }),
  ];
  async function* stream() {
    yield* rows;
  }
  return buildReport(
    {
      sweepId: 'sweep-20261201T090000-abc123',
      startedAt: '2026-12-01T09:00:00Z',
      finishedAt: '2026-12-01T09:00:41Z',
      dryRun: false,
      units: [],
      policy: 'policy.yaml',
      policyMode: 'report',
      mode: 'remediate',
    },
    stream(),
    [
      {
        unit: '123456789012/us-east-1/redshift-tls',
        error:
          'AWS_UNAVAILABLE: redshift:DescribeClusterParameters failed on the AWS side: @aws-sdk XML parse error: mismatched tags <html> and </title>.\n  Deserialization error: inspect the hidden field {error}.$response',
      },
    ],
  );
};
