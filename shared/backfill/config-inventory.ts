import type { BaseConfigurationItem, ConfigurationRecorder } from '@aws-sdk/client-config-service';
import { translateAwsError } from '../aws/errors';
import type { KeyInfo } from '../kms/key-resolver';
import { lazily } from '../lazy';
import type { PipelineDeps } from '../pipeline/context';
import type { AnyRule, ConfigItem, Finding, RuleContext } from '../rules/contract';
import { SentinelError } from '../errors';

// Loaded with the first Config-triaged unit: a sweep without `backfill.config`, and every Lambda's init, load neither.
const configSdk = lazily(() => import('@aws-sdk/client-config-service'));
const taggingSdk = lazily(() => import('@aws-sdk/client-resource-groups-tagging-api'));

/** BatchGetResourceConfig / BatchGetAggregateResourceConfig take at most 100 keys (Config API Reference). */
export const CONFIG_BATCH = 100;

/** Why a resource is re-read directly rather than judged from Config's item. */
export type RereadWhy = 'NON_COMPLIANT' | 'UNKNOWN' | 'STALE' | 'TAGGED' | 'UNPROCESSED' | 'NOT_IN_CONFIG';

export type Triage =
  | { id: string; verdict: 'COMPLIANT'; finding: Finding; capturedAt: Date }
  | { id: string; verdict: 'REREAD'; why: RereadWhy };

export interface ConfigSettings {
  maxAgeMs: number;
  aggregator?: { name: string; region: string };
}

/** The policy's `backfill.config`, when on. */
export const configSettings = (deps: Pick<PipelineDeps, 'policy'>): ConfigSettings | undefined => {
  const c = deps.policy.doc.backfill?.config;
  if (!c || c.enabled === false) return undefined;
  return { maxAgeMs: c.maxAgeHours * 3_600_000, ...(c.aggregator ? { aggregator: c.aggregator } : {}) };
};

/**
 * Whether a recorder of the account and region is on and records `type` (Config API Reference, RecordingGroup:
 * allSupported, or `resourceTypes` with INCLUSION_BY_RESOURCE_TYPES, or everything but `exclusionByResourceTypes`).
 * A type Config does not record would be missing from its listing: then the unit is swept directly.
 */
export const recordsType = (
  recorders: readonly ConfigurationRecorder[],
  recording: ReadonlySet<string>,
  type: string,
): boolean =>
  recorders.some((r) => {
    if (!r.name || !recording.has(r.name)) return false;
    const g = r.recordingGroup;
    if (!g) return false;
    const strategy = g.recordingStrategy?.useOnly;
    if (strategy === 'EXCLUSION_BY_RESOURCE_TYPES')
      return !(g.exclusionByResourceTypes?.resourceTypes ?? []).some((t) => t === type);
    if (g.allSupported) return true;
    return (g.resourceTypes ?? []).some((t) => t === type);
  });

/** Pure: the verdict of one item (the state `fromConfig` made of it, or undefined when it cannot tell). */
export const triageItem = (
  id: string,
  item: ConfigItem | undefined,
  finding: Finding | undefined,
  now: Date,
  maxAgeMs: number,
): Triage => {
  if (!item) return { id, verdict: 'REREAD', why: 'NOT_IN_CONFIG' };
  if (!item.capturedAt) return { id, verdict: 'REREAD', why: 'UNKNOWN' };
  if (now.getTime() - item.capturedAt.getTime() > maxAgeMs) return { id, verdict: 'REREAD', why: 'STALE' };
  if (!finding) return { id, verdict: 'REREAD', why: 'UNKNOWN' };
  if (finding.status !== 'COMPLIANT') return { id, verdict: 'REREAD', why: 'NON_COMPLIANT' };
  return { id, verdict: 'COMPLIANT', finding, capturedAt: item.capturedAt };
};

const itemOf = (i: BaseConfigurationItem): ConfigItem => ({
  resourceId: i.resourceId ?? '',
  accountId: i.accountId,
  awsRegion: i.awsRegion,
  status: i.configurationItemStatus,
  capturedAt: i.configurationItemCaptureTime,
  configuration: i.configuration,
  supplementaryConfiguration: i.supplementaryConfiguration,
});

interface UnitLike {
  account: string;
  region: string;
}

