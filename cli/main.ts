import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { APPROVE_USAGE, approveCommand } from './approve';
import { audit, AUDIT_USAGE } from './audit';
import { FRAMEWORK_IDS, isFrameworkId } from '../shared/compliance/mapping';
import { causeOf, redrive, sendDeadLetter } from '../shared/dlq/dead-letter';
import type { Alert, Outcome } from '../shared/alerts/alert';
import type { AlertSink } from '../shared/alerts/publisher';
import { parseSweepRequest } from '../shared/backfill/request';
import type { ResultRow } from '../shared/backfill/store';
import type { ResourceType } from '../shared/rules/type-ids';
import { backfill as runBackfill, storeFromEnv, sweepDeps } from '../shared/backfill/run';
import { isSentinelError, SentinelError } from '../shared/errors';
import { logToStderr } from '../shared/logger';
import { buildDeps } from '../shared/pipeline/context';
import { type EventResult, hasRetryableFailure, processEvent } from '../shared/pipeline/process';
import { formatOf, type Io, type Parsed, parseArgs, positiveInt, str } from './args';
import { planCommand, planText, PLAN_USAGE } from './plan-command';
import { policyCommand, POLICY_USAGE } from './policy-command';
import { rulesCommand, RULES_USAGE } from './rules-command';
import { table } from './table';
import { withLocalWorkflows, type WorkflowRun } from './workflows';

