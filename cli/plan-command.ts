import type { Outcome } from '../shared/alerts/alert';
import { homeAccount } from '../shared/backfill/sweep';
import { SentinelError } from '../shared/errors';
import { buildDeps } from '../shared/pipeline/context';
import { evaluateAndAct } from '../shared/pipeline/process';
import { ruleContext } from '../shared/pipeline/scope';
import { costText, downtimeText, planLines } from '../shared/rules/plan';
import { loadRule, RULES } from '../shared/rules/registry';
import type { ResourceType } from '../shared/rules/type-ids';
import { type Mode, MODES } from '../shared/policy/modes';
import { formatOf, type Io, parseArgs, str } from './args';

export const PLAN_USAGE = `Usage: cmk-sentinel plan [--type TYPE] [--region REGION] [--mode remediate|quarantine|report]
                      [--format table|json] [RESOURCE_ID]

What the service would do to each non-compliant resource, before it does anything: per resource the action
(after the fallbacks AWS forces), the AWS calls in order with their purpose, whether each writes or destroys and
the policy gate that allows it, the expected downtime and the cost class. Read-only: nothing is written to AWS.
Without RESOURCE_ID, every resource of --type (default: every type) in --region (default: the policy's regions)
is listed and planned; with it, --type is required. --mode overrides the policy's mode per type.`;

const OPTIONS = { '--type': 'value', '--region': 'value', '--mode': 'value', '--format': 'value' } as const;

const usage = (m: string) => new SentinelError('USAGE', m);

/** One resource's plan as data (what `--format json` prints). */
export interface ResourcePlan {
  resource: Outcome['ref'];
  status: Outcome['status'];
  reason?: string;
  action: Outcome['action'];
  detail?: string;
  plan?: Outcome['plan'];
  error?: Outcome['error'];
}

const asPlan = (o: Outcome): ResourcePlan => ({
  resource: o.ref,
  status: o.status,
  ...(o.reason ? { reason: o.reason } : {}),
  action: o.plan?.action ?? o.action,
  ...(o.actionDetail || o.detail ? { detail: o.actionDetail ?? o.detail } : {}),
  ...(o.plan ? { plan: o.plan } : {}),
  ...(o.error ? { error: o.error } : {}),
});

/** The plan of one resource as lines for people. */
export const planText = (p: ResourcePlan): string[] => {
  const head = `${p.resource.type}/${p.resource.id} (${p.resource.region}): ${p.status}${p.reason ? ` ${p.reason}` : ''}`;
  if (p.error) return [head, `  error ${p.error.code}: ${p.error.message}`];
  if (!p.plan) return [`${head}; ${p.detail ?? 'nothing to do'}`];
  const steps = planLines(p.plan.steps).map((l) => `    ${l}`);
  return [
    `${head} → ${p.plan.action}`,
    ...(p.plan.fallback ?? []).map((f) => `  ${f}`),
    ...(steps.length ? ['  calls:', ...steps] : ['  calls: none']),
    `  downtime: ${downtimeText(p.plan.downtime)}`,
    `  cost: ${p.plan.cost.length ? costText(p.plan.cost) : 'none'}`,
    ...(p.plan.notes ?? []).map((n) => `  note: ${n}`),
  ];
};

export const planCommand = async (args: string[], io: Io): Promise<number> => {
  const p = parseArgs(args, OPTIONS, 1);
  if (p.help) {
    io.out(PLAN_USAGE);
    return 0;
  }
  const format = formatOf(p, io.tty);
  const type = str(p, '--type');
  const id = p.positionals[0];
  const mode = str(p, '--mode');
  if (type !== undefined && !RULES.some((r) => r.type === type))
    throw usage(`Unknown resource type "${type}"; expected one of ${RULES.map((r) => r.type).join(', ')}`);
  if (id !== undefined && type === undefined) throw usage('plan RESOURCE_ID needs --type (an id alone names no type)');
  if (mode !== undefined && !MODES.includes(mode as Mode))
    throw usage(`--mode ${mode}: expected remediate, quarantine or report`);
  // A dry run: the pipeline decides exactly as it would act (mode, waivers, exemption tags, limits), writes nothing.
  const deps = buildDeps({ dryRun: true, ...(mode ? { mode: mode as Mode } : {}) });
  const home = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const regions = str(p, '--region') ? [str(p, '--region') as string] : deps.policy.regions(home);
  const account = await homeAccount(deps, regions[0] ?? home);
  const types = (type ? [type] : RULES.map((r) => r.type)) as ResourceType[];
  const plans: ResourcePlan[] = [];
  const listingErrors: { type: string; region: string; error: string }[] = [];
  for (const region of regions)
    for (const t of types) {
      const ids: string[] = [];
      if (id !== undefined) ids.push(id);
      else {
        const rule = await loadRule(t);
        try {
          for await (const x of rule?.list(ruleContext(deps, account, region)) ?? []) ids.push(x);
        } catch (e) {
          listingErrors.push({ type: t, region, error: (e as Error).message });
        }
      }
      for (const x of ids) plans.push(asPlan(await evaluateAndAct({ type: t, account, region, id: x }, deps)));
    }
  if (format === 'json') io.out(JSON.stringify({ plans, listingErrors }, null, 2));
  else
    io.out(
      [
        ...plans.flatMap(planText),
        ...listingErrors.map((l) => `listing failed: ${l.type} in ${l.region}: ${l.error}`),
        `${plans.length} resources, ${plans.filter((x) => x.plan).length} with a plan; nothing was changed`,
      ].join('\n'),
    );
  return plans.some((x) => x.error) || listingErrors.length ? 1 : 0;
};