/** Does Config record the rule's type in the unit's account and region? A refusal reads as "no" (swept directly). */
const recorderCovers = async (
  type: string,
  ctx: RuleContext,
  deps: PipelineDeps,
): Promise<{ ok: true } | { ok: false; why: string }> => {
  const sdk = await configSdk();
  const config = ctx.clients.get(sdk.ConfigServiceClient, ctx.scope);
  try {
    const [recorders, status] = await Promise.all([
      config.send(new sdk.DescribeConfigurationRecordersCommand({})),
      config.send(new sdk.DescribeConfigurationRecorderStatusCommand({})),
    ]);
    const on = new Set((status.ConfigurationRecordersStatus ?? []).filter((s) => s.recording).map((s) => s.name ?? ''));
    return recordsType(recorders.ConfigurationRecorders ?? [], on, type)
      ? { ok: true }
      : { ok: false, why: `no recorder on that records ${type}` };
  } catch (e) {
    const err = translateAwsError(e, 'config:DescribeConfigurationRecorders');
    deps.log.warn('config recorder not readable', { account: ctx.scope.account, code: err.code, error: err.message });
    return { ok: false, why: `${err.code}: ${err.message}` };
  }
};

/** The resources carrying a verdict tag (one Resource Groups Tagging API listing per unit). */
const taggedIds = async (rule: AnyRule, ctx: RuleContext): Promise<Set<string>> => {
  const tags = rule.inventory?.verdictTags;
  const out = new Set<string>();
  if (!tags) return out;
  const sdk = await taggingSdk();
  const client = ctx.clients.get(sdk.ResourceGroupsTaggingAPIClient, ctx.scope);
  try {
    // TagFilters are ANDed: one listing per key (Resource Groups Tagging API Reference, GetResources).
    for (const key of tags.keys) {
      for await (const page of sdk.paginateGetResources(
        { client },
        { ResourceTypeFilters: [tags.taggingType], TagFilters: [{ Key: key }] },
      )) {
        for (const m of page.ResourceTagMappingList ?? []) {
          const id = m.ResourceARN ? tags.idOf(m.ResourceARN) : undefined;
          if (id) out.add(id);
        }
      }
    }
  } catch (e) {
    throw translateAwsError(e, 'tag:GetResources');
  }
  return out;
};

/** Pages of ids Config lists for the unit: its own ListDiscoveredResources, or the aggregator's (filtered). */
async function* listedIds(type: string, unit: UnitLike, ctx: RuleContext, s: ConfigSettings): AsyncIterable<string> {
  const sdk = await configSdk();
  try {
    if (s.aggregator) {
      const client = ctx.clients.get(sdk.ConfigServiceClient, { region: s.aggregator.region });
      for await (const page of sdk.paginateListAggregateDiscoveredResources(
        { client, pageSize: CONFIG_BATCH },
        {
          ConfigurationAggregatorName: s.aggregator.name,
          ResourceType: type as never,
          Filters: { AccountId: unit.account, Region: unit.region },
        },
      ))
        for (const r of page.ResourceIdentifiers ?? []) if (r.ResourceId) yield r.ResourceId;
      return;
    }
    const client = ctx.clients.get(sdk.ConfigServiceClient, ctx.scope);
    for await (const page of sdk.paginateListDiscoveredResources(
      { client, pageSize: CONFIG_BATCH },
      { resourceType: type as never },
    ))
      for (const r of page.resourceIdentifiers ?? []) if (r.resourceId && !r.resourceDeletionTime) yield r.resourceId;
  } catch (e) {
    throw translateAwsError(
      e,
      s.aggregator ? 'config:ListAggregateDiscoveredResources' : 'config:ListDiscoveredResources',
    );
  }
}