/** Exit codes: 0 done (nothing failed), 1 a finding's action failed or an error stopped a resource, 2 usage. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

const HANDLE_USAGE = `Usage: cmk-sentinel handle FILE|- [--dlq QUEUE_URL] [--format table|json]

Run one EventBridge event (as the Lambda receives it) through the pipeline: re-read each resource it names,
evaluate, act per the policy, verify, alert. An RDS/Aurora re-encryption runs its workflow in-process when no
state machine is configured (RDS_REENCRYPT_STATE_MACHINE_ARN), and the command waits for it.
An event that fails for a retryable reason goes to the dead-letter queue (--dlq or CMK_SENTINEL_DLQ_URL).`;

const REDRIVE_USAGE = `Usage: cmk-sentinel redrive --queue QUEUE_URL [--max N]

Re-process the dead letters on a queue (Lambda destination, EventBridge DLQ or local format); each one that
now goes through is deleted. --max: at most N messages (a whole number, default 1000).`;

const BACKFILL_USAGE = `Usage: cmk-sentinel backfill [--regions a,b] [--types t1,t2] [--accounts id1,id2]
                          [--mode remediate|quarantine|report] [--dry-run] [--report FILE] [--sweep-id ID]
                          [--format table|json] [--framework pci-dss-4|nist-800-53-r5|cis-aws-7|hipaa|soc2|iso-27001-2022]

Sweep everything that exists through the same pipeline. --dry-run changes nothing and says what would happen
to each resource. Resumable: the same --sweep-id continues a sweep with the flags it was started with (a resume
with other flags is refused). Writes FILE.json, FILE.md and FILE.html (default .sweeps/<id>/report.*; FILE's
directory must exist), and beside them FILE.csv, FILE.ocsf.jsonl (OCSF Compliance Findings) and the compliance
summary FILE.compliance.json/.md (per framework and control; only --framework's with that flag).`;

export const USAGE = `cmk-sentinel — keeps AWS data stores on the regional customer-managed KMS key

Usage:
  cmk-sentinel handle FILE|-        run one EventBridge event through the pipeline
  cmk-sentinel backfill [...]       sweep everything that exists (resumable, dry run, reports)
  cmk-sentinel redrive --queue URL  re-process the dead letters on a queue
  cmk-sentinel plan [...] [ID]      per resource, the AWS calls an action would send, gates, downtime, cost
  cmk-sentinel rules [TYPE]         what each resource type checks and does (from the rules' metadata)
  cmk-sentinel policy validate [FILE] | policy init [FILE]
${APPROVE_USAGE}
  cmk-sentinel audit verify [...]   prove the audit hash chains complete, or name the first gap or altered record
  cmk-sentinel --version | help [COMMAND] | COMMAND --help

Output: the result on stdout (a table on a terminal, JSON otherwise or with --format json); log lines on stderr.
Exit codes: 0 done, 1 something failed (an action, a resource, a listing), 2 usage or policy error.

Environment: AWS_REGION, AWS_ENDPOINT_URL (e.g. a local emulator, with dummy AWS_ACCESS_KEY_ID/SECRET),
CMK_SENTINEL_POLICY (policy file; default policy.yaml), ALERT_TOPIC_ARN (SNS topic; without it alerts are
printed), CMK_SENTINEL_DLQ_URL, CMK_SENTINEL_AUDIT_FILE (append-only JSONL audit trail), IDEMPOTENCY_TABLE /
AUDIT_TABLE (DynamoDB, as in the Lambda), RDS_REENCRYPT_STATE_MACHINE_ARN (else workflows run in-process),
CMK_SENTINEL_WAIT_SCALE (0 skips the workflows' waits, for an emulator), POWERTOOLS_LOG_LEVEL.`;

const COMMAND_USAGE: Record<string, string> = {
  handle: HANDLE_USAGE,
  backfill: BACKFILL_USAGE,
  redrive: REDRIVE_USAGE,
  rules: RULES_USAGE,
  plan: PLAN_USAGE,
  policy: POLICY_USAGE,
  audit: `Usage:\n${AUDIT_USAGE}`,
};

export const version = (): string =>
  (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;

const region = () => process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';

const readInput = (file: string): string => (file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8'));

const outcomeRows = (outcomes: readonly Outcome[]): string[][] =>
  outcomes.map((o) => [
    `${o.ref.type}/${o.ref.id}`,
    o.ref.region,
    `${o.status}${o.reason ? ` ${o.reason}` : ''}`,
    `${o.action} ${o.result}`,
    o.error ? `${o.error.code}: ${o.error.message}` : (o.actionDetail ?? o.detail ?? ''),
  ]);

const handleTable = (r: EventResult & { workflows?: WorkflowRun[]; deadLetter?: unknown }): string => {
  const parts: string[] = [];
  if (r.kind === 'invalid') parts.push(`Invalid event: ${r.message ?? ''}`);
  if (r.kind === 'ignored' && !r.tamper) parts.push(`Ignored (${r.reason ?? 'not handled'}): ${r.message ?? ''}`);
  if (r.tamper)
    parts.push(
      `TAMPER (${r.tamper.alert.severity}, alert ${r.tamper.delivered ? 'sent' : 'NOT delivered'}): ${r.tamper.alert.detail ?? r.tamper.alert.reason ?? ''}`,
    );
  if (r.outcomes.length)
    parts.push(table(['resource', 'region', 'finding', 'action', 'detail'], outcomeRows(r.outcomes)));
  for (const w of r.workflows ?? [])
    parts.push(`workflow ${w.execution}: ${w.status}${w.error ? ` (${w.error})` : ''}, ${w.states.length} states`);
  return parts.join('\n');
};

const failed = (o: Outcome): boolean =>
  o.status === 'ERROR' || o.result === 'FAILED' || o.result === 'VERIFICATION_FAILED' || o.error !== undefined;

export const handle = async (args: Parsed, io: Io): Promise<number> => {
  const format = formatOf(args, io.tty);
  const file = args.positionals[0];
  if (!file) throw new SentinelError('USAGE', 'handle needs an event file (or - for stdin)');
  const dlq = str(args, '--dlq') ?? process.env.CMK_SENTINEL_DLQ_URL;
  let event: unknown;
  try {
    event = JSON.parse(readInput(file));
  } catch (e) {
    const message = `Cannot read an event from ${file}: ${(e as Error).message}`;
    io.out(
      format === 'json'
        ? JSON.stringify(
            { kind: 'invalid', message, error: { code: 'INVALID_EVENT', message, field: '(file)' } },
            null,
            2,
          )
        : message,
    );
    return EXIT.FAILED;
  }
  const local = withLocalWorkflows(buildDeps());
  const { deps } = local;
  const result = await processEvent(event, deps);
  const workflows = await local.settle();
  const alerts = 'alerts' in deps.alerts ? (deps.alerts as { alerts: unknown[] }).alerts : undefined;
  let deadLetter: unknown;
  if (dlq && hasRetryableFailure(result)) {
    const cause = causeOf(result);
    await sendDeadLetter(deps.clients, dlq, region(), event, cause, deps.now());
    deadLetter = { queue: dlq, cause };
  }
  const full = {
    ...result,
    ...(workflows.length ? { workflows } : {}),
    ...(alerts ? { alerts } : {}),
    ...(deadLetter ? { deadLetter } : {}),
  };
  io.out(format === 'json' ? JSON.stringify(full, null, 2) : handleTable(full));
  const bad =
    result.kind === 'invalid' ||
    result.outcomes.some(failed) ||
    workflows.some((w) => w.status === 'FAILED') ||
    result.tamper?.delivered === false;
  return bad ? EXIT.FAILED : EXIT.OK;
};

const BACKFILL_OPTIONS = {
  '--regions': 'value',
  '--types': 'value',
  '--accounts': 'value',
  '--mode': 'value',
  '--sweep-id': 'value',
  '--report': 'value',
  '--dry-run': 'switch',
  '--format': 'value',
  '--framework': 'value',
} as const;
const PAYLOAD_FIELD: Record<string, string> = {
  '--regions': 'regions',
  '--types': 'types',
  '--accounts': 'accounts',
  '--mode': 'mode',
  '--sweep-id': 'sweepId',
};

/** The flags, as the Lambda's invoke payload (checked by the same parser), and the report path. */
export const parseBackfillArgs = (args: string[]): { payload: Record<string, unknown>; report?: string } => {
  const p = parseArgs(args, BACKFILL_OPTIONS);
  const payload: Record<string, unknown> = {};
  for (const [flag, field] of Object.entries(PAYLOAD_FIELD))
    if (str(p, flag) !== undefined) payload[field] = str(p, flag);
  if (p.options['--dry-run']) payload.dryRun = true;
  return { payload, report: str(p, '--report') };
};

