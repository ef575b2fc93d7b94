import { randomBytes } from 'node:crypto';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { translateAwsError } from '../aws/errors';
import { SentinelError } from '../errors';
import type { TriggerInfo } from '../events/normalise';
import type { PipelineDeps } from '../pipeline/context';
import { ruleContext } from '../pipeline/scope';
import { flushFindings, handleResource } from '../pipeline/process';
import type { Mode } from '../policy/policy';
import type { ResourceRef } from '../rules/contract';
import { loadRule, ruleMeta, RULES } from '../rules/registry';
import type { ResourceType } from '../rules/type-ids';
import { Pacer } from './pacing';
import { configTriage, directTriage, type Triage } from './config-inventory';
import type { Outcome } from '../alerts/alert';
import { accountsOf } from '../accounts/directory';
import {
  parseUnitKey,
  type ResultRow,
  retryOnResume,
  rowOf,
  type SweepMeta,
  type SweepStore,
  type Unit,
  unitKey,
} from './store';

/** The invoke payload (Lambda) and the CLI flags: everything optional. */
export interface SweepRequest {
  regions?: string[];
  types?: string[];
  accounts?: string[];
  dryRun?: boolean;
  mode?: Mode;
  sweepId?: string;
}

export interface SweepHooks {
  onPlan?(units: number): void;
  onResult?(row: ResultRow): void;
  onUnitDone?(unit: string, seen: number, error?: string): void;
}

export interface SweepEngine {
  deps: PipelineDeps;
  store: SweepStore;
  pacer: Pacer;
  hooks?: SweepHooks;
  /** Units swept at once; each is further bounded by its service's slots in its account-region. */
  unitConcurrency?: number;
}

/** Time-ordered and unique: two sweeps started in the same second must not resume each other. */
export const newSweepId = (now: Date): string =>
  `sweep-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(3).toString('hex')}`;

/** The service's own account: from the environment, else asked once of STS. */
export const homeAccount = async (deps: PipelineDeps, region: string): Promise<string> => {
  if (deps.homeAccount) return deps.homeAccount;
  try {
    const out = await deps.clients.get(STSClient, { region }).send(new GetCallerIdentityCommand({}));
    return out.Account as string;
  } catch (e) {
    throw translateAwsError(e, 'sts:GetCallerIdentity');
  }
};

/** Every (account, region, type) the request covers: defaults are the policy's accounts, regions and every registered
 * rule. */
export const planUnits = (
  req: SweepRequest,
  deps: PipelineDeps,
  home: string,
  /** The member accounts covered (AccountDirectory.members: ids, the organization's, minus exclude). */
  members: readonly string[] = deps.policy.doc.accounts.ids,
): Unit[] => {
  const types = req.types?.length ? req.types : RULES.map((r) => r.type);
  const unknown = types.filter((t) => !ruleMeta(t as ResourceType));
  if (unknown.length) {
    throw new SentinelError(
      'UNKNOWN_RESOURCE_TYPE',
      `Unknown resource type(s) ${unknown.join(', ')}; expected some of ${RULES.map((r) => r.type).join(', ')}`,
      { details: { unknown } },
    );
  }
  const regions = req.regions?.length ? req.regions : deps.policy.regions(process.env.AWS_REGION ?? 'us-east-1');
  const known = [home, ...members.filter((a) => a !== home)];
  // An account outside the policy has no role to assume: sweeping it would sweep the home account under its name.
  const outside = (req.accounts ?? []).filter((a) => !known.includes(a));
  if (outside.length) {
    throw new SentinelError(
      'USAGE',
      `Account(s) ${outside.join(', ')} are not in policy.accounts.ids (nor ${deps.policy.doc.accounts.organization ? "the organization's covered ACTIVE accounts, nor " : ''}the service's own ${home})`,
      { details: { outside } },
    );
  }
  const accounts = req.accounts?.length ? req.accounts : known;
  return accounts.flatMap((account) => regions.flatMap((region) => types.map((type) => ({ account, region, type }))));
};

/**
 * A resource AWS Config's recent item shows compliant: recorded without a direct read (nothing is done to it, so
 * nothing needs the fresh state), with the item's capture time in the detail. Its finding goes to Security Hub
 * as every other does.
 */
