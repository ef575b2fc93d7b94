import type { KeyInfo, ObservedKey } from './key-resolver';

/** Why a key is not the regional CMK; undefined when it is. Pure. */
export type KeyMismatch = 'NO_KEY' | 'AWS_MANAGED_KEY' | 'UNKNOWN_KEY' | 'WRONG_REGION_KEY' | 'WRONG_KEY';

export const keyMismatch = (
  observed: ObservedKey | undefined,
  expected: KeyInfo,
  region: string,
): KeyMismatch | undefined => {
  if (!observed) return 'NO_KEY';
  const info = observed.info;
  if (!info) return 'UNKNOWN_KEY';
  if (info.managedBy === 'AWS') return 'AWS_MANAGED_KEY';
  if (info.arn === expected.arn) return undefined;
  if (info.region !== region) return 'WRONG_REGION_KEY';
  return 'WRONG_KEY';
};

/** A multi-region key's id (`mrk-...`): the same id names its primary and every replica. */
export const isMultiRegionKeyId = (keyId: string): boolean => keyId.startsWith('mrk-');

/**
 * The key a resource in `region` (a replica's destination) must use is that region's
 * CMK and nothing else. Same rule as `keyMismatch`; this adds a sentence saying which
 * equivalence failed, so an alert tells a multi-region sibling or a key of another
 * account apart from a plainly wrong key. Pure.
 */
export const explainMismatch = (
  mismatch: KeyMismatch,
  observed: ObservedKey | undefined,
  expected: KeyInfo,
  region: string,
): string => {
  const info = observed?.info;
  switch (mismatch) {
    case 'NO_KEY':
      return `names no KMS key (the AWS-managed default), not ${region}'s CMK`;
    case 'AWS_MANAGED_KEY':
      return `uses the AWS-managed key ${observed?.ref ?? '(aws/*)'}, never a CMK`;
    case 'UNKNOWN_KEY':
      return `names ${observed?.ref ?? 'a key'}, which does not exist in ${region} or cannot be read`;
    case 'WRONG_REGION_KEY':
      if (info && isMultiRegionKeyId(info.keyId) && info.keyId === expected.keyId) {
        return `uses the ${info.region} copy of multi-region key ${info.keyId}; in ${region} only its ${region} replica (${expected.arn}) counts`;
      }
      return `uses a key of ${info?.region ?? 'another region'} (${info?.arn ?? observed?.ref ?? '?'}), not ${region}'s CMK`;
    case 'WRONG_KEY':
      if (info && expected.account && info.account !== expected.account) {
        return `uses a key of account ${info.account} (${info.arn}), not ${region}'s CMK in account ${expected.account}`;
      }
      return `uses ${info?.arn ?? observed?.ref ?? 'a key'}, which is not ${region}'s CMK`;
  }
};

/** The reason a finding gives for a key mismatch: a resource naming no key uses the AWS-managed default. Pure. */
export function keyReason(m: KeyMismatch): Exclude<KeyMismatch, 'NO_KEY'>;
export function keyReason(m: KeyMismatch | undefined): Exclude<KeyMismatch, 'NO_KEY'> | undefined;
export function keyReason(m: KeyMismatch | undefined): Exclude<KeyMismatch, 'NO_KEY'> | undefined {
  return m === 'NO_KEY' ? 'AWS_MANAGED_KEY' : m;
}

/**
 * The one vocabulary of key problems, one sentence per reason, for findings about any encrypted resource.
 * `managed` names the AWS-managed key (aws/redshift; undefined: any), `verb` how the resource holds its key
 * ("is encrypted with", "uses", "writes with").
 */
export const keyIssueSentence = (reason: string, managed?: string, verb = 'is encrypted with'): string =>
  ({
    UNENCRYPTED: 'is not encrypted',
    NO_KEY: 'names no KMS key',
    AWS_MANAGED_KEY: managed ? `${verb} the AWS-managed ${managed} key` : `${verb} an AWS-managed key`,
    UNKNOWN_KEY: 'names a KMS key that does not exist or cannot be read',
    WRONG_REGION_KEY: `${verb} a KMS key of another region`,
    WRONG_KEY: `${verb} a KMS key that is not the regional CMK`,
  })[reason] ?? reason;
