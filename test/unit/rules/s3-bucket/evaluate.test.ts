import type { KeyInfo, ObservedKey } from '../../../../shared/kms/key-resolver';
import {
  defaultDifferences,
  evaluateS3Bucket,
  type S3BucketState,
  targetDefault,
} from '../../../../shared/rules/s3-bucket/evaluate';
import { testPolicy } from '../../../support/harness';

const R = 'us-east-1';
const CMK: KeyInfo = {
  arn: `arn:aws:kms:${R}:123456789012:key/cmk-1`,
  keyId: 'cmk-1',
  region: R,
  account: '123456789012',
  managedBy: 'CUSTOMER',
};
const ctx = { region: R, cmk: CMK, policy: testPolicy() };
const observed = (ref: string, info?: Partial<KeyInfo>): ObservedKey => ({
  ref,
  info: info ? { ...CMK, ...info } : undefined,
});
const kms = (observedKey: ObservedKey | undefined, bucketKey = true, algorithm = 'aws:kms'): S3BucketState => ({
  bucket: 'b',
  region: R,
  account: '123456789012',
  encryption: { algorithm, keyRef: observedKey?.ref, bucketKey },
  observedKey,
});

describe('evaluateS3Bucket', () => {
  it.each<[string, S3BucketState, string | undefined]>([
    ['no configuration (emulator default)', { bucket: 'b', region: R, account: '123456789012' }, 'UNENCRYPTED'],
    [
      'SSE-S3 (AWS default)',
      { bucket: 'b', region: R, account: '123456789012', encryption: { algorithm: 'AES256', bucketKey: false } },
      'NOT_KMS',
    ],
    ['aws:kms with no key id', kms(undefined), 'AWS_MANAGED_KEY'],
    ['the aws/s3 alias', kms(observed('alias/aws/s3', { managedBy: 'AWS', arn: 'alias/aws/s3' })), 'AWS_MANAGED_KEY'],
    [
      'an AWS-managed key by ARN',
      kms(
        observed(`arn:aws:kms:${R}:123456789012:key/aws-1`, {
          managedBy: 'AWS',
          arn: `arn:aws:kms:${R}:123456789012:key/aws-1`,
        }),
      ),
      'AWS_MANAGED_KEY',
    ],
    ['a key that does not exist', kms(observed('nope')), 'UNKNOWN_KEY'],
    ['another customer key', kms(observed('other', { arn: `arn:aws:kms:${R}:123456789012:key/other` })), 'WRONG_KEY'],
    [
      'the same alias in another region',
      kms(
        observed('arn:aws:kms:eu-west-1:123456789012:alias/data-platform', {
          arn: 'arn:aws:kms:eu-west-1:123456789012:key/eu',
          region: 'eu-west-1',
        }),
      ),
      'WRONG_REGION_KEY',
    ],
    ['the CMK without bucket key', kms(observed('alias/data-platform', {}), false), 'BUCKET_KEY_DISABLED'],
    ['the CMK with DSSE', kms(observed('alias/data-platform', {}), true, 'aws:kms:dsse'), undefined],
    // DSSE-KMS does not support bucket keys (S3 user guide): without one it is compliant, not BUCKET_KEY_DISABLED.
    ['the CMK with DSSE and no bucket key', kms(observed('alias/data-platform', {}), false, 'aws:kms:dsse'), undefined],
    [
      'DSSE under another key',
      kms(observed('other', { arn: `arn:aws:kms:${R}:123456789012:key/other` }), false, 'aws:kms:dsse'),
      'WRONG_KEY',
    ],
    [
      'the CMK, but objects not all on it',
      { ...kms(observed(CMK.arn, {})), objectsPending: 'failed=1 skipped=0' },
      'OBJECTS_NOT_ON_CMK',
    ],
    ['the CMK by alias name', kms(observed('alias/data-platform', {})), undefined],
    ['the CMK by alias ARN', kms(observed(`arn:aws:kms:${R}:123456789012:alias/data-platform`, {})), undefined],
    ['the CMK by key id', kms(observed('cmk-1', {})), undefined],
    ['the CMK by key ARN', kms(observed(CMK.arn, {})), undefined],
  ])('%s', (_label, state, reason) => {
    const f = evaluateS3Bucket(state, ctx);
    expect(f.reason).toBe(reason);
    expect(f.status).toBe(reason ? 'NON_COMPLIANT' : 'COMPLIANT');
    expect(f.expectedKey).toBe(CMK.arn);
  });

  it('reports the canonical ARN of the key observed, not the name it was given', () => {
    const f = evaluateS3Bucket(kms(observed('alias/other', { arn: `arn:aws:kms:${R}:123456789012:key/other` })), ctx);
    expect(f.observedKey).toBe(`arn:aws:kms:${R}:123456789012:key/other`);
  });

  it('objects not all on the CMK are data-only: the default itself is compliant', () => {
    const f = evaluateS3Bucket({ ...kms(observed(CMK.arn, {})), objectsPending: 'job:42' }, ctx);
    expect(f).toMatchObject({ status: 'NON_COMPLIANT', reason: 'OBJECTS_NOT_ON_CMK', dataOnly: true });
    expect(f.detail).toContain('job:42');
    // A wrong default is the finding first; it is not data-only.
    expect(evaluateS3Bucket({ ...kms(observed('nope')), objectsPending: 'pending' }, ctx).dataOnly).toBeUndefined();
  });
});

describe('targetDefault: what a remediation writes back', () => {
  it('never downgrades DSSE-KMS, has no bucket key with it, and keeps BlockedEncryptionTypes as read', () => {
    expect(
      targetDefault(
        { algorithm: 'aws:kms:dsse', keyRef: 'other', bucketKey: false, blockedEncryptionTypes: ['SSE-C'] },
        CMK.arn,
      ),
    ).toEqual({ algorithm: 'aws:kms:dsse', keyRef: CMK.arn, bucketKey: false, blockedEncryptionTypes: ['SSE-C'] });
    expect(
      targetDefault({ algorithm: 'AES256', bucketKey: false, blockedEncryptionTypes: ['SSE-C'] }, CMK.arn),
    ).toEqual({ algorithm: 'aws:kms', keyRef: CMK.arn, bucketKey: true, blockedEncryptionTypes: ['SSE-C'] });
    expect(targetDefault(undefined, CMK.arn)).toEqual({ algorithm: 'aws:kms', keyRef: CMK.arn, bucketKey: true });
  });

  it('the verification names every field that does not read back, BlockedEncryptionTypes included', () => {
    const target = targetDefault(
      { algorithm: 'aws:kms:dsse', bucketKey: false, blockedEncryptionTypes: ['SSE-C'] },
      CMK.arn,
    );
    expect(defaultDifferences({ ...target }, target, CMK.arn)).toEqual([]);
    expect(defaultDifferences({ algorithm: 'aws:kms', keyRef: CMK.arn, bucketKey: true }, target, CMK.arn)).toEqual([
      'algorithm aws:kms, expected aws:kms:dsse',
      'bucket key on, expected off',
      'blocked encryption types [], expected [SSE-C]',
    ]);
    expect(defaultDifferences(undefined, target, undefined)).toEqual(['no default encryption']);
  });
});
