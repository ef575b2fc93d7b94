import { SentinelError } from '../errors';
import type { AwsScope } from '../aws/clients';
import { arnParts, type KeyResolver, type ObservedKey } from './key-resolver';

/**
 * A key the resource names but this account may not describe: an AWS-owned key (the default encryption of new
 * Aurora clusters since 2026-02-18 and of Redshift clusters) or another account's key. Either way it is not the
 * regional CMK, and that is a verdict, not an error.
 */
export interface ObservedForeignKey extends ObservedKey {
  /** The account the key ARN names, when DescribeKey was refused for a key outside the resource's account. */
  foreignAccount?: string;
}

/**
 * `keys.observe`, except that AccessDenied on DescribeKey for a key ARN of another account is an answer
 * (`foreignAccount`), not a failure. AccessDenied on a key of the resource's own account stays an error:
 * that is our own missing kms:DescribeKey, which the operator must fix.
 */
export const observeKeyOf = async (
  keys: KeyResolver,
  ref: string | undefined,
  region: string,
  resourceAccount: string | undefined,
  scope?: AwsScope,
): Promise<ObservedForeignKey | undefined> => {
  try {
    return await keys.observe(ref, region, scope);
  } catch (e) {
    const account = ref ? arnParts(ref)?.account : undefined;
    if (
      e instanceof SentinelError &&
      e.code === 'ACCESS_DENIED' &&
      account &&
      resourceAccount &&
      account !== resourceAccount
    )
      return { ref: ref as string, foreignAccount: account };
    throw e;
  }
};