const recordedCompliant = async (
  ref: ResourceRef,
  arn: string,
  t: Extract<Triage, { verdict: 'COMPLIANT' }>,
  deps: PipelineDeps,
): Promise<Outcome> => {
  const outcome: Outcome = {
    ref,
    arn,
    status: 'COMPLIANT',
    detail: `from AWS Config's configuration item captured ${t.capturedAt.toISOString()}`,
    observedKey: t.finding.observedKey,
    expectedKey: t.finding.expectedKey,
    action: 'NONE',
    result: 'NOT_ATTEMPTED',
  };
  await deps.findings
    ?.add(outcome)
    .catch((e: unknown) => deps.log.error('finding not sent', { resource: ref, error: (e as Error).message }));
  return outcome;
};

const triggerFor = (sweepId: string): TriggerInfo => ({
  eventId: sweepId,
  eventName: 'Backfill',
  source: 'cmk-sentinel.backfill',
});

const sweepDeps = (deps: PipelineDeps, req: Pick<SweepRequest, 'dryRun' | 'mode'>): PipelineDeps => ({
  ...deps,
  dryRun: req.dryRun ?? deps.dryRun,
  mode: req.mode ?? deps.mode,
});

/**
 * Sweep one unit: stream the listing, run each resource not yet done through the
 * same pipeline as an event, record each result as it lands. Never holds the listing:
 * the loop waits for a slot before reading the next id. A failing listing is recorded
 * on the unit; a failing resource is recorded on its row; neither stops the sweep.
 */
export const runUnit = async (
  sweepId: string,
  unit: Unit,
  req: SweepRequest,
  engine: SweepEngine,
): Promise<{ seen: number; error?: string; retry?: boolean }> => {
  const { store, pacer, hooks } = engine;
  const deps = sweepDeps(engine.deps, req);
  const key = unitKey(unit);
  const prior = await store.getUnit(sweepId, key);
  if (prior?.done) return { seen: prior.seen, error: prior.error };
  // Results may have landed before the unit's first cursor write: always ask (a fresh sweep's answer is empty).
  const done = await store.doneIds(sweepId, key);
  const rule = await loadRule(unit.type as ResourceType);
  if (!rule) throw new SentinelError('UNKNOWN_RESOURCE_TYPE', `No rule for ${unit.type}`);
  const ctx = ruleContext(deps, unit.account, unit.region);
  const slots = pacer.slotsFor(rule.service, unit.account, unit.region);
  const inFlight = new Set<Promise<void>>();
  let seen = done.size;
  let error: string | undefined;
  let retry = false;

  // AWS Config's items triage the unit where the policy asks and Config records the type; otherwise every resource
  // is read directly. Either way, what is acted on is re-read first (handleResource describes it afresh).
  const inventory = await configTriage(rule, unit, ctx, deps).catch((e: unknown) => {
    const err = e instanceof SentinelError ? e : translateAwsError(e, 'config:list');
    deps.log.warn('config inventory unavailable, sweeping directly', { unit: key, code: err.code, error: err.message });
    return undefined;
  });
  const source = inventory?.triage ?? directTriage(rule.list(ctx));

  const one = async (ref: ResourceRef, fromConfig?: Triage): Promise<void> => {
    const outcome =
      fromConfig?.verdict === 'COMPLIANT'
        ? await recordedCompliant(ref, rule.arn(ref), fromConfig, deps)
        : await handleResource(ref, triggerFor(sweepId), deps);
    const row = rowOf(outcome, deps.now());
    await store.putResult(sweepId, row);
    // A resource an outage or throttling stopped keeps the unit open for the resume to retry it.
    if (retryOnResume(row)) retry = true;
    seen++;
    if (seen % 100 === 0) await store.putUnit(sweepId, key, { seen, done: false });
    hooks?.onResult?.(row);
  };

  try {
    for await (const t of source) {
      const { id } = t;
      if (done.has(id)) continue;
      const release = await slots.acquire();
      const p = one({ type: rule.type, account: unit.account, region: unit.region, id }, t)
        .catch((e: unknown) => {
          deps.log.error('result not recorded', { unit: key, id, error: (e as Error).message });
        })
        .finally(() => {
          release();
          inFlight.delete(p);
        });
      inFlight.add(p);
    }
  } catch (e) {
    const err = e instanceof SentinelError ? e : translateAwsError(e, `${rule.service}:list`);
    error = `${err.code}: ${err.message}`;
    retry = err.retryable;
    deps.log.error('listing failed', { unit: key, code: err.code, error: err.message });
  }
  await Promise.all(inFlight);
  // The unit's Security Hub findings (batched by the sink, 100 per call) go before the unit counts as done.
  const findingsError = await flushFindings(deps);
  if (findingsError) error = [error, `${findingsError.code}: ${findingsError.message}`].filter(Boolean).join('; ');
  // A listing cut short or a resource stopped by an outage leaves the unit open: the same sweep id,
  // re-invoked, lists it again and retries what failed (what succeeded is skipped).
  await store.putUnit(sweepId, key, { seen, done: !retry, error });
  hooks?.onUnitDone?.(key, seen, error);
  return { seen, error, retry };
};

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x) => b.includes(x));

