import { keyMismatch } from '../../kms/compare';
import type { ObservedKey } from '../../kms/key-resolver';
import type { EvaluationContext, Finding } from '../contract';

export interface S3BucketState {
  bucket: string;
  region: string;
  /** Absent: the bucket has no default-encryption configuration at all. */
  encryption?: { algorithm: string; keyRef?: string; bucketKey: boolean };
  observedKey?: ObservedKey;
}

const KMS_ALGORITHMS = new Set(['aws:kms', 'aws:kms:dsse']);

const MISMATCH_DETAIL: Record<string, string> = {
  NO_KEY: 'uses SSE-KMS without a key id, i.e. the AWS-managed aws/s3 key',
  AWS_MANAGED_KEY: 'uses an AWS-managed key',
  UNKNOWN_KEY: 'names a KMS key that does not exist or cannot be read',
  WRONG_REGION_KEY: 'uses a KMS key of another region',
  WRONG_KEY: 'uses a KMS key that is not the regional CMK',
};

/** Pure: default encryption must be SSE-KMS with the regional CMK and the bucket key on. */
export const evaluateS3Bucket = (s: S3BucketState, ctx: EvaluationContext): Finding => {
  const expectedKey = ctx.cmk.arn;
  const observedKey = s.observedKey?.info?.arn ?? s.observedKey?.ref ?? s.encryption?.keyRef;
  const nonCompliant = (reason: string, detail: string): Finding => ({ status: 'NON_COMPLIANT', reason, detail: `Bucket ${s.bucket} ${detail}`, observedKey, expectedKey });

  if (!s.encryption) return nonCompliant('UNENCRYPTED', 'has no default encryption');
  if (!KMS_ALGORITHMS.has(s.encryption.algorithm)) {
    return nonCompliant('NOT_KMS', `encrypts with ${s.encryption.algorithm} (S3-managed keys), not the regional CMK`);
  }
  const mismatch = keyMismatch(s.observedKey, ctx.cmk, ctx.region);
  if (mismatch) {
    const reason = mismatch === 'NO_KEY' ? 'AWS_MANAGED_KEY' : mismatch;
    return nonCompliant(reason, MISMATCH_DETAIL[mismatch] ?? mismatch);
  }
  if (!s.encryption.bucketKey) return nonCompliant('BUCKET_KEY_DISABLED', 'uses the regional CMK without an S3 bucket key (every object costs a KMS call)');
  return { status: 'COMPLIANT', observedKey, expectedKey };
};
