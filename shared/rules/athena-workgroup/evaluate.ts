import { keyIssueSentence, keyMismatch, keyReason } from '../../kms/compare';
import type { ObservedKey } from '../../kms/key-resolver';
import type { EvaluationContext, Finding } from '../contract';

export interface AthenaWorkgroupState {
  name: string;
  arn: string;
  region: string;
  /** ResultConfiguration.EncryptionConfiguration.EncryptionOption: SSE_S3 | SSE_KMS | CSE_KMS; absent = none. */
  encryptionOption?: string;
  keyRef?: string;
  observedKey?: ObservedKey;
  /** EnforceWorkGroupConfiguration: without it a client's own result configuration wins. */
  enforced: boolean;
}

/** Pure. */
export const evaluateAthenaWorkgroup = (s: AthenaWorkgroupState, ctx: EvaluationContext): Finding => {
  const expectedKey = ctx.cmk.arn;
  const kms = s.encryptionOption === 'SSE_KMS' || s.encryptionOption === 'CSE_KMS';
  const observedKey = kms ? (s.observedKey?.info?.arn ?? s.keyRef) : undefined;
  const nonCompliant = (reason: string, detail: string): Finding => ({
    status: 'NON_COMPLIANT',
    reason,
    detail: `Athena workgroup ${s.name} ${detail}`,
    observedKey,
    expectedKey,
  });
  if (!s.encryptionOption) return nonCompliant('UNENCRYPTED', 'sets no encryption for query results');
  if (!kms)
    return nonCompliant('NOT_KMS', `encrypts query results with ${s.encryptionOption} (S3-managed keys), not the CMK`);
  const m = keyMismatch(s.observedKey, ctx.cmk, ctx.region);
  if (m) {
    const reason = keyReason(m);
    return nonCompliant(reason, `${s.encryptionOption} query results: ${keyIssueSentence(reason, 'aws/s3', 'key is')}`);
  }
  // API reference, WorkGroupConfiguration.EnforceWorkGroupConfiguration: false lets client-side settings override it.
  if (!s.enforced)
    return nonCompliant(
      'NOT_ENFORCED',
      'encrypts query results with the CMK but does not enforce its configuration: a client can send its own (unencrypted) result settings',
    );
  return { status: 'COMPLIANT', observedKey, expectedKey };
};
