import { describeData, emptyData, isComplete, addFailure, addSkip } from '../../../../shared/rules/data-outcome';
import {
  COPY_MAX,
  markerValue,
  type ObjectVersionState,
  partSizeFor,
  planObject,
} from '../../../../shared/rules/s3-bucket/object-plan';

const CMK = 'arn:aws:kms:us-east-1:123456789012:key/cmk-1';
const OTHER = 'arn:aws:kms:us-east-1:123456789012:key/other';
const NOW = new Date('2026-12-01T09:00:00Z');
const v = (over: Partial<ObjectVersionState>): ObjectVersionState => ({
  key: 'k',
  versionId: 'v1',
  latest: true,
  versioned: true,
  size: 10,
  storageClass: 'STANDARD',
  encryption: 'SSE-S3',
  archived: false,
  ...over,
});

describe('planObject: one object version onto the CMK (S3 API reference, UpdateObjectEncryption and CopyObject)', () => {
  it.each<[string, Partial<ObjectVersionState>, string]>([
    ['SSE-KMS on the CMK', { encryption: 'SSE-KMS', kmsKeyArn: CMK }, 'ALREADY'],
    ['DSSE-KMS on the CMK', { encryption: 'DSSE-KMS', kmsKeyArn: CMK }, 'ALREADY'],
    ['SSE-S3', { encryption: 'SSE-S3' }, 'UPDATE'],
    ['SSE-S3, a noncurrent version', { encryption: 'SSE-S3', latest: false }, 'UPDATE'],
    ['SSE-KMS under another key', { encryption: 'SSE-KMS', kmsKeyArn: OTHER }, 'UPDATE'],
    // No data moves: an archived SSE-S3 object needs no restore.
    ['SSE-S3 in Deep Archive', { encryption: 'SSE-S3', storageClass: 'DEEP_ARCHIVE', archived: true }, 'UPDATE'],
    ['SSE-S3 over 5 GiB', { encryption: 'SSE-S3', size: 6 * 1024 ** 3 }, 'UPDATE'],
    ['SSE-S3 under a legal hold', { lock: { legalHold: true } }, 'SKIP OBJECT_LOCKED'],
    [
      'SSE-S3 under governance retention',
      { lock: { mode: 'GOVERNANCE', retainUntil: '2027-01-01T00:00:00Z' } },
      'SKIP OBJECT_LOCKED',
    ],
    [
      'SSE-KMS under compliance retention',
      { encryption: 'SSE-KMS', kmsKeyArn: OTHER, lock: { mode: 'COMPLIANCE', retainUntil: '2030-01-01T00:00:00Z' } },
      'SKIP OBJECT_LOCKED',
    ],
    ['SSE-S3, retention expired', { lock: { mode: 'COMPLIANCE', retainUntil: '2026-01-01T00:00:00Z' } }, 'UPDATE'],
    ['SSE-C', { encryption: 'SSE-C' }, 'SKIP SSE_C'],
    ['DSSE-KMS under another key', { encryption: 'DSSE-KMS', kmsKeyArn: OTHER }, 'SKIP DSSE_KMS_OTHER_KEY'],
    ['unencrypted, current', { encryption: 'NONE' }, 'COPY'],
    [
      'unencrypted, current, locked (a new version is allowed; the lock is carried)',
      { encryption: 'NONE', lock: { legalHold: true } },
      'COPY',
    ],
    ['unencrypted, noncurrent', { encryption: 'NONE', latest: false }, 'SKIP UNENCRYPTED_OLD_VERSION'],
    [
      'unencrypted in Glacier, not restored',
      { encryption: 'NONE', storageClass: 'GLACIER', archived: true },
      'SKIP ARCHIVED_UNENCRYPTED',
    ],
    ['unencrypted over 5 GiB', { encryption: 'NONE', size: COPY_MAX + 1 }, 'COPY multipart'],
    ['unencrypted over 50 TB', { encryption: 'NONE', size: 10_000 * 5 * 1024 ** 3 + 1 }, 'SKIP TOO_LARGE_TO_COPY'],
  ])('%s', (_label, over, expected) => {
    const step = planObject(v(over), CMK, NOW);
    const got =
      step.kind === 'SKIP'
        ? `SKIP ${step.reason}`
        : step.kind === 'COPY' && step.multipart
          ? 'COPY multipart'
          : step.kind;
    expect(got).toBe(expected);
  });

  it('sizes parts for the object: 512 MiB up to 5,000 GiB, larger above, never more than 10,000 parts', () => {
    const MiB = 1024 ** 2;
    expect(partSizeFor(6 * 1024 ** 3)).toBe(512 * MiB);
    const big = 20 * 1024 ** 4; // 20 TiB: 512 MiB parts would need 40,960
    const part = partSizeFor(big) as number;
    expect(Math.ceil(big / part)).toBeLessThanOrEqual(10_000);
    expect(part % MiB).toBe(0);
    expect(partSizeFor(10_000 * 5 * 1024 ** 3)).toBe(5 * 1024 ** 3);
    expect(partSizeFor(10_000 * 5 * 1024 ** 3 + 1)).toBeUndefined();
  });
});

describe('DataOutcome: the objects as data', () => {
  it('complete only with nothing skipped, failed or running; the marker says which', () => {
    const d = emptyData();
    d.rekeyed = 3;
    expect(isComplete(d)).toBe(true);
    expect(markerValue(d)).toBeUndefined();
    addSkip(d, 'SSE_C', 'secret.bin');
    addFailure(d, 'a.csv', 'ACCESS_DENIED', 'denied');
    expect(isComplete(d)).toBe(false);
    expect(markerValue(d)).toBe('failed=1 skipped=1');
    expect(describeData(d)).toContain('1 SSE_C (secret.bin)');
    expect(describeData(d)).toContain('1 failed: a.csv ACCESS_DENIED: denied');
    expect(markerValue({ ...emptyData(), job: { id: 'j-1', status: 'Active' } })).toBe('job:j-1');
    // A tag value allows letters, digits, spaces and + - = . _ : / @ only.
    expect(markerValue(d)).toMatch(/^[\w +\-=.:/@]*$/);
  });

  it('names at most twenty of each, and counts all', () => {
    const d = emptyData();
    for (let i = 0; i < 25; i++) {
      addSkip(d, 'SSE_C', `k${i}`);
      addFailure(d, `f${i}`, 'AWS_ERROR', 'x');
    }
    expect(d.skipped.SSE_C).toMatchObject({ count: 25 });
    expect(d.skipped.SSE_C?.items).toHaveLength(20);
    expect(d.failedCount).toBe(25);
    expect(d.failed).toHaveLength(20);
  });
});
