import { keyIssueSentence, keyMismatch, keyReason } from '../../kms/compare';
import type { ObservedKey } from '../../kms/key-resolver';
import type { ActionLimits, EvaluationContext, Finding } from '../contract';

export interface EbsDefaultState {
  region: string;
  /** GetEbsEncryptionByDefault. */
  enabled: boolean;
  /** GetEbsDefaultKmsKeyId as returned (`alias/aws/ebs` until someone modifies it). */
  keyRef?: string;
  observedKey?: ObservedKey;
}

/**
 * Pure. Both halves count: with encryption by default off, new volumes (EMR's and EC2's) may be created
 * unencrypted; with it on but the default key not the CMK, they are encrypted under the wrong key.
 */
export const evaluateEbsDefault = (s: EbsDefaultState, ctx: EvaluationContext): Finding => {
  const expectedKey = ctx.cmk.arn;
  const observedKey = s.observedKey?.info?.arn ?? s.keyRef;
  const m = keyMismatch(s.observedKey, ctx.cmk, ctx.region);
  const keyPart = m ? `; its default key ${keyIssueSentence(keyReason(m), 'aws/ebs', 'is')}` : '';
  if (!s.enabled) {
    return {
      status: 'NON_COMPLIANT',
      reason: 'UNENCRYPTED',
      detail: `EBS encryption by default is off in ${s.region}: new volumes can be created unencrypted${keyPart}`,
      observedKey,
      expectedKey,
    };
  }
  if (!m) return { status: 'COMPLIANT', observedKey, expectedKey };
  const reason = keyReason(m);
  return {
    status: 'NON_COMPLIANT',
    reason,
    detail: `EBS encryption by default in ${s.region} ${keyIssueSentence(reason, 'aws/ebs', 'uses')} for new volumes`,
    observedKey,
    expectedKey,
  };
};

/** Pure: an account setting has nothing to tag or close. */
export const ebsDefaultLimits = (): ActionLimits => ({
  quarantine: 'an account-level setting has nothing to tag or isolate',
});
