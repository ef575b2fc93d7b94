import type { KeyInfo, ObservedKey } from '../../shared/kms/key-resolver';
import { evaluateS3Bucket, type S3BucketState } from '../../shared/rules/s3-bucket/evaluate';
import { testPolicy } from '../support/harness';

const R = 'us-east-1';
const CMK: KeyInfo = { arn: `arn:aws:kms:${R}:123456789012:key/cmk-1`, keyId: 'cmk-1', region: R, account: '123456789012', managedBy: 'CUSTOMER' };
const ctx = { region: R, cmk: CMK, policy: testPolicy() };
const observed = (ref: string, info?: Partial<KeyInfo>): ObservedKey => ({ ref, info: info ? { ...CMK, ...info } : undefined });
const kms = (observedKey: ObservedKey | undefined, bucketKey = true, algorithm = 'aws:kms'): S3BucketState =>
  ({ bucket: 'b', region: R, encryption: { algorithm, keyRef: observedKey?.ref, bucketKey }, observedKey });

describe('evaluateS3Bucket', () => {
  it.each<[string, S3BucketState, string | undefined]>([
    ['no configuration (emulator default)', { bucket: 'b', region: R }, 'UNENCRYPTED'],
    ['SSE-S3 (AWS default)', { bucket: 'b', region: R, encryption: { algorithm: 'AES256', bucketKey: false } }, 'NOT_KMS'],
    ['aws:kms with no key id', kms(undefined), 'AWS_MANAGED_KEY'],
    ['the aws/s3 alias', kms(observed('alias/aws/s3', { managedBy: 'AWS', arn: 'alias/aws/s3' })), 'AWS_MANAGED_KEY'],
    ['an AWS-managed key by ARN', kms(observed(`arn:aws:kms:${R}:123456789012:key/aws-1`, { managedBy: 'AWS', arn: `arn:aws:kms:${R}:123456789012:key/aws-1` })), 'AWS_MANAGED_KEY'],
    ['a key that does not exist', kms(observed('nope')), 'UNKNOWN_KEY'],
    ['another customer key', kms(observed('other', { arn: `arn:aws:kms:${R}:123456789012:key/other` })), 'WRONG_KEY'],
    ['the same alias in another region', kms(observed('arn:aws:kms:eu-west-1:123456789012:alias/data-platform', { arn: 'arn:aws:kms:eu-west-1:123456789012:key/eu', region: 'eu-west-1' })), 'WRONG_REGION_KEY'],
    ['the CMK without bucket key', kms(observed('alias/data-platform', {}), false), 'BUCKET_KEY_DISABLED'],
    ['the CMK with DSSE', kms(observed('alias/data-platform', {}), true, 'aws:kms:dsse'), undefined],
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
});
