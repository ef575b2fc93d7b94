import type { Outcome } from '../alerts/alert';
import type { ClientFactory } from '../aws/clients';
import { translateAwsError } from '../aws/errors';
import { SentinelError } from '../errors';
import { lazily } from '../lazy';
import type { Policy } from '../policy/policy';
import { scopeFor } from '../pipeline/scope';
import { type AsffFinding, toAsff } from './asff';

// Loaded with the first import: a run without findings loads no Security Hub client.
const securityHubSdk = lazily(() => import('@aws-sdk/client-securityhub'));

/** BatchImportFindings takes at most 100 findings per call (API reference, BatchImportFindings). */
export const MAX_FINDINGS_PER_CALL = 100;

/** Where the findings of outcomes go; `flush` sends what is pending and says how many went. */
export interface FindingSink {
  add(outcome: Outcome): Promise<void>;
  flush(): Promise<{ imported: number }>;
}

interface SinkDeps {
  clients: ClientFactory;
  policy: Policy;
  homeAccount?: string;
  now: () => Date;
}

/**
 * Findings imported into Security Hub in the resource's own account and region: BatchImportFindings requires the
 * caller's account to be the finding's AwsAccountId, so a member account's findings go through the member role
 * (the same scope the rule context uses). Batched: a group is sent when it reaches 100, the rest on flush.
 * A later finding with the same Id replaces a pending one (the newest state wins).
 */
export class SecurityHubFindings implements FindingSink {
  private readonly pending = new Map<string, Map<string, AsffFinding>>();

  constructor(
    private readonly deps: SinkDeps,
    private readonly remediationUrl?: string,
  ) {}

  async add(outcome: Outcome): Promise<void> {
    for (const f of toAsff(outcome, {
      now: this.deps.now(),
      ...(this.remediationUrl ? { remediationUrl: this.remediationUrl } : {}),
    })) {
      const group = `${f.AwsAccountId}|${f.Region}`;
      const g = this.pending.get(group) ?? new Map<string, AsffFinding>();
      g.set(f.Id, f);
      this.pending.set(group, g);
      if (g.size >= MAX_FINDINGS_PER_CALL) await this.send(group);
    }
  }

  async flush(): Promise<{ imported: number }> {
    let imported = 0;
    const failures: string[] = [];
    for (const group of [...this.pending.keys()]) {
      try {
        imported += await this.send(group);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
    if (failures.length)
      throw new SentinelError('SECURITYHUB_IMPORT_FAILED', `Security Hub import failed: ${failures.join('; ')}`, {
        retryable: true,
      });
    return { imported };
  }

  /** Takes the group's findings before the first await, so concurrent flushes never send one twice. */
  private async send(group: string): Promise<number> {
    const batch = [...(this.pending.get(group)?.values() ?? [])];
    this.pending.delete(group);
    const [account, region] = group.split('|') as [string, string];
    const { BatchImportFindingsCommand, SecurityHubClient } = await securityHubSdk();
    const hub = this.deps.clients.get(SecurityHubClient, scopeFor(this.deps, account, region));
    let imported = 0;
    for (let i = 0; i < batch.length; i += MAX_FINDINGS_PER_CALL) {
      const chunk = batch.slice(i, i + MAX_FINDINGS_PER_CALL);
      let out;
      try {
        out = await hub.send(new BatchImportFindingsCommand({ Findings: chunk as never }));
      } catch (e) {
        throw translateAwsError(e, 'securityhub:BatchImportFindings', `${account}/${region}`);
      }
      imported += out.SuccessCount ?? 0;
      if (out.FailedCount) {
        const why = (out.FailedFindings ?? [])
          .slice(0, 3)
          .map((f) => `${f.Id}: ${f.ErrorCode} ${f.ErrorMessage}`)
          .join('; ');
        throw new SentinelError(
          'SECURITYHUB_IMPORT_FAILED',
          `${out.FailedCount} of ${chunk.length} findings refused in ${account}/${region}: ${why}`,
          { retryable: false },
        );
      }
    }
    return imported;
  }
}

/** `securityHub: { enabled: true }` in the policy turns findings on. */
export const findingsFromPolicy = (deps: SinkDeps): FindingSink | undefined =>
  deps.policy.doc.securityHub?.enabled
    ? new SecurityHubFindings(deps, deps.policy.doc.securityHub.remediationUrl)
    : undefined;
