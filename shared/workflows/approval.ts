import type { ClientFactory } from '../aws/clients';
import type { Log } from '../logger';
import { translateAwsError } from '../aws/errors';
import { SentinelError } from '../errors';
import { lazily } from '../lazy';
import { TaskTokenError } from './asl-runner';

/**
 * A switchover waits on a Step Functions task token (`.waitForTaskToken`). The step that asks for approval records
 * the token under the execution's name; `cmk-sentinel approve|reject <execution>` (CLI or the deployed function)
 * finds it and completes it. Nobody else holds the token: without a recorded one there is nothing to approve.
 */
export interface ApprovalStore {
  record(execution: string, token: string): Promise<void>;
  find(execution: string): Promise<string | undefined>;
  forget(execution: string): Promise<void>;
}

/** SendTaskSuccess / SendTaskFailure, or their in-process equivalent. */
export interface TaskCompleter {
  succeed(token: string, output: Record<string, unknown>): Promise<void>;
  fail(token: string, error: string, cause: string): Promise<void>;
}

export type Decision = 'approve' | 'reject';

/** The error name a rejection fails the task with; the workflow's ApprovalEnded step reads it. */
export const REJECTED_ERROR = 'Rejected';

export interface DecisionResult {
  execution: string;
  decision: Decision;
  completed: boolean;
  detail: string;
}

export const decide = async (
  execution: string,
  decision: Decision,
  ports: { store: ApprovalStore; completer: TaskCompleter },
  by = 'operator',
  now: Date = new Date(),
): Promise<DecisionResult> => {
  if (!/^[A-Za-z0-9_:.-]{1,256}$/.test(execution))
    throw new SentinelError('INVALID_EVENT', `not a workflow execution name: "${execution}"`);
  const token = await ports.store.find(execution);
  if (!token)
    return {
      execution,
      decision,
      completed: false,
      detail: `no approval is pending for ${execution} (not waiting, already decided, or timed out): nothing done`,
    };
  if (decision === 'approve') {
    await ports.completer.succeed(token, { decision: 'APPROVED', by, at: now.toISOString() });
  } else {
    await ports.completer.fail(token, REJECTED_ERROR, `switchover rejected by ${by} at ${now.toISOString()}`);
  }
  await ports.store.forget(execution);
  return {
    execution,
    decision,
    completed: true,
    detail: `${decision === 'approve' ? 'approved' : 'rejected'} the switchover of ${execution}`,
  };
};

/** In-process: the local driver waits on it, the tests and the demo approve through it. */
export class LocalApprovals implements ApprovalStore, TaskCompleter {
  private readonly tokens = new Map<string, string>();
  private readonly waiting = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  /** How the approval timeout passes: real time by default; tests make it never or now. */
  constructor(
    private readonly timeout: (seconds: number) => Promise<void> = (s) =>
      new Promise((r) => setTimeout(r, s * 1000).unref()),
  ) {}

  private readonly listeners = new Map<string, (() => void)[]>();

  async record(execution: string, token: string): Promise<void> {
    this.tokens.set(execution, token);
    for (const l of this.listeners.get(execution) ?? []) l();
    this.listeners.delete(execution);
  }

  /** Resolves once `execution` waits for a decision (the demo and tests approve then). */
  whenPending(execution: string): Promise<void> {
    if (this.tokens.has(execution)) return Promise.resolve();
    return new Promise((r) => this.listeners.set(execution, [...(this.listeners.get(execution) ?? []), r]));
  }

  async find(execution: string): Promise<string | undefined> {
    return this.tokens.get(execution);
  }
  async forget(execution: string): Promise<void> {
    this.tokens.delete(execution);
  }
  pending(): string[] {
    return [...this.tokens.keys()];
  }

  // A decision can arrive between the task recording its token and the state starting to wait, as on Step Functions
  // (the token is valid from the moment the task is invoked): it is kept until the wait begins.
  private readonly early = new Map<string, { ok: true; output: unknown } | { ok: false; error: Error }>();

  async succeed(token: string, output: Record<string, unknown>): Promise<void> {
    this.settle(token, { ok: true, output });
  }
  async fail(token: string, error: string, cause: string): Promise<void> {
    this.settle(token, { ok: false, error: new TaskTokenError(error, cause) });
  }

  private settle(token: string, result: { ok: true; output: unknown } | { ok: false; error: Error }) {
    const w = this.waiting.get(token);
    if (!w) {
      if (![...this.tokens.values()].includes(token))
        throw new SentinelError('INVALID_EVENT', 'task token is not waiting (TaskTimedOut or already completed)');
      this.early.set(token, result);
      return;
    }
    this.waiting.delete(token);
    if (result.ok) w.resolve(result.output);
    else w.reject(result.error);
  }