/** One batch of items (≤ 100); the keys Config left unprocessed come back apart. */
const readBatch = async (
  type: string,
  ids: readonly string[],
  unit: UnitLike,
  ctx: RuleContext,
  s: ConfigSettings,
): Promise<{ items: Map<string, ConfigItem>; unprocessed: Set<string> }> => {
  const sdk = await configSdk();
  const items = new Map<string, ConfigItem>();
  const unprocessed = new Set<string>();
  try {
    if (s.aggregator) {
      const client = ctx.clients.get(sdk.ConfigServiceClient, { region: s.aggregator.region });
      const out = await client.send(
        new sdk.BatchGetAggregateResourceConfigCommand({
          ConfigurationAggregatorName: s.aggregator.name,
          ResourceIdentifiers: ids.map((id) => ({
            SourceAccountId: unit.account,
            SourceRegion: unit.region,
            ResourceId: id,
            ResourceType: type as never,
          })),
        }),
      );
      for (const i of out.BaseConfigurationItems ?? []) if (i.resourceId) items.set(i.resourceId, itemOf(i));
      for (const u of out.UnprocessedResourceIdentifiers ?? []) if (u.ResourceId) unprocessed.add(u.ResourceId);
    } else {
      const client = ctx.clients.get(sdk.ConfigServiceClient, ctx.scope);
      const out = await client.send(
        new sdk.BatchGetResourceConfigCommand({
          resourceKeys: ids.map((id) => ({ resourceType: type as never, resourceId: id })),
        }),
      );
      for (const i of out.baseConfigurationItems ?? []) if (i.resourceId) items.set(i.resourceId, itemOf(i));
      for (const u of out.unprocessedResourceKeys ?? []) if (u.resourceId) unprocessed.add(u.resourceId);
    }
  } catch (e) {
    throw translateAwsError(
      e,
      s.aggregator ? 'config:BatchGetAggregateResourceConfig' : 'config:BatchGetResourceConfig',
    );
  }
  return { items, unprocessed };
};

export interface ConfigTriage {
  /** Where the items came from: the account's own Config, or the aggregator. */
  source: 'config' | 'aggregator';
  triage: AsyncIterable<Triage>;
}

/**
 * The unit's resources triaged from AWS Config, or undefined when the unit is swept directly (the policy does not
 * ask for it, the rule has no inventory, or Config does not record the type there: `why` in the log). The listing
 * streams: 100 ids are read per batch call, and each batch is triaged before the next is asked for.
 */
export const configTriage = async (
  rule: AnyRule,
  unit: UnitLike,
  ctx: RuleContext,
  deps: PipelineDeps,
): Promise<ConfigTriage | undefined> => {
  const settings = configSettings(deps);
  const inventory = rule.inventory;
  if (!settings || !inventory) return undefined;
  const s: ConfigSettings = settings;
  const inv: NonNullable<AnyRule['inventory']> = inventory;
  // Config must record the type in the account itself: an aggregator's listing of an account that records
  // nothing is empty, and the sweep would miss every resource there.
  const covered = await recorderCovers(inv.configType, ctx, deps);
  if (!covered.ok) {
    deps.log.info('unit swept directly', { unit, type: rule.type, why: covered.why });
    return undefined;
  }
  const tagged = await taggedIds(rule, ctx);
  let cmk: KeyInfo | undefined;
  try {
    cmk = await ctx.keys.regionalCmk(unit.region);
  } catch (e) {
    // No CMK to judge by: every resource goes the direct way, which reports KEY_NOT_FOUND per resource.
    if (!(e instanceof SentinelError)) throw e;
  }
  const now = deps.now();
  async function* triage(): AsyncIterable<Triage> {
    let batch: string[] = [];
    const flush = async function* (ids: string[]): AsyncIterable<Triage> {
      const { items, unprocessed } = await readBatch(inv.configType, ids, unit, ctx, s);
      for (const id of ids) {
        if (tagged.has(id)) yield { id, verdict: 'REREAD', why: 'TAGGED' };
        else if (unprocessed.has(id)) yield { id, verdict: 'REREAD', why: 'UNPROCESSED' };
        else {
          const item = items.get(id);
          const ref = { type: rule.type, account: unit.account, region: unit.region, id };
          const state = item && cmk ? await inv.fromConfig(item, ref, ctx) : undefined;
          const finding =
            state !== undefined && cmk
              ? (rule.evaluate(state, { region: unit.region, cmk, policy: deps.policy }) as Finding)
              : undefined;
          yield triageItem(id, item, finding, now, s.maxAgeMs);
        }
      }
    };
    for await (const id of listedIds(inv.configType, unit, ctx, s)) {
      batch.push(id);
      if (batch.length === CONFIG_BATCH) {
        yield* flush(batch);
        batch = [];
      }
    }
    if (batch.length) yield* flush(batch);
  }
  return { source: s.aggregator ? 'aggregator' : 'config', triage: triage() };
};

/** The direct sweep as a triage: every listed id re-read. */
export async function* directTriage(ids: AsyncIterable<string>): AsyncIterable<Triage> {
  for await (const id of ids) yield { id, verdict: 'REREAD', why: 'UNKNOWN' };
}
