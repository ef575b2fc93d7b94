import { keyIssueSentence, keyMismatch } from '../kms/compare';
import type { ObservedKey } from '../kms/key-resolver';
import type { EvaluationContext, Finding } from '../rules/contract';
import type { ParsedConfiguration } from './parse';

export interface SecurityConfigurationState {
  name: string;
  region: string;
  parsed: ParsedConfiguration;
  /** What each key reference the configuration names resolved to, by the reference as written. */
  keys: Record<string, ObservedKey>;
}

const S3_KMS_MODES = new Set(['SSE-KMS', 'CSE-KMS']);

interface Problem {
  reason: string;
  detail: string;
  keyRef?: string;
}

/**
 * Every way a configuration falls short of: at rest on, S3 SSE-KMS/CSE-KMS with the
 * regional CMK (per-bucket overrides too), local disk AwsKms with the CMK and EBS
 * encryption on, in transit on. In that order; pure.
 */
export const securityConfigurationProblems = (s: SecurityConfigurationState, ctx: EvaluationContext): Problem[] => {
  if (!s.parsed.ok) return [{ reason: 'MALFORMED_CONFIGURATION', detail: s.parsed.problem }];
  const c = s.parsed.settings;
  const problems: Problem[] = [];
  const key = (where: string, ref: string | undefined): void => {
    const m = keyMismatch(ref ? (s.keys[ref] ?? { ref }) : undefined, ctx.cmk, ctx.region);
    if (m) problems.push({ reason: m, detail: `${where} ${keyIssueSentence(m, undefined, 'uses')}`, keyRef: ref });
  };
  if (!c.atRest) problems.push({ reason: 'AT_REST_ENCRYPTION_DISABLED', detail: 'at-rest encryption is off' });
  if (!c.s3) {
    problems.push({ reason: 'S3_ENCRYPTION_MISSING', detail: 'names no S3 (EMRFS) encryption' });
  } else {
    if (!S3_KMS_MODES.has(c.s3.mode))
      problems.push({ reason: 'S3_NOT_KMS', detail: `encrypts S3 data with ${c.s3.mode}, not SSE-KMS or CSE-KMS` });
    else key(`S3 encryption (${c.s3.mode})`, c.s3.keyRef);
    for (const o of c.s3.overrides) {
      if (!S3_KMS_MODES.has(o.mode))
        problems.push({
          reason: 'S3_NOT_KMS',
          detail: `encrypts bucket ${o.bucket} with ${o.mode}, not SSE-KMS or CSE-KMS`,
        });
      else key(`the S3 override for bucket ${o.bucket}`, o.keyRef);
    }
  }
  if (!c.localDisk) {
    problems.push({ reason: 'LOCAL_DISK_ENCRYPTION_MISSING', detail: 'names no local disk encryption' });
  } else if (c.localDisk.provider !== 'AwsKms') {
    problems.push({
      reason: 'LOCAL_DISK_NOT_KMS',
      detail: `encrypts local disks with the ${c.localDisk.provider} key provider, not AwsKms`,
    });
  } else {
    key('local disk encryption', c.localDisk.keyRef);
    if (!c.localDisk.ebs)
      problems.push({
        reason: 'EBS_ENCRYPTION_DISABLED',
        detail: 'leaves EBS volumes unencrypted (EnableEbsEncryption is off)',
      });
  }
  if (!c.inTransit) problems.push({ reason: 'IN_TRANSIT_ENCRYPTION_DISABLED', detail: 'in-transit encryption is off' });
  return problems;
};

/** Pure: the first problem is the reason; the detail names all of them. */
export const evaluateSecurityConfiguration = (s: SecurityConfigurationState, ctx: EvaluationContext): Finding => {
  const expectedKey = ctx.cmk.arn;
  const problems = securityConfigurationProblems(s, ctx);
  const canonical = (ref: string | undefined): string | undefined =>
    ref ? (s.keys[ref]?.info?.arn ?? ref) : undefined;
  const [first] = problems;
  if (!first)
    return {
      status: 'COMPLIANT',
      observedKey: canonical(s.parsed.ok ? s.parsed.settings.s3?.keyRef : undefined),
      expectedKey,
    };
  // The observed key is the first wrong one; a finding about something else names none.
  const observedKey = canonical(problems.find((p) => p.keyRef)?.keyRef);
  return {
    status: 'NON_COMPLIANT',
    reason: first.reason,
    detail: `EMR security configuration ${s.name} ${problems.map((p) => p.detail).join('; ')}`,
    observedKey,
    expectedKey,
  };
};
