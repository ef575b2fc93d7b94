import { keyIssueSentence, keyMismatch, keyReason } from '../../kms/compare';
import type { ObservedKey } from '../../kms/key-resolver';
import type { EvaluationContext, Finding } from '../contract';

/** The default-encryption rule as read: what a remediation must write back unless it owns the field. */
export interface BucketDefaultEncryption {
  algorithm: string;
  keyRef?: string;
  bucketKey: boolean;
  /**
   * `BlockedEncryptionTypes.EncryptionType` of the rule (SSE-C is blocked by default on buckets created
   * since April 2026): not ours, written back as read, or a rewrite would re-allow SSE-C.
   */
  blockedEncryptionTypes?: string[];
}

export interface S3BucketState {
  bucket: string;
  region: string;
  /** The bucket owner's account (a Batch Operations job is created in it). */
  account: string;
  /** Absent: the bucket has no default-encryption configuration at all. */
  encryption?: BucketDefaultEncryption;
  observedKey?: ObservedKey;
  /**
   * The bucket's objects are not all known to be on the CMK (the `cmk-sentinel:objects` tag the
   * service sets when it changes the default or an object pass ends short, and removes when all are).
   */
  objectsPending?: string;
  /** The bucket's tags as read with it (the marker is one): the exemption check needs no second read. */
  tags?: Record<string, string>;
}

/** S3's name for DSSE-KMS: two layers under the KMS key, and no bucket keys (S3 user guide, DSSE-KMS). */
export const DSSE = 'aws:kms:dsse';
const KMS_ALGORITHMS = new Set(['aws:kms', DSSE]);

/**
 * The default-encryption rule a remediation writes: the CMK, the algorithm as read when it is already a
 * KMS one (DSSE-KMS is never downgraded to single-layer SSE-KMS), the bucket key wherever S3 supports it
 * (not with DSSE), and every field the service does not own as it was. Pure.
 */
export const targetDefault = (
  current: BucketDefaultEncryption | undefined,
  cmkArn: string,
): BucketDefaultEncryption => {
  const algorithm = current?.algorithm === DSSE ? DSSE : 'aws:kms';
  return {
    algorithm,
    keyRef: cmkArn,
    bucketKey: algorithm !== DSSE,
    ...(current?.blockedEncryptionTypes ? { blockedEncryptionTypes: current.blockedEncryptionTypes } : {}),
  };
};

/** What of `expected` a re-read does not show (empty = it reads back as written). Pure. */
export const defaultDifferences = (
  read: BucketDefaultEncryption | undefined,
  expected: BucketDefaultEncryption,
  readKeyArn: string | undefined,
): string[] => {
  if (!read) return ['no default encryption'];
  const out: string[] = [];
  if (read.algorithm !== expected.algorithm) out.push(`algorithm ${read.algorithm}, expected ${expected.algorithm}`);
  if (readKeyArn !== expected.keyRef)
    out.push(`key ${readKeyArn ?? read.keyRef ?? 'none'}, expected ${expected.keyRef}`);
  if (read.bucketKey !== expected.bucketKey)
    out.push(`bucket key ${read.bucketKey ? 'on' : 'off'}, expected ${expected.bucketKey ? 'on' : 'off'}`);
  const blocked = (v?: string[]) => [...(v ?? [])].sort().join(',');
  if (blocked(read.blockedEncryptionTypes) !== blocked(expected.blockedEncryptionTypes)) {
    out.push(
      `blocked encryption types [${blocked(read.blockedEncryptionTypes)}], expected [${blocked(expected.blockedEncryptionTypes)}]`,
    );
  }
  return out;
};

/**
 * Pure: default encryption must be SSE-KMS (or DSSE-KMS) with the regional CMK, with the bucket key
 * on for SSE-KMS (DSSE-KMS has none); and the objects the service found off the CMK must all be done.
 */
export const evaluateS3Bucket = (s: S3BucketState, ctx: EvaluationContext): Finding => {
  const expectedKey = ctx.cmk.arn;
  const observedKey = s.observedKey?.info?.arn ?? s.observedKey?.ref ?? s.encryption?.keyRef;
  const nonCompliant = (reason: string, detail: string): Finding => ({
    status: 'NON_COMPLIANT',
    reason,
    detail: `Bucket ${s.bucket} ${detail}`,
    observedKey,
    expectedKey,
  });

  if (!s.encryption) return nonCompliant('UNENCRYPTED', 'has no default encryption');
  if (!KMS_ALGORITHMS.has(s.encryption.algorithm)) {
    return nonCompliant('NOT_KMS', `encrypts with ${s.encryption.algorithm} (S3-managed keys), not the regional CMK`);
  }
  const mismatch = keyMismatch(s.observedKey, ctx.cmk, ctx.region);
  if (mismatch) {
    const reason = keyReason(mismatch);
    return nonCompliant(reason, keyIssueSentence(reason, 'aws/s3', 'uses'));
  }
  if (s.encryption.algorithm !== DSSE && !s.encryption.bucketKey) {
    return nonCompliant(
      'BUCKET_KEY_DISABLED',
      'uses the regional CMK without an S3 bucket key (every object costs a KMS call)',
    );
  }
  if (s.objectsPending) {
    return {
      ...nonCompliant(
        'OBJECTS_NOT_ON_CMK',
        `has the CMK as its default, but not all of its existing objects are on it (${s.objectsPending})`,
      ),
      dataOnly: true,
    };
  }
  return { status: 'COMPLIANT', observedKey, expectedKey };
};
