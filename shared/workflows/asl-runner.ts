/**
 * A small interpreter for the subset of Amazon States Language our definitions use
 * (Task with Parameters/ResultPath/Retry/Catch, Choice on StringEquals, Wait, Succeed, Fail).
 * It lets tests and the demo run the deployed definition itself, in-process.
 */
export type Json = Record<string, unknown>;

/** https://states-language.net/spec.html#retrying-after-error (JitterStrategy is not modelled: no jitter). */
interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
}

interface AslState {
  Type: 'Task' | 'Choice' | 'Wait' | 'Succeed' | 'Fail' | 'Pass';
  Resource?: string;
  TimeoutSecondsPath?: string;
  Next?: string;
  Parameters?: Json;
  ResultPath?: string;
  Retry?: Retrier[];
  Catch?: { ErrorEquals: string[]; ResultPath?: string; Next: string }[];
  Choices?: { Variable: string; StringEquals: string; Next: string }[];
  Default?: string;
  Seconds?: number;
  Error?: string;
  Cause?: string;
}

export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
}

export interface RunResult {
  status: 'SUCCEEDED' | 'FAILED';
  error?: string;
  output: Json;
  /** The states entered, in order. */
  path: string[];
  /** Every retry made, in order: which state, for which error, its number under its retrier, the wait before it. */
  retries: { state: string; error: string; attempt: number; delaySeconds: number }[];
}

/** Whether an ErrorEquals list names the error: by name, States.ALL, or States.TaskFailed (any but States.Timeout). */
const names = (errorEquals: readonly string[], error: string): boolean =>
  errorEquals.includes(error) ||
  errorEquals.includes('States.ALL') ||
  (errorEquals.includes('States.TaskFailed') && error !== 'States.Timeout');

/** The wait before a retrier's retry number `attempt` (1-based), with the spec's defaults (1 s, ×2.0). */
const retryDelay = (r: Retrier, attempt: number): number => {
  const delay = (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** (attempt - 1);
  return r.MaxDelaySeconds !== undefined ? Math.min(delay, r.MaxDelaySeconds) : delay;
};

const read = (obj: Json, path: string): unknown => {
  if (path === '$') return obj;
  return path
    .replace(/^\$\./, '')
    .split('.')
    .reduce<unknown>((cur, k) => (cur && typeof cur === 'object' ? (cur as Json)[k] : undefined), obj);
};

const write = (obj: Json, path: string | undefined, value: unknown): Json => {
  if (path === undefined || path === '$') return value as Json;
  const keys = path.replace(/^\$\./, '').split('.');
  const out: Json = structuredClone(obj);
  let cur = out;
  for (const k of keys.slice(0, -1)) cur = (cur[k] ??= {}) as Json;
  cur[keys[keys.length - 1] as string] = value;
  return out;
};

/** `$.x` reads the input, `$$.Task.Token` the context object; nested objects (a lambda:invoke Payload) likewise. */
const parameters = (params: Json, input: Json, context: Json = {}): Json =>
  Object.fromEntries(
    Object.entries(params).map(([k, v]) => {
      if (k.endsWith('.$'))
        return [
          k.slice(0, -2),
          (v as string).startsWith('$$.') ? read(context, (v as string).slice(1)) : read(input, v as string),
        ];
      return [k, v && typeof v === 'object' && !Array.isArray(v) ? parameters(v as Json, input, context) : v];
    }),
  );

/** An error with a Step Functions error name (`States.Timeout`, or the name given to SendTaskFailure). */
export class TaskTokenError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * `.waitForTaskToken` (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token):
 * the task is given a token and the state waits until someone completes it (its output is the state's result) or
 * fails it (an error of the name given), or until TimeoutSeconds pass (`States.Timeout`).
 */
export type TaskTokenWait = (token: string, timeoutSeconds: number | undefined) => Promise<unknown>;

export const runAsl = async (
  def: AslDefinition,
  input: Json,
  task: (params: Json) => Promise<unknown>,
  /** `wait` is how time passes, for Wait states and the backoff before a retry alike (tests and the demo shorten it).
   * */
  opts: {
    wait?: (seconds: number) => Promise<void>;
    maxTransitions?: number;
    taskToken?: TaskTokenWait;
    executionName?: string;
  } = {},
): Promise<RunResult> => {
  const wait = opts.wait ?? (async () => undefined);
  const max = opts.maxTransitions ?? 500;
  let name = def.StartAt;
  let data = input;
  const path: string[] = [];
  const retries: RunResult['retries'] = [];
  while (path.length < max) {
    const st = def.States[name];
    if (!st) throw new Error(`state "${name}" is not defined`);
    path.push(name);
    switch (st.Type) {
      case 'Succeed':
        return { status: 'SUCCEEDED', output: data, path, retries };
      case 'Fail':
        return { status: 'FAILED', error: st.Error, output: data, path, retries };
      case 'Pass':
        name = st.Next as string;
        break;
      case 'Wait':
        await wait(st.Seconds ?? 0);
        name = st.Next as string;
        break;
      case 'Choice': {
        const hit = (st.Choices ?? []).find((c) => read(data, c.Variable) === c.StringEquals);
        const next = hit?.Next ?? st.Default;
        if (!next) throw new Error(`Choice "${name}" matched nothing and has no Default`);
        name = next;
        break;
      }
      case 'Task': {
        // Each retrier counts its own attempts, from zero each time the state is entered.
        const used = (st.Retry ?? []).map(() => 0);
        for (;;) {
          try {
            const callback = st.Resource?.endsWith('.waitForTaskToken') === true;
            const token = callback ? `${opts.executionName ?? 'local'}:${name}:${path.length}` : undefined;
            const params = parameters(st.Parameters ?? { 'input.$': '$' }, data, { Task: { Token: token } });
            let result: unknown;
            if (callback) {
              if (!opts.taskToken)
                throw new Error(
                  `state "${name}" waits for a task token but the runner was given no way to receive one`,
                );
              const timeout = st.TimeoutSecondsPath ? read(data, st.TimeoutSecondsPath) : undefined;
              await task((params.Payload ?? params) as Json);
              result = await opts.taskToken(token as string, typeof timeout === 'number' ? timeout : undefined);
            } else {
              result = await task(params);
            }
            data = write(data, st.ResultPath, result);
            name = st.Next as string;
            break;
          } catch (e) {
            const errName = (e as Error).name || 'Error';
            // The first retrier naming the error decides; once its attempts are used, Catch takes over.
            const i = (st.Retry ?? []).findIndex((r) => names(r.ErrorEquals, errName));
            const retrier = st.Retry?.[i];
            if (retrier && (used[i] as number) < (retrier.MaxAttempts ?? 3)) {
              const attempt = (used[i] as number) + 1;
              used[i] = attempt;
              const delaySeconds = retryDelay(retrier, attempt);
              retries.push({ state: name, error: errName, attempt, delaySeconds });
              await wait(delaySeconds);
              continue;
            }
            const c = (st.Catch ?? []).find((x) => names(x.ErrorEquals, errName));
            if (!c) throw e;
            data = write(data, c.ResultPath, { Error: errName, Cause: (e as Error).message });
            name = c.Next;
            break;
          }
        }
        break;
      }
      default:
        throw new Error(`state type ${String((st as AslState).Type)} is not supported by the local runner`);
    }
  }
  throw new Error(`workflow did not finish within ${max} transitions (${path.slice(-6).join(' > ')})`);
};