const SHOWN = 50;

/** On a terminal, the findings (a dry run's previews among them) from the local JSON report, first 50. */
const findingsTable = (reports: string[]): string[] => {
  const json = reports.find((r) => r.endsWith('.json') && existsSync(r));
  if (!json) return [];
  const { findings } = JSON.parse(readFileSync(json, 'utf8')) as {
    findings: (Pick<ResultRow, 'unit' | 'id' | 'reason' | 'action' | 'result' | 'detail' | 'plan' | 'status'> & {
      unit: string;
    })[];
  };
  if (!findings.length) return [];
  const rows = findings
    .slice(0, SHOWN)
    .map((f) => [
      `${f.unit.split('/')[2]}/${f.id}`,
      f.unit.split('/')[1] ?? '',
      f.reason ?? '',
      `${f.action} ${f.result}`,
      (f.detail ?? '').slice(0, 160),
    ]);
  // A dry run's plans, per resource: the calls each action would send, with their gates, downtime and cost.
  const plans = findings.slice(0, SHOWN).flatMap((f) =>
    f.plan
      ? planText({
          resource: {
            type: f.unit.split('/')[2] as ResourceType,
            account: f.unit.split('/')[0] ?? '',
            region: f.unit.split('/')[1] ?? '',
            id: f.id,
          },
          status: f.status,
          reason: f.reason,
          action: f.action as Outcome['action'],
          plan: f.plan,
        })
      : [],
  );
  return [
    table(['resource', 'region', 'reason', 'action', 'detail'], rows),
    ...(findings.length > SHOWN ? [`... and ${findings.length - SHOWN} more in the report`] : []),
    ...(plans.length ? ['', 'plans:', ...plans] : []),
    '',
  ];
};

/** A report path whose directory does not exist is refused before anything is swept. */
const checkReportPath = (report: string | undefined): void => {
  if (!report) return;
  const dir = dirname(report);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new SentinelError('USAGE', `--report ${report}: directory ${dir} does not exist (create it first)`);
};

/** Same code as the Lambda's in-process sweep; a progress bar on a terminal, plain lines otherwise. */
export const backfill = async (
  args: string[],
  io: Io,
  progress: NodeJS.WriteStream | undefined = process.stderr,
): Promise<number> => {
  const parsed = parseArgs(args, BACKFILL_OPTIONS);
  const format = formatOf(parsed, io.tty);
  const { payload, report } = parseBackfillArgs(args);
  let req;
  try {
    req = parseSweepRequest(payload);
  } catch (e) {
    // The Lambda calls a bad payload an invalid event; here it is a bad option.
    if (isSentinelError(e)) throw new SentinelError('USAGE', e.message, { details: e.details });
    throw e;
  }
  checkReportPath(report);
  const framework = str(parsed, '--framework');
  if (framework !== undefined && !isFrameworkId(framework))
    throw new SentinelError('USAGE', `--framework ${framework}: expected one of ${FRAMEWORK_IDS.join(', ')}`);
  // Without a topic, per-resource alerts would pile up in memory: the report carries them; the summary is printed.
  const summaries: Alert[] = [];
  const printSink: AlertSink = {
    publish: async (a) => {
      summaries.push(a);
    },
  };
  const quiet: AlertSink = { publish: async () => undefined };
  const built = sweepDeps(process.env.ALERT_TOPIC_ARN ? {} : { alerts: quiet });
  const local = withLocalWorkflows(built.deps);
  const result = await runBackfill(req, {
    deps: local.deps,
    pacer: built.pacer,
    store: storeFromEnv(local.deps),
    reportFile: report,
    progress,
    ...(framework ? { framework } : {}),
    summarySink: process.env.ALERT_TOPIC_ARN ? undefined : printSink,
  });
  const workflows = await local.settle();
  const full = {
    ...result,
    ...(workflows.length ? { workflows } : {}),
    ...(summaries.length ? { summary: summaries[0] } : {}),
  };
  if (format === 'json') io.out(JSON.stringify(full, null, 2));
  else {
    const t = result.totals;
    io.out(
      [
        ...findingsTable(result.reports),
        `sweep ${result.sweepId}${req.dryRun ? ' (dry run: nothing changed)' : ''}`,
        table(
          ['resources', 'compliant', 'non-compliant', 'fixed', 'not applicable', 'errors', 'objects incomplete'],
          [[t.total, t.compliant, t.nonCompliant, t.fixed, t.notApplicable, t.errors, t.incomplete].map(String)],
        ),
        ...result.unitErrors.map((u) => `listing failed: ${u.unit}: ${u.error}`),
        ...workflows.map((w) => `workflow ${w.execution}: ${w.status}${w.error ? ` (${w.error})` : ''}`),
        `reports: ${result.reports.join(', ')}`,
      ].join('\n'),
    );
  }
  // A bucket whose objects are not all on the CMK is not fixed: the run fails like an error would.
  return result.totals.errors ||
    result.totals.incomplete ||
    result.unitErrors.length ||
    workflows.some((w) => w.status === 'FAILED')
    ? EXIT.FAILED
    : EXIT.OK;
};

