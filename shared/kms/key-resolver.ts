import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { AwsScope, ClientFactory } from '../aws/clients';
import { isAwsNotFound, translateAwsError } from '../aws/errors';
import { SentinelError } from '../errors';
import type { Policy } from '../policy/policy';

/** What the service knows about a KMS key once resolved to its canonical ARN. */
export interface KeyInfo {
  arn: string;
  keyId: string;
  region: string;
  account: string;
  managedBy: 'AWS' | 'CUSTOMER';
  state?: string;
  /** For a multi-region key: the ARN of its primary. */
  primaryArn?: string;
  /** Set while the key is pending deletion (ISO 8601). */
  deletionDate?: string;
}

/** A key as a resource names it (`ref`, in any of the four forms) and what it resolved to. */
export interface ObservedKey {
  ref: string;
  info?: KeyInfo;
}

const AWS_MANAGED_ALIAS = /(^|:)alias\/aws\//;

export const isAwsManagedAlias = (ref: string): boolean => AWS_MANAGED_ALIAS.test(ref);

/** Region and account a key reference carries, if it is an ARN. */
export const arnParts = (ref: string): { region: string; account: string; resource: string } | undefined => {
  const m = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(.+)$/.exec(ref);
  return m ? { region: m[1] as string, account: m[2] as string, resource: m[3] as string } : undefined;
};

interface CacheEntry {
  at: number;
  value: Promise<KeyInfo | undefined>;
}

/**
 * The one key resolver: key id, key ARN, alias name or alias ARN → canonical key
 * ARN, with the key's region and manager. Results are cached per region (a warm
 * Lambda resolves the regional CMK once per TTL, not once per event).
 */
export class KeyResolver {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly clients: ClientFactory,
    private readonly policy: Policy,
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Resolve a key reference seen in `region`; undefined when no such key exists.
   * `scope` (optional) names another account (and its role) whose aliases and ids
   * the reference means: a replica's destination may live in another account. A key
   * ARN always keeps its own region and account; nothing is assumed.
   */
  resolve(ref: string, region: string, scope?: AwsScope): Promise<KeyInfo | undefined> {
    const keyRegion = arnParts(ref)?.region ?? region;
    const cacheKey = this.cacheKey(ref, keyRegion, scope);
    const hit = this.cache.get(cacheKey);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = this.describe(ref, keyRegion, scope);
    // A failed lookup must not poison the cache: the next call tries again.
    value.catch(() => this.cache.delete(cacheKey));
    this.cache.set(cacheKey, { at: this.now(), value });
    return value;
  }

  /** Resolve the way evaluate needs it: the reference as given plus what it names. */
  async observe(ref: string | undefined, region: string, scope?: AwsScope): Promise<ObservedKey | undefined> {
    if (!ref) return undefined;
    if (isAwsManagedAlias(ref)) {
      // AWS-managed keys are never the CMK: no call needed to know that.
      const parts = arnParts(ref);
      return {
        ref,
        info: {
          arn: ref,
          keyId: ref,
          region: parts?.region ?? region,
          account: parts?.account ?? '',
          managedBy: 'AWS',
        },
      };
    }
    return { ref, info: await this.resolve(ref, region, scope) };
  }

  /**
   * The policy's CMK for `region` (the explicit map wins, else the alias as it resolves
   * in that region); a missing CMK is an error (the service cannot judge anything).
   * This is the only definition of "region R's equivalent CMK": a multi-region
   * replica (`mrk-`) is R's CMK exactly when the policy names it for R. `scope` picks
   * the account an alias is resolved in (a destination in another account).
   */
  async regionalCmk(region: string, scope?: AwsScope): Promise<KeyInfo> {
    // A scope with an account is a member's: its own CMK (Policy.cmkRef), never the home's by default.
    const account = scope?.roleArn ? scope.account : undefined;
    const ref = this.policy.cmkRef(region, account)?.ref;
    if (!ref)
      throw new SentinelError(
        'KEY_NOT_FOUND',
        account
          ? `The policy names no CMK for account ${account} in ${region}: add cmk.accounts."${account}".keys.${region} or set cmk.alias (resolved in that account)`
          : `The policy names no CMK for ${region}: add it to cmk.keys or set cmk.alias`,
        { details: { region, ...(account ? { account } : {}) } },
      );
    const info = await this.resolve(ref, region, scope);
    if (!info)
      throw new SentinelError(
        'KEY_NOT_FOUND',
        `The regional CMK ${ref} does not exist in ${region}${account ? ` of account ${account}` : ''}`,
        { details: { region, key: ref, ...(account ? { account } : {}) } },
      );
    return info;
  }

  async isRegionalCmk(ref: string, region: string): Promise<boolean> {
    const [cmk, info] = await Promise.all([this.regionalCmk(region), this.resolve(ref, region)]);
    return info?.arn === cmk.arn;
  }

  /**
   * Resolve afresh (the key guard must see the key's state now, not five minutes ago) and
   * return what this instance knew before, if anything: a repointed alias shows as a change.
   */
  async refresh(ref: string, region: string, scope?: AwsScope): Promise<{ current?: KeyInfo; previous?: KeyInfo }> {
    const cacheKey = this.cacheKey(ref, arnParts(ref)?.region ?? region, scope);
    const hit = this.cache.get(cacheKey);
    const previous = hit ? await hit.value.catch(() => undefined) : undefined;
    this.cache.delete(cacheKey);
    return { current: await this.resolve(ref, region, scope), previous };
  }

  private cacheKey(ref: string, keyRegion: string, scope?: AwsScope): string {
    return `${keyRegion}|${scope?.account ?? ''}|${ref}`;
  }

  /**
   * This resolver as seen from a member account: every lookup defaults to that account's
   * credentials (an alias names a different key per account). Shares the cache.
   */
  forScope(scope: AwsScope | undefined): KeyResolver {
    if (!scope?.roleArn) return this;
    const scoped: Partial<KeyResolver> = {
      resolve: (ref, region, s = scope) => this.resolve(ref, region, s),
      observe: (ref, region, s = scope) => this.observe(ref, region, s),
      regionalCmk: (region, s = scope) => this.regionalCmk(region, s),
      refresh: (ref, region, s = scope) => this.refresh(ref, region, s),
    };
    return Object.assign(Object.create(this) as KeyResolver, scoped);
  }

  clear(): void {
    this.cache.clear();
  }

  private async describe(ref: string, region: string, scope?: AwsScope): Promise<KeyInfo | undefined> {
    // Read-only, in the key's own region: a handler looks up other regions' keys, never changes them.
    const kms = this.clients.get(KMSClient, { ...scope, region });
    try {
      const { KeyMetadata: m } = await kms.send(new DescribeKeyCommand({ KeyId: ref }));
      if (!m?.Arn || !m.KeyId) return undefined;
      const parts = arnParts(m.Arn);
      return {
        arn: m.Arn,
        keyId: m.KeyId,
        region: parts?.region ?? region,
        account: parts?.account ?? m.AWSAccountId ?? '',
        managedBy: m.KeyManager === 'AWS' ? 'AWS' : 'CUSTOMER',
        state: m.KeyState,
        primaryArn: m.MultiRegionConfiguration?.PrimaryKey?.Arn,
        deletionDate: m.DeletionDate?.toISOString(),
      };
    } catch (e) {
      if (isAwsNotFound(e, 'kms:DescribeKey')) return undefined;
      throw translateAwsError(e, 'kms:DescribeKey', ref);
    }
  }
}
