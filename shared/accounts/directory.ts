import type { Account } from '@aws-sdk/client-organizations';
import type { ClientFactory } from '../aws/clients';
import { itemsOf } from '../aws/paginate';
import { lazily } from '../lazy';
import type { Policy } from '../policy/policy';

// Loaded with the first listing: a policy of `ids` only never needs Organizations, and init loads no SDK client.
const organizationsSdk = lazily(() => import('@aws-sdk/client-organizations'));

/** Organizations is a global service whose endpoint lives in us-east-1 (Organizations API reference, Endpoints). */
const ORGANIZATIONS_REGION = 'us-east-1';

/**
 * ACTIVE only: a SUSPENDED or PENDING_CLOSURE account cannot be acted in, and a closed one is gone. `State`
 * replaces the deprecated `Status` (Organizations API reference, Account); a response with only `Status` still
 * counts.
 */
export const isActive = (a: Account): boolean => (a.State ?? a.Status) === 'ACTIVE';

/** Why an account is or is not covered, for the one alert an event of an uncovered account gets. */
export interface Coverage {
  covered: boolean;
  reason?: string;
}

/**
 * The accounts the policy covers besides the service's own: `accounts.ids`, plus with `accounts.organization` the
 * organization's ACTIVE accounts (all, or those under `accounts.ous` and the OUs nested below them), minus
 * `accounts.exclude`. The organization's listing is cached for `ttlMs` (a warm Lambda asks once per TTL, not per
 * event); a failed listing is not cached.
 */
export class AccountDirectory {
  private cached?: { at: number; value: Promise<string[]> };

  constructor(
    private readonly clients: ClientFactory,
    private readonly policy: Policy,
    private readonly ttlMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when the policy's accounts need Organizations at all (ids alone are known without a call). */
  get usesOrganization(): boolean {
    return this.policy.doc.accounts.organization === true;
  }

  /** Member accounts, sorted; `home` is left out (it is reached with the service's own credentials). */
  async members(home?: string): Promise<string[]> {
    const { ids, exclude = [] } = this.policy.doc.accounts;
    const listed = this.usesOrganization ? await this.organizationAccounts() : [];
    return [...new Set([...ids, ...listed])].filter((a) => a !== home && !exclude.includes(a)).sort();
  }

  /** Whether an event's or a request's account is one the service may act in. */
  async covers(account: string, home?: string): Promise<Coverage> {
    if (account === home) return { covered: true };
    const { exclude = [], organization, ous } = this.policy.doc.accounts;
    if (exclude.includes(account)) return { covered: false, reason: `account ${account} is in accounts.exclude` };
    if ((await this.members(home)).includes(account)) return { covered: true };
    const where = organization
      ? ous
        ? `an ACTIVE account under ${ous.join(', ')} of the organization`
        : 'an ACTIVE account of the organization'
      : undefined;
    return {
      covered: false,
      reason: `account ${account} is neither the service's own${home ? ` (${home})` : ''}, nor in accounts.ids${where ? `, nor ${where}` : ''}`,
    };
  }

  clear(): void {
    this.cached = undefined;
  }

  private organizationAccounts(): Promise<string[]> {
    const hit = this.cached;
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = this.list();
    value.catch(() => {
      if (this.cached?.value === value) this.cached = undefined;
    });
    this.cached = { at: this.now(), value };
    return value;
  }

  private async list(): Promise<string[]> {
    const sdk = await organizationsSdk();
    const { OrganizationsClient, paginateListAccounts, paginateListAccountsForParent } = sdk;
    const { paginateListOrganizationalUnitsForParent } = sdk;
    const client = this.clients.get(OrganizationsClient, { region: ORGANIZATIONS_REGION });
    const ous = this.policy.doc.accounts.ous;
    const accounts: Account[] = [];
    if (!ous) {
      for await (const a of itemsOf(
        paginateListAccounts({ client }, {}),
        (p) => p.Accounts,
        'organizations:ListAccounts',
      ))
        accounts.push(a);
    } else {
      // ListAccountsForParent names only the parent's direct children: walk the OUs below it too.
      const queue = [...ous];
      const seen = new Set<string>();
      for (let parent = queue.shift(); parent; parent = queue.shift()) {
        if (seen.has(parent)) continue;
        seen.add(parent);
        for await (const a of itemsOf(
          paginateListAccountsForParent({ client }, { ParentId: parent }),
          (p) => p.Accounts,
          'organizations:ListAccountsForParent',
        ))
          accounts.push(a);
        for await (const ou of itemsOf(
          paginateListOrganizationalUnitsForParent({ client }, { ParentId: parent }),
          (p) => p.OrganizationalUnits,
          'organizations:ListOrganizationalUnitsForParent',
        ))
          if (ou.Id) queue.push(ou.Id);
      }
    }
    return accounts.filter(isActive).flatMap((a) => (a.Id ? [a.Id] : []));
  }
}

const directories = new WeakMap<ClientFactory, WeakMap<Policy, AccountDirectory>>();

/** The deps' directory, else one per (clients, policy), kept so its cache outlives one event. */
export const accountsOf = (deps: {
  accounts?: AccountDirectory;
  clients: ClientFactory;
  policy: Policy;
}): AccountDirectory => {
  if (deps.accounts) return deps.accounts;
  let byPolicy = directories.get(deps.clients);
  if (!byPolicy) directories.set(deps.clients, (byPolicy = new WeakMap()));
  let dir = byPolicy.get(deps.policy);
  if (!dir) byPolicy.set(deps.policy, (dir = new AccountDirectory(deps.clients, deps.policy)));
  return dir;
};