const redriveCommand = async (args: Parsed, io: Io): Promise<number> => {
  const queue = str(args, '--queue');
  if (!queue) throw new SentinelError('USAGE', 'redrive needs --queue QUEUE_URL');
  const max = positiveInt(args, '--max');
  const report = await redrive(queue, buildDeps(), { region: region(), max });
  io.out(JSON.stringify(report, null, 2));
  return report.stillFailing + report.unreadable === 0 ? EXIT.OK : EXIT.FAILED;
};

const usageError = (io: Io, e: SentinelError, command?: string): number => {
  process.stderr.write(
    `cmk-sentinel: ${e.message}\nRun \`cmk-sentinel ${command && COMMAND_USAGE[command] ? `${command} ` : ''}--help\` for usage.\n`,
  );
  io.out(JSON.stringify({ error: e.toJSON() }, null, 2));
  return EXIT.USAGE;
};

const defaultIo: Io = { out: (s) => process.stdout.write(`${s}\n`), tty: process.stdout.isTTY === true };

export const main = async (
  argv: string[],
  out: Io['out'] = defaultIo.out,
  tty = out === defaultIo.out && defaultIo.tty,
): Promise<number> => {
  // stdout is the result: every log line goes to stderr.
  logToStderr(undefined, process.env.POWERTOOLS_LOG_LEVEL as Parameters<typeof logToStderr>[1]);
  const io: Io = { out, tty };
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'handle': {
        const p = parseArgs(rest, { '--dlq': 'value', '--format': 'value' }, 1);
        if (p.help) {
          out(HANDLE_USAGE);
          return EXIT.OK;
        }
        return await handle(p, io);
      }
      case 'redrive': {
        const p = parseArgs(rest, { '--queue': 'value', '--max': 'value' });
        if (p.help) {
          out(REDRIVE_USAGE);
          return EXIT.OK;
        }
        return await redriveCommand(p, io);
      }
      case 'backfill':
        if (rest.includes('-h') || rest.includes('--help')) {
          out(BACKFILL_USAGE);
          return EXIT.OK;
        }
        return await backfill(rest, io);
      case 'audit':
        if (rest.includes('-h') || rest.includes('--help')) {
          out(`Usage:\n${AUDIT_USAGE}`);
          return EXIT.OK;
        }
        return await audit(rest, out);
      case 'rules':
        return await rulesCommand(rest, io);
      case 'plan':
        return await planCommand(rest, io);
      case 'policy':
        return await policyCommand(rest, io);
      case '--version':
      case '-v':
      case 'version':
        out(version());
        return EXIT.OK;
      case 'approve':
      case 'reject':
        return await approveCommand(command, rest, out);
      case 'help':
      case '--help':
      case '-h':
        out(rest[0] && COMMAND_USAGE[rest[0]] ? (COMMAND_USAGE[rest[0]] as string) : USAGE);
        return EXIT.OK;
      case undefined:
        process.stderr.write(`${USAGE}\n`);
        return EXIT.USAGE;
      default:
        return usageError(io, new SentinelError('USAGE', `Unknown command "${command}"`));
    }
  } catch (e) {
    if (
      isSentinelError(e) &&
      (e.code === 'USAGE' ||
        e.code === 'INVALID_POLICY' ||
        e.code === 'SWEEP_CONFLICT' ||
        e.code === 'UNKNOWN_RESOURCE_TYPE')
    ) {
      return usageError(io, e, command);
    }
    if (isSentinelError(e)) {
      out(JSON.stringify({ error: e.toJSON() }, null, 2));
      return EXIT.FAILED;
    }
    throw e;
  }
};
