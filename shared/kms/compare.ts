import type { KeyInfo, ObservedKey } from './key-resolver';

/** Why a key is not the regional CMK; undefined when it is. Pure. */
export type KeyMismatch = 'NO_KEY' | 'AWS_MANAGED_KEY' | 'UNKNOWN_KEY' | 'WRONG_REGION_KEY' | 'WRONG_KEY';

export const keyMismatch = (observed: ObservedKey | undefined, expected: KeyInfo, region: string): KeyMismatch | undefined => {
  if (!observed) return 'NO_KEY';
  const info = observed.info;
  if (!info) return 'UNKNOWN_KEY';
  if (info.managedBy === 'AWS') return 'AWS_MANAGED_KEY';
  if (info.arn === expected.arn) return undefined;
  if (info.region !== region) return 'WRONG_REGION_KEY';
  return 'WRONG_KEY';
};
