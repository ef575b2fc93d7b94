import type { AlertSink } from '../alerts/publisher';
import { buildDeps, type PipelineDeps } from '../pipeline/context';
import { loadPolicy } from '../policy/policy';
import { DynamoSweepStore } from './dynamodb-store';
import { FileSweepStore } from './file-store';
import { putReportObjects, reportFor, summaryAlert, writeReportFiles } from './finish';
import { putEvidenceObjects, renderEvidence, writeEvidenceFiles } from './evidence-files';
import type { FrameworkId } from '../compliance/mapping';
import { PacedClientFactory, Pacer } from './pacing';
import { Progress, type ProgressStream } from './progress';
import type { SweepReport } from './report';
import type { SweepStore } from './store';
import { homeAccount, runSweep, type SweepEngine, type SweepRequest } from './sweep';

/** Where sweeps keep progress: the DynamoDB table when one is configured, else a local file. */
export const storeFromEnv = (deps: PipelineDeps, env: NodeJS.ProcessEnv = process.env): SweepStore =>
  env.CMK_SENTINEL_SWEEP_TABLE
    ? new DynamoSweepStore(deps.clients, env.CMK_SENTINEL_SWEEP_TABLE, env.AWS_REGION ?? 'us-east-1')
    : new FileSweepStore(env.CMK_SENTINEL_SWEEP_DIR ?? '.sweeps');

/** `CMK_SENTINEL_RATES=s3=20,rds=6,kms:EnableKey=2`: ceilings (requests/s) for the adaptive limiters, e.g. to leave
 * room for other tools. */
export const ratesFromEnv = (env: NodeJS.ProcessEnv = process.env): Record<string, number> => {
  const rates: Record<string, number> = {};
  for (const pair of (env.CMK_SENTINEL_RATES ?? '').split(',').filter(Boolean)) {
    const [svc, v] = pair.split('=');
    const rps = Number(v);
    if (svc?.trim() && rps > 0) rates[svc.trim()] = rps;
  }
  return rates;
};

/** The policy's `backfill.rates` and the environment's, the lower where both name a limiter. */
export const ceilingsFor = (
  policy: PipelineDeps['policy'],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, number> => {
  const out: Record<string, number> = { ...(policy.doc.backfill?.rates ?? {}) };
  for (const [k, v] of Object.entries(ratesFromEnv(env))) out[k] = Math.min(v, out[k] ?? Infinity);
  return out;
};

/** Deps for a sweep: every client paced per service (class or KMS operation) and account-region. */
export const sweepDeps = (
  overrides: Partial<PipelineDeps> = {},
  env: NodeJS.ProcessEnv = process.env,
): { deps: PipelineDeps; pacer: Pacer } => {
  const policy = overrides.policy ?? loadPolicy(env);
  const pacer = new Pacer(ceilingsFor(policy, env));
  const deps = buildDeps({ clients: new PacedClientFactory(pacer), policy, ...overrides }, env);
  return { deps, pacer };
};

/** Paced deps and the configured store: what a Lambda sweeping (or working a unit) runs on. */
export const engineFromEnv = (env: NodeJS.ProcessEnv = process.env): SweepEngine => {
  const { deps, pacer } = sweepDeps({}, env);
  return { deps, pacer, store: storeFromEnv(deps, env) };
};

export interface BackfillResult {
  sweepId: string;
  totals: SweepReport['totals'];
  byReason: SweepReport['byReason'];
  unitErrors: SweepReport['unitErrors'];
  reports: string[];
}

export interface BackfillRun {
  deps: PipelineDeps;
  pacer: Pacer;
  store: SweepStore;
  /** Local report base path (FILE → FILE.json/.md/.html); else REPORT_BUCKET in AWS; else .sweeps/<id>/report.* */
  reportFile?: string;
  reportBucket?: string;
  progress?: ProgressStream;
  /** Summary goes here (SNS in AWS); per-resource alerts go through deps.alerts as on the event path. */
  summarySink?: AlertSink;
  /** The compliance summary and the CSV for this framework only (`--framework pci-dss-4`); absent = every framework. */
  framework?: FrameworkId;
}

/** Sweep in-process, write the reports, send the summary. The CLI and the Lambda without a queue run this. */
export const backfill = async (req: SweepRequest, run: BackfillRun): Promise<BackfillResult> => {
  const { deps, store } = run;
  let progress: Progress | undefined;
  const engine: SweepEngine = {
    deps,
    store,
    pacer: run.pacer,
    hooks: {
      onPlan: (units) => {
        if (run.progress) progress = new Progress(run.progress, units);
      },
      onResult: (row) => progress?.result(row),
      onUnitDone: () => progress?.unitDone(),
    },
  };
  const meta = await runSweep(req, engine);
  progress?.done();
  const report = await reportFor(meta, store);
  const region = req.regions?.[0] ?? process.env.AWS_REGION ?? 'us-east-1';
  const reports = run.reportBucket
    ? await putReportObjects(report, run.reportBucket, region, deps)
    : writeReportFiles(report, run.reportFile ?? `.sweeps/${meta.sweepId}/report.json`);
  // Beside the report: CSV, OCSF Compliance Findings (JSON Lines) and the compliance summary per framework.
  const evidence = await renderEvidence(meta.sweepId, store, deps, run.framework);
  reports.push(
    ...(run.reportBucket
      ? await putEvidenceObjects(evidence, meta.sweepId, run.reportBucket, region, deps)
      : writeEvidenceFiles(evidence, run.reportFile ?? `.sweeps/${meta.sweepId}/report.json`)),
  );
  const sink = run.summarySink ?? deps.alerts;
  await sink.publish(summaryAlert(report, reports, region, await homeAccount(deps, region), deps.now()));
  return {
    sweepId: meta.sweepId,
    totals: report.totals,
    byReason: report.byReason,
    unitErrors: report.unitErrors,
    reports,
  };
};
