import { type ApprovalStore, approvalStoreFromEnv } from '../workflows/approval';
import type { RuleMeta } from '../rules/contract';
import { type AlertSink, alertSinkFromEnv } from '../alerts/publisher';
import type { AuditLog } from '../audit/audit';
import { JsonlAuditLog } from '../audit/jsonl';
import { DynamoDbAuditLog } from '../audit/dynamodb';
import { type Once, PowertoolsOnce } from '../idempotency/once';
import { type AlertOutbox, DynamoDbAlertOutbox } from '../idempotency/outbox';
import { ClientFactory } from '../aws/clients';
import { KeyResolver } from '../kms/key-resolver';
import type { AccountDirectory } from '../accounts/directory';
import { type Log, logger } from '../logger';
import { loadPolicy, type Mode, type Policy } from '../policy/policy';
import type { WorkflowStarter } from '../workflows/contract';
import { workflowStarterFromEnv } from '../workflows/sfn-starter';
import { type FindingSink, findingsFromPolicy } from '../securityhub/sink';

/** Everything the pipeline needs, built once per cold start (or per CLI run). */
export interface PipelineDeps {
  clients: ClientFactory;
  keys: KeyResolver;
  policy: Policy;
  alerts: AlertSink;
  log: Log;
  now: () => Date;
  /** Evaluate and alert, change nothing. */
  dryRun?: boolean;
  /** Overrides the policy's mode for every type (backfill invoke). */
  mode?: Mode;
  /** The account the service runs in; other accounts are reached by assuming the policy's role. */
  homeAccount?: string;
  /** De-duplicates deliveries per (event, resource); absent = every delivery runs (local runs). */
  once?: Once;
  /** Alerts kept until the topic took them, replayed by a retry of their event; absent = not kept (local runs). */
  outbox?: AlertOutbox;
  /** Append-only record of every action; absent = none kept. */
  audit?: AuditLog;
  /** Starts long-running remediations (RDS re-encryption); absent = such remediations fail with an error outcome. */
  workflows?: WorkflowStarter;
  /** Where a workflow waiting for approval records its task token; absent = approval impossible (fails closed). */
  approvals?: ApprovalStore;
  /** The rules events are matched against; absent = the whole registry (tests narrow it to the rule under test). */
  rules?: readonly RuleMeta[];
  /** Security Hub findings (policy `securityHub.enabled`); absent = none sent. */
  findings?: FindingSink;
  /** The accounts the policy covers (ids, the organization); absent = one per (clients, policy): accountsOf. */
  accounts?: AccountDirectory;
}

const regionOf = (env: NodeJS.ProcessEnv) => env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';

/** IDEMPOTENCY_TABLE turns on de-duplication (the Lambda sets it). */
export const onceFromEnv = (clients: ClientFactory, env: NodeJS.ProcessEnv = process.env): Once | undefined =>
  env.IDEMPOTENCY_TABLE ? new PowertoolsOnce(clients, env.IDEMPOTENCY_TABLE, regionOf(env)) : undefined;

/** The outbox lives in the idempotency table: the same functions de-duplicate and retry events. */
export const outboxFromEnv = (clients: ClientFactory, env: NodeJS.ProcessEnv = process.env): AlertOutbox | undefined =>
  env.IDEMPOTENCY_TABLE ? new DynamoDbAlertOutbox(clients, env.IDEMPOTENCY_TABLE, regionOf(env)) : undefined;

/** AUDIT_TABLE (DynamoDB, the Lambda) or CMK_SENTINEL_AUDIT_FILE (JSONL, local runs). */
export const auditFromEnv = (clients: ClientFactory, env: NodeJS.ProcessEnv = process.env): AuditLog | undefined => {
  if (env.AUDIT_TABLE) return new DynamoDbAuditLog(clients, env.AUDIT_TABLE, regionOf(env));
  if (env.CMK_SENTINEL_AUDIT_FILE) return new JsonlAuditLog(env.CMK_SENTINEL_AUDIT_FILE);
  return undefined;
};

export const buildDeps = (
  overrides: Partial<PipelineDeps> = {},
  env: NodeJS.ProcessEnv = process.env,
): PipelineDeps => {
  const clients = overrides.clients ?? new ClientFactory();
  const policy = overrides.policy ?? loadPolicy(env);
  const log = overrides.log ?? logger;
  return {
    clients,
    policy,
    keys: overrides.keys ?? new KeyResolver(clients, policy),
    alerts: overrides.alerts ?? alertSinkFromEnv(clients, env),
    log,
    now: overrides.now ?? (() => new Date()),
    homeAccount: overrides.homeAccount ?? env.CMK_SENTINEL_ACCOUNT_ID,
    dryRun: overrides.dryRun,
    mode: overrides.mode,
    once: 'once' in overrides ? overrides.once : onceFromEnv(clients, env),
    outbox: 'outbox' in overrides ? overrides.outbox : outboxFromEnv(clients, env),
    audit: 'audit' in overrides ? overrides.audit : auditFromEnv(clients, env),
    workflows: overrides.workflows ?? workflowStarterFromEnv(clients, log, env),
    approvals: 'approvals' in overrides ? overrides.approvals : approvalStoreFromEnv(clients, env),
    findings:
      'findings' in overrides
        ? overrides.findings
        : findingsFromPolicy({
            clients,
            policy,
            homeAccount: overrides.homeAccount ?? env.CMK_SENTINEL_ACCOUNT_ID,
            now: overrides.now ?? (() => new Date()),
          }),
  };
};
