import { type AslDefinition, type Json, runAsl } from '../../../shared/workflows/asl-runner';
import rdsReencryptDefinition from '../../../shared/workflows/rds-reencrypt/definition.asl.json';

/**
 * Retry as the States Language defines it (https://states-language.net/spec.html#retrying-after-error):
 * the first retrier whose ErrorEquals names the error applies; before its n-th retry the state waits
 * IntervalSeconds × BackoffRate^(n-1) (defaults 1 s, ×2.0), capped by MaxDelaySeconds; after MaxAttempts
 * retries (default 3; 0 = none) the error goes to Catch. Each retrier counts its own attempts, afresh each
 * time the state is entered. Time is injected: `wait` records the seconds asked for and returns at once.
 */
const fail = (name: string) => Object.assign(new Error(`${name} happened`), { name });

const recorder = () => {
  const slept: number[] = [];
  return {
    slept,
    wait: async (s: number) => {
      slept.push(s);
    },
  };
};

/** A task that throws the given errors in turn, then returns { ok: true }. */
const flaky = (errors: string[]) => {
  const calls: Json[] = [];
  const task = async (p: Json) => {
    calls.push(p);
    const e = errors.shift();
    if (e) throw fail(e);
    return { ok: true };
  };
  return { calls, task };
};

const oneTask = (retry: unknown, catchTo = true): AslDefinition =>
  ({
    StartAt: 'Work',
    States: {
      Work: {
        Type: 'Task',
        Retry: retry,
        ...(catchTo ? { Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Caught' }] } : {}),
        ResultPath: '$.out',
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
      Caught: { Type: 'Fail', Error: 'CAUGHT' },
    },
  }) as unknown as AslDefinition;

describe('ASL runner: Retry', () => {
  it('a throttled step of the deployed definition is retried with its backoff (5 s, ×2) and the workflow goes on', async () => {
    const def = rdsReencryptDefinition as unknown as AslDefinition;
    const { slept, wait } = recorder();
    const calls: string[] = [];
    let throttles = 2;
    const result = await runAsl(
      def,
      { kind: 'instance' },
      async (p) => {
        const step = (p as { step: string }).step;
        calls.push(step);
        if (step === 'snapshot' && throttles-- > 0) throw fail('THROTTLED');
        return { ...(p as { state: Json }).state, outcome: 'READY' };
      },
      { wait },
    );
    expect(result.status).toBe('SUCCEEDED');
    // The route step (no path: the restore fallback) comes first.
    expect(calls.slice(0, 5)).toEqual(['route', 'snapshot', 'snapshot', 'snapshot', 'copy']);
    expect(slept).toEqual([5, 10]);
    expect(result.retries).toEqual([
      { state: 'Snapshot', error: 'THROTTLED', attempt: 1, delaySeconds: 5 },
      { state: 'Snapshot', error: 'THROTTLED', attempt: 2, delaySeconds: 10 },
    ]);
    expect(result.path).not.toContain('Abort');
  });

  it('retries exhausted (MaxAttempts 5): Catch takes the error, after 1 + 5 calls', async () => {
    const def = rdsReencryptDefinition as unknown as AslDefinition;
    const { slept, wait } = recorder();
    const calls: string[] = [];
    const result = await runAsl(
      def,
      { kind: 'instance' },
      async (p) => {
        const step = (p as { step: string }).step;
        calls.push(step);
        if (step === 'snapshot') throw fail('AWS_UNAVAILABLE');
        return { ...(p as { state: Json }).state, outcome: 'READY' };
      },
      { wait },
    );
    expect(calls.filter((c) => c === 'snapshot')).toHaveLength(6);
    expect(slept).toEqual([5, 10, 20, 40, 80]);
    expect(result.path).toEqual(['Route', 'RouteCheck', 'Snapshot', 'Abort', 'Failed']);
    expect(result.output.error).toMatchObject({ Error: 'AWS_UNAVAILABLE' });
  });

  it('an error no retrier names goes straight to Catch', async () => {
    const def = rdsReencryptDefinition as unknown as AslDefinition;
    const { slept, wait } = recorder();
    let snapshots = 0;
    const result = await runAsl(
      def,
      {},
      async (p) => {
        if ((p as { step: string }).step === 'snapshot') {
          snapshots++;
          throw fail('ACCESS_DENIED');
        }
        return { ...(p as { state: Json }).state, outcome: 'READY' };
      },
      { wait },
    );
    expect(snapshots).toBe(1);
    expect(slept).toEqual([]);
    expect(result.path).toEqual(['Route', 'RouteCheck', 'Snapshot', 'Abort', 'Failed']);
  });

  it('defaults: IntervalSeconds 1, BackoffRate 2.0, MaxAttempts 3', async () => {
    const { slept, wait } = recorder();
    const { calls, task } = flaky(['E', 'E', 'E', 'E']);
    const result = await runAsl(oneTask([{ ErrorEquals: ['E'] }]), {}, task, { wait });
    expect(calls).toHaveLength(4);
    expect(slept).toEqual([1, 2, 4]);
    expect(result).toMatchObject({ status: 'FAILED', error: 'CAUGHT' });
  });

  it('MaxAttempts 0 never retries; MaxDelaySeconds caps the backoff; a fractional BackoffRate is kept', async () => {
    const none = recorder();
    const zero = flaky(['E']);
    await runAsl(oneTask([{ ErrorEquals: ['E'], MaxAttempts: 0 }]), {}, zero.task, { wait: none.wait });
    expect(zero.calls).toHaveLength(1);
    expect(none.slept).toEqual([]);

    const capped = recorder();
    const c = flaky(['E', 'E', 'E', 'E']);
    const ok = await runAsl(
      oneTask([{ ErrorEquals: ['E'], IntervalSeconds: 3, BackoffRate: 1.5, MaxAttempts: 4, MaxDelaySeconds: 5 }]),
      {},
      c.task,
      { wait: capped.wait },
    );
    expect(ok.status).toBe('SUCCEEDED');
    expect(capped.slept).toEqual([3, 4.5, 5, 5]);
  });

  it('the first retrier naming the error applies, each with its own count; States.ALL catches the rest', async () => {
    const { slept, wait } = recorder();
    const { calls, task } = flaky(['A', 'B', 'A', 'C']);
    const retry = [
      { ErrorEquals: ['A'], IntervalSeconds: 10, MaxAttempts: 2 },
      { ErrorEquals: ['B'], IntervalSeconds: 20, MaxAttempts: 1 },
      { ErrorEquals: ['States.ALL'], IntervalSeconds: 30, MaxAttempts: 1 },
    ];
    const result = await runAsl(oneTask(retry), {}, task, { wait });
    expect(result.status).toBe('SUCCEEDED');
    expect(calls).toHaveLength(5);
    // A's second retry backs off from A's own first (10 → 20), not from B's.
    expect(slept).toEqual([10, 20, 20, 30]);
    expect(result.retries?.map((r) => `${r.error}#${r.attempt}`)).toEqual(['A#1', 'B#1', 'A#2', 'C#1']);
  });

  it('a retrier that has used its attempts does not hand the error to a later one: Catch takes it', async () => {
    const { task, calls } = flaky(['A', 'A', 'A']);
    const retry = [
      { ErrorEquals: ['A'], MaxAttempts: 1 },
      { ErrorEquals: ['States.ALL'], MaxAttempts: 5 },
    ];
    const result = await runAsl(oneTask(retry), {}, task, recorder());
    expect(calls).toHaveLength(2);
    expect(result).toMatchObject({ status: 'FAILED', error: 'CAUGHT' });
  });

  it('States.TaskFailed names any task error but States.Timeout', async () => {
    const t1 = flaky(['Custom']);
    expect(
      (await runAsl(oneTask([{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 1 }]), {}, t1.task, recorder())).status,
    ).toBe('SUCCEEDED');
    const t2 = flaky(['States.Timeout']);
    expect(
      (await runAsl(oneTask([{ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 1 }]), {}, t2.task, recorder())).status,
    ).toBe('FAILED');
    expect(t2.calls).toHaveLength(1);
  });

  it('counts start afresh each time the state is entered again', async () => {
    const def = {
      StartAt: 'Work',
      States: {
        Work: { Type: 'Task', Retry: [{ ErrorEquals: ['E'], MaxAttempts: 1 }], ResultPath: '$.out', Next: 'Again' },
        Again: {
          Type: 'Choice',
          Choices: [{ Variable: '$.out.round', StringEquals: 'first', Next: 'Work' }],
          Default: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    } as unknown as AslDefinition;
    const errors = ['E', undefined, 'E', undefined];
    let round = 0;
    const result = await runAsl(
      def,
      {},
      async () => {
        const e = errors.shift();
        if (e) throw fail(e);
        return { round: round++ === 0 ? 'first' : 'second' };
      },
      recorder(),
    );
    // One retry allowed per entry, and each of the two entries used its one.
    expect(result.status).toBe('SUCCEEDED');
    expect(result.retries?.map((r) => r.attempt)).toEqual([1, 1]);
  });

  it('without Catch, an error past its retries fails the run', async () => {
    const { task } = flaky(['E', 'E']);
    await expect(
      runAsl(oneTask([{ ErrorEquals: ['E'], MaxAttempts: 1 }], false), {}, task, recorder()),
    ).rejects.toThrow('E happened');
  });
});
