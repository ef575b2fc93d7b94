import { keyIssueSentence, keyMismatch, keyReason } from '../../kms/compare';
import type { ObservedKey } from '../../kms/key-resolver';
import type { EvaluationContext, Finding } from '../contract';

export interface KinesisStreamState {
  name: string;
  arn: string;
  region: string;
  /** CREATING | DELETING | ACTIVE | UPDATING */
  status: string;
  /** `EncryptionType` NONE | KMS, and `KeyId` as DescribeStreamSummary reports it (an ARN, alias or
   * `alias/aws/kinesis`). */
  encryptionType: string;
  keyRef?: string;
  observedKey?: ObservedKey;
  retentionHours?: number;
}

/** Pure. */
export const evaluateKinesisStream = (s: KinesisStreamState, ctx: EvaluationContext): Finding => {
  const expectedKey = ctx.cmk.arn;
  const kms = s.encryptionType === 'KMS';
  const observedKey = kms ? (s.observedKey?.info?.arn ?? s.keyRef) : undefined;
  const nonCompliant = (reason: string, detail: string): Finding => ({
    status: 'NON_COMPLIANT',
    reason,
    detail: `Kinesis stream ${s.name} ${detail}`,
    observedKey,
    expectedKey,
  });
  const finding = ((): Finding => {
    if (!kms) return nonCompliant('UNENCRYPTED', 'has no server-side encryption: records are stored unencrypted');
    const m = keyMismatch(s.observedKey, ctx.cmk, ctx.region);
    if (!m) return { status: 'COMPLIANT', observedKey, expectedKey };
    const reason = keyReason(m);
    return nonCompliant(reason, keyIssueSentence(reason, 'aws/kinesis'));
  })();
  if (finding.status === 'NON_COMPLIANT' && s.status === 'UPDATING') {
    return nonCompliant(
      'ENCRYPTION_IN_PROGRESS',
      'is UPDATING: an encryption change is being applied (the stream stays readable and writable)',
    );
  }
  return finding;
};