/**
 * What a resume asks for that differs from what its sweep was started with. A flag the user gives is never
 * silently dropped: a resume with no flags continues as started; one whose flags differ is refused, since
 * continuing with the stored flags would ignore them (a `--dry-run` resume of a live sweep would re-encrypt).
 */
export const resumeConflicts = (
  meta: Pick<SweepMeta, 'dryRun' | 'mode' | 'units'>,
  req: SweepRequest,
  planned: Unit[],
): string[] => {
  const out: string[] = [];
  if (req.dryRun !== undefined && req.dryRun !== meta.dryRun) {
    out.push(
      req.dryRun
        ? 'the sweep was started without --dry-run (it changes resources); this resume asks for --dry-run'
        : 'the sweep was started as a dry run; this resume asks for changes',
    );
  }
  if (req.mode !== undefined && req.mode !== meta.mode)
    out.push(
      `the sweep was started with mode ${meta.mode ?? "(the policy's)"}; this resume asks for --mode ${req.mode}`,
    );
  if ((req.regions || req.types || req.accounts) && !sameSet(planned.map(unitKey), meta.units)) {
    out.push(
      `the sweep covers ${meta.units.length} unit(s) (${meta.units.slice(0, 3).join(', ')}${meta.units.length > 3 ? ', ...' : ''}); --regions/--types/--accounts of this resume plan ${planned.length} other(s)`,
    );
  }
  return out;
};

/** Create or reload the sweep's record: a re-invoke with the same id continues it, with the flags it started with. */
export const openSweep = async (req: SweepRequest, engine: SweepEngine, units: Unit[]) => {
  const sweepId = req.sweepId ?? newSweepId(engine.deps.now());
  const existing = await engine.store.getMeta(sweepId);
  const conflicts = existing ? resumeConflicts(existing, req, units) : [];
  if (conflicts.length) {
    throw new SentinelError(
      'SWEEP_CONFLICT',
      `Sweep ${sweepId} cannot resume with different flags: ${conflicts.join('; ')}. Resume it with only --sweep-id ${sweepId}, or start a new sweep.`,
      { details: { sweepId, conflicts } },
    );
  }
  const { policy } = engine.deps;
  const meta: SweepMeta = existing ?? {
    sweepId,
    startedAt: engine.deps.now().toISOString(),
    dryRun: req.dryRun === true,
    mode: req.mode,
    policy: policy.source,
    policyMode: policy.doc.mode,
    units: units.map(unitKey),
  };
  if (!existing) await engine.store.putMeta(meta);
  return meta;
};

/** Sweep every unit in-process (CLI, or the Lambda without a queue); units run a few at a time. */
export const runSweep = async (req: SweepRequest, engine: SweepEngine) => {
  const home = await homeAccount(engine.deps, req.regions?.[0] ?? process.env.AWS_REGION ?? 'us-east-1');
  const planned = planUnits(req, engine.deps, home, await accountsOf(engine.deps).members(home));
  const meta = await openSweep(req, engine, planned);
  // A resumed sweep keeps its original plan and flags (openSweep refused any that differ).
  const effective: SweepRequest = { ...req, dryRun: meta.dryRun, mode: meta.mode as Mode | undefined };
  const units = meta.units.map(parseUnitKey);
  engine.hooks?.onPlan?.(units.length);
  const queue = [...units];
  const workers = Array.from({ length: Math.min(engine.unitConcurrency ?? 8, queue.length) }, async () => {
    for (let u = queue.shift(); u; u = queue.shift()) {
      await runUnit(meta.sweepId, u, effective, engine);
      await engine.store.finishUnit(meta.sweepId, unitKey(u));
    }
  });
  await Promise.all(workers);
  const finished = { ...meta, finishedAt: engine.deps.now().toISOString() };
  await engine.store.putMeta(finished);
  return finished;
};
