import { readFileSync } from 'node:fs';
import { audit, AUDIT_USAGE } from './audit';
import { FRAMEWORK_IDS, type FrameworkId, isFrameworkId } from '../shared/compliance/mapping';
import { causeOf, redrive, sendDeadLetter } from '../shared/dlq/dead-letter';
import type { Alert } from '../shared/alerts/alert';
import type { AlertSink } from '../shared/alerts/publisher';
import { parseSweepRequest } from '../shared/backfill/request';
import { backfill as runBackfill, storeFromEnv, sweepDeps } from '../shared/backfill/run';
import { isSentinelError, SentinelError } from '../shared/errors';
import { buildDeps } from '../shared/pipeline/context';
import { hasRetryableFailure, processEvent } from '../shared/pipeline/process';

const USAGE = `cmk-sentinel — keeps AWS data stores on the regional customer-managed KMS key

Usage:
  cmk-sentinel handle FILE|- [--dlq QUEUE_URL]
                                  run one EventBridge event (as Lambda receives it) through the pipeline;
                                  an event that fails for a retryable reason goes to the dead-letter queue
                                  (--dlq or CMK_SENTINEL_DLQ_URL) with its cause, like the Lambda's onFailure
  cmk-sentinel redrive --queue QUEUE_URL [--max N]
                                  re-process the dead letters on a queue (Lambda destination, EventBridge DLQ
                                  or local format); each one that now goes through is deleted
  cmk-sentinel backfill [--regions a,b] [--types t1,t2] [--accounts id1,id2] [--mode remediate|quarantine|report]
                        [--dry-run] [--report FILE] [--sweep-id ID] [--framework pci-dss-4|nist-800-53-r5|...]
                                  sweep everything that exists through the same pipeline; resumable by sweep id;
                                  writes FILE.json, FILE.md and FILE.html (default .sweeps/<id>/report.*), and beside
                                  them FILE.csv, FILE.ocsf.jsonl and the compliance summary FILE.compliance.json/.md
                                  (per framework, or only --framework's)
${AUDIT_USAGE}
  cmk-sentinel help

Environment: AWS_REGION, AWS_ENDPOINT_URL (e.g. a local emulator), CMK_SENTINEL_POLICY (policy file),
ALERT_TOPIC_ARN (SNS topic; without it alerts are printed), CMK_SENTINEL_DLQ_URL, CMK_SENTINEL_AUDIT_FILE
(append-only JSONL audit trail), IDEMPOTENCY_TABLE / AUDIT_TABLE (DynamoDB, as in the Lambda).`;

const option = (args: string[], name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const region = () => process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';

const readInput = (file: string): string => (file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8'));

export const handle = async (file: string, out: (s: string) => void, dlq = process.env.CMK_SENTINEL_DLQ_URL): Promise<number> => {
  let event: unknown;
  try {
    event = JSON.parse(readInput(file));
  } catch (e) {
    out(JSON.stringify({ kind: 'invalid', error: { code: 'INVALID_EVENT', message: `Cannot read an event from ${file}: ${(e as Error).message}` } }, null, 2));
    return 1;
  }
  const deps = buildDeps();
  const result = await processEvent(event, deps);
  const alerts = 'alerts' in deps.alerts ? (deps.alerts as { alerts: unknown[] }).alerts : undefined;
  let deadLetter: unknown;
  if (dlq && hasRetryableFailure(result)) {
    const cause = causeOf(result);
    await sendDeadLetter(deps.clients, dlq, region(), event, cause, deps.now());
    deadLetter = { queue: dlq, cause };
  }
  out(JSON.stringify({ ...result, ...(alerts ? { alerts } : {}), ...(deadLetter ? { deadLetter } : {}) }, null, 2));
  return result.kind === 'invalid' || result.outcomes.some((o) => o.status === 'ERROR') ? 1 : 0;
};

const FLAGS: Record<string, string> = { '--regions': 'regions', '--types': 'types', '--accounts': 'accounts', '--mode': 'mode', '--sweep-id': 'sweepId', '--report': 'report', '--framework': 'framework' };

export const parseBackfillArgs = (args: string[]): { payload: Record<string, unknown>; report?: string; framework?: FrameworkId } => {
  const payload: Record<string, unknown> = {};
  let report: string | undefined;
  let framework: FrameworkId | undefined;
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = (args[i] as string).split(/=(.*)/s) as [string, string | undefined];
    if (flag === '--dry-run') { payload.dryRun = true; continue; }
    const field = FLAGS[flag];
    const value = inline ?? args[++i];
    if (!field || value === undefined) throw new SentinelError('INVALID_EVENT', `Unknown or incomplete option "${args[i - (inline === undefined ? 1 : 0)] ?? flag}"`);
    if (field === 'framework') {
      if (!isFrameworkId(value)) throw new SentinelError('INVALID_EVENT', `Unknown framework "${value}"; expected one of ${FRAMEWORK_IDS.join(', ')}`);
      framework = value;
    } else if (field === 'report') report = value; else payload[field] = value;
  }
  return { payload, report, ...(framework ? { framework } : {}) };
};

/** Same code as the Lambda's in-process sweep; a progress bar on a terminal, plain lines otherwise. */
export const backfill = async (args: string[], out: (s: string) => void, progress: NodeJS.WriteStream | undefined = process.stderr): Promise<number> => {
  const { payload, report, framework } = parseBackfillArgs(args);
  const req = parseSweepRequest(payload);
  // Without a topic, per-resource alerts would pile up in memory: the report carries them; the summary is printed.
  const summaries: Alert[] = [];
  const printSink: AlertSink = { publish: async (a) => { summaries.push(a); } };
  const quiet: AlertSink = { publish: async () => undefined };
  const { deps, pacer } = sweepDeps(process.env.ALERT_TOPIC_ARN ? {} : { alerts: quiet });
  const result = await runBackfill(req, {
    deps, pacer, store: storeFromEnv(deps), reportFile: report, progress, ...(framework ? { framework } : {}),
    summarySink: process.env.ALERT_TOPIC_ARN ? undefined : printSink,
  });
  out(JSON.stringify({ ...result, ...(summaries.length ? { summary: summaries[0] } : {}) }, null, 2));
  return result.totals.errors || result.unitErrors.length ? 1 : 0;
};

export const main = async (argv: string[], out: (s: string) => void = (s) => process.stdout.write(`${s}\n`)): Promise<number> => {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'handle':
        if (!rest[0]) { out(USAGE); return 2; }
        return await handle(rest[0], out, option(rest, '--dlq') ?? process.env.CMK_SENTINEL_DLQ_URL);
      case 'redrive': {
        const queue = option(rest, '--queue');
        if (!queue) { out(USAGE); return 2; }
        const max = option(rest, '--max');
        const report = await redrive(queue, buildDeps(), { region: region(), max: max ? Number(max) : undefined });
        out(JSON.stringify(report, null, 2));
        return report.stillFailing + report.unreadable === 0 ? 0 : 1;
      }
      case 'backfill':
        return await backfill(rest, out);
      case 'audit':
        return await audit(rest, out);
      case undefined:
      case 'help':
      case '--help':
        out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        out(`Unknown command "${command}".\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (isSentinelError(e)) {
      out(JSON.stringify({ error: e.toJSON() }, null, 2));
      return 2;
    }
    throw e;
  }
};