  /** The runner's TaskTokenWait. */
  readonly wait = (token: string, timeoutSeconds: number | undefined): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const decided = this.early.get(token);
      if (decided) {
        this.early.delete(token);
        if (decided.ok) resolve(decided.output);
        else reject(decided.error);
        return;
      }
      this.waiting.set(token, { resolve, reject });
      if (timeoutSeconds !== undefined) {
        void this.timeout(timeoutSeconds).then(() => {
          if (!this.waiting.delete(token)) return;
          for (const [e, t] of this.tokens) if (t === token) this.tokens.delete(e);
          reject(new TaskTokenError('States.Timeout', `no decision within ${timeoutSeconds} s`));
        });
      }
    });
}

const sfnSdk = lazily(() => import('@aws-sdk/client-sfn'));
const dynamoSdk = lazily(() => import('@aws-sdk/client-dynamodb'));

/** SendTaskSuccess / SendTaskFailure on Step Functions (states:SendTaskSuccess, states:SendTaskFailure). */
export class StepFunctionsCompleter implements TaskCompleter {
  constructor(
    private readonly clients: ClientFactory,
    private readonly region: string,
  ) {}

  async succeed(token: string, output: Record<string, unknown>): Promise<void> {
    const { SFNClient, SendTaskSuccessCommand } = await sfnSdk();
    await this.clients
      .get(SFNClient, { region: this.region })
      .send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }))
      .catch((e: unknown) => {
        throw translateAwsError(e, 'states:SendTaskSuccess', 'task token');
      });
  }

  async fail(token: string, error: string, cause: string): Promise<void> {
    const { SFNClient, SendTaskFailureCommand } = await sfnSdk();
    await this.clients
      .get(SFNClient, { region: this.region })
      .send(new SendTaskFailureCommand({ taskToken: token, error, cause }))
      .catch((e: unknown) => {
        throw translateAwsError(e, 'states:SendTaskFailure', 'task token');
      });
  }
}

/** Tokens in the idempotency table (`id` = `approval#<execution>`), expiring with the approval timeout. */
export class DynamoDbApprovalStore implements ApprovalStore {
  constructor(
    private readonly clients: ClientFactory,
    private readonly table: string,
    private readonly region: string,
    private readonly ttlSeconds = 2 * 86400,
  ) {}

  private async sdk() {
    const sdk = await dynamoSdk();
    return { ...sdk, db: this.clients.get(sdk.DynamoDBClient, { region: this.region }) };
  }
  private key(execution: string) {
    return { id: { S: `approval#${execution}` } };
  }

  async record(execution: string, token: string): Promise<void> {
    const expiration = Math.floor(Date.now() / 1000) + this.ttlSeconds;
    const { db, PutItemCommand } = await this.sdk();
    await db
      .send(
        new PutItemCommand({
          TableName: this.table,
          Item: { ...this.key(execution), token: { S: token }, expiration: { N: String(expiration) } },
        }),
      )
      .catch((e: unknown) => {
        throw translateAwsError(e, 'dynamodb:PutItem', this.table);
      });
  }

  async find(execution: string): Promise<string | undefined> {
    const { db, GetItemCommand } = await this.sdk();
    const out = await db
      .send(new GetItemCommand({ TableName: this.table, Key: this.key(execution), ConsistentRead: true }))
      .catch((e: unknown) => {
        throw translateAwsError(e, 'dynamodb:GetItem', this.table);
      });
    return out.Item?.token?.S;
  }

  async forget(execution: string): Promise<void> {
    const { db, DeleteItemCommand } = await this.sdk();
    await db.send(new DeleteItemCommand({ TableName: this.table, Key: this.key(execution) })).catch((e: unknown) => {
      throw translateAwsError(e, 'dynamodb:DeleteItem', this.table);
    });
  }
}

export const approvalStoreFromEnv = (
  clients: ClientFactory,
  env: NodeJS.ProcessEnv = process.env,
): ApprovalStore | undefined =>
  env.IDEMPOTENCY_TABLE
    ? new DynamoDbApprovalStore(clients, env.IDEMPOTENCY_TABLE, env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1')
    : undefined;

/** The deployed function's `{ execution, decision, by? }` event, with the function's own store and Step Functions. */
export const decisionFromEvent = async (
  event: unknown,
  deps: { approvals?: ApprovalStore; clients: ClientFactory; log: Log },
  region = process.env.AWS_REGION ?? 'us-east-1',
): Promise<DecisionResult> => {
  const e = (event ?? {}) as { execution?: unknown; decision?: unknown; by?: unknown };
  if (typeof e.execution !== 'string' || (e.decision !== 'approve' && e.decision !== 'reject')) {
    throw new SentinelError(
      'INVALID_EVENT',
      'expected { "execution": "<name>", "decision": "approve" | "reject", "by"?: "<who>" }',
    );
  }
  if (!deps.approvals) throw new SentinelError('INVALID_EVENT', 'IDEMPOTENCY_TABLE is not set: no approval store');
  const result = await decide(
    e.execution,
    e.decision,
    { store: deps.approvals, completer: new StepFunctionsCompleter(deps.clients, region) },
    typeof e.by === 'string' ? e.by : 'lambda',
  );
  deps.log.info('switchover decision', { ...result });
  return result;
};
