import { AsyncLocalStorage } from 'node:async_hooks';
import { sep } from 'node:path';
import { installRequestHook, type AwsScope } from '../shared/aws/clients';

/** The functions of serverless.yml, by their key there. */
export type FunctionKey = 'onChange' | 'backfill' | 'backfillWorker' | 'workflowStep';

/** One request, with who sent it: the production code (as which function, from which rule) or the test's own setup. */
export interface RecordedRequest {
  client: string;
  operation: string;
  input: unknown;
  scope: AwsScope;
  /**
   * `setup` = the test, the demo or an estate builder made it; `operator` = the CLI's own commands (a person's
   * credentials, e.g. `redrive`); otherwise the function whose code sent it.
   */
  as: FunctionKey | 'setup' | 'operator';
  /** The rule folder (shared/rules/<folder>/) the request came from, when it came from one. */
  rule?: string;
  /** Sent inside `sentInvalidOnPurpose`: a test's request whose input breaks the AWS model, for AWS to refuse. */
  invalidOnPurpose?: true;
}

const FUNCTION_DIRS: Record<string, FunctionKey> = {
  'on-change': 'onChange',
  backfill: 'backfill',
  'backfill-worker': 'backfillWorker',
  'workflow-step': 'workflowStep',
};
const explicit = new AsyncLocalStorage<FunctionKey | 'operator'>();

/** Run `fn` as `key`: for code paths the stack cannot attribute (a test driving a worker's internals directly). */
export const runningAs = <T>(key: FunctionKey | 'operator', fn: () => T): T => explicit.run(key, fn);

const invalid = new AsyncLocalStorage<true>();

/**
 * Send, inside `fn`, requests whose input AWS refuses by its model (an emulator test of that refusal): the audit
 * does not count their model violations, but reports a request so marked that breaks nothing
 * (testbed/request-audit.ts).
 * Only the test's own setup requests may be marked; the test asserts the refusal itself.
 */
export const sentInvalidOnPurpose = <T>(fn: () => Promise<T>): Promise<T> => invalid.run(true, fn);

const norm = (f: string) => f.split(sep).join('/');

/**
 * Who sent a request, from the stack at `client.send` (V8 keeps async frames across awaits): the first frame
 * outside the SDK and the client factory decides production code (shared/, functions/, cli/) or setup
 * (test/, testbed/, scripts/); the entry point on the stack decides the function, as Lambda would run it.
 */
export const attribute = (stack: string): Pick<RecordedRequest, 'as' | 'rule'> => {
  const frames = stack
    .split('\n')
    .slice(1)
    .map((l) => norm(l))
    .filter((l) => !l.includes('/node_modules/') && !l.includes('node:') && /\.(ts|js):\d+/.test(l));
  const own = frames.filter((l) => !/\/shared\/aws\/clients\.ts|\/testbed\/requests\.ts/.test(l));
  const first = own[0] ?? '';
  if (!/\/(shared|functions|cli)\//.test(first)) return { as: 'setup' };
  // Existing objects are rewritten by the sweep only (README.md#backfill), never on an event: their requests are
  // the worker's own statements (ObjectsCopy), not the rule's declared permissions.
  const objects = own.some((l) => /\/shared\/rules\/s3-bucket\/objects\.ts/.test(l));
  const rule = objects ? undefined : own.map((l) => /\/shared\/rules\/([a-z0-9-]+)\//.exec(l)?.[1]).find(Boolean);
  const fromExplicit = explicit.getStore();
  if (fromExplicit) return { as: fromExplicit, rule };
  const fnDir = own.map((l) => /\/functions\/([a-z-]+)\/handler\.ts/.exec(l)?.[1]).find(Boolean);
  if (fnDir && FUNCTION_DIRS[fnDir]) return { as: FUNCTION_DIRS[fnDir] as FunctionKey, rule };
  if (own.some((l) => /\/(cli\/|shared\/dlq\/)/.test(l))) return { as: 'operator', rule };
  // The workflow's steps (run by the Step Functions task, or in-process by the local driver); not the starter.
  if (own.some((l) => /\/shared\/workflows\/(rds-reencrypt\/|local-driver|asl-runner)/.test(l)))
    return { as: 'workflowStep', rule };
  if (own.some((l) => /\/shared\/backfill\/fanout\.ts/.test(l))) return { as: 'backfill', rule };
  if (objects || own.some((l) => /\/shared\/backfill\//.test(l))) return { as: 'backfillWorker', rule };
  return { as: 'onChange', rule };
};

/** Record every request clients of the factory send from now on; `stop()` uninstalls the hook. */
export const recordRequests = (): { requests: RecordedRequest[]; stop: () => void } => {
  const requests: RecordedRequest[] = [];
  const stop = installRequestHook((r) => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 200;
    const stack = new Error().stack ?? '';
    Error.stackTraceLimit = limit;
    requests.push({ ...r, ...attribute(stack), ...(invalid.getStore() ? { invalidOnPurpose: true as const } : {}) });
  });
  return { requests, stop };
};
