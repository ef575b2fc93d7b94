import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAsl } from '../../../../shared/workflows/asl-runner';
import definition from '../../../../shared/workflows/rds-reencrypt/definition.asl.json';
import { derivedId, executionName, reencryptNames } from '../../../../shared/workflows/rds-reencrypt/names';
import { STEPS } from '../../../../shared/workflows/rds-reencrypt/steps';
import { readServerlessYml } from '../../../../testbed/serverless-yml';
// asl-validator is CommonJS without typings and mutates its input.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator') as (d: unknown) => { isValid: boolean; errors: unknown[] };

type Def = {
  StartAt: string;
  States: Record<
    string,
    {
      Type: string;
      Resource?: string;
      Parameters?: { step?: string };
      Next?: string;
      Default?: string;
      Seconds?: number;
      Choices?: { Next: string }[];
      Catch?: { Next: string }[];
    }
  >;
};
const def = definition as unknown as Def;

describe('rds-reencrypt state machine definition', () => {
  it('is valid Amazon States Language (asl-validator), before and after substitution', () => {
    expect(aslValidator(structuredClone(definition))).toMatchObject({ isValid: true, errors: [] });
    const substituted = JSON.parse(
      JSON.stringify(definition).replaceAll(
        '${WorkflowStepFunctionArn}',
        'arn:aws:lambda:us-east-1:123456789012:function:cmk-sentinel-ci-workflow-step',
      ),
    );
    expect(aslValidator(substituted)).toMatchObject({ isValid: true, errors: [] });
    // The validator does catch a broken definition.
    const broken = structuredClone(definition) as unknown as Def;
    delete broken.States.Verify?.Next;
    expect(aslValidator(broken).isValid).toBe(false);
  });

  it('every Task calls the one step Lambda with a step that exists; every transition names a state', () => {
    const names = new Set(Object.keys(def.States));
    for (const [name, st] of Object.entries(def.States)) {
      for (const next of [
        st.Next,
        st.Default,
        ...(st.Choices ?? []).map((c) => c.Next),
        ...(st.Catch ?? []).map((c) => c.Next),
      ].filter(Boolean)) {
        expect(names.has(next as string)).toBe(true);
      }
      if (st.Type === 'Task' && st.Resource === 'arn:aws:states:::lambda:invoke.waitForTaskToken') {
        // The approval wait: the same Lambda through lambda:invoke, its Payload carrying the task token.
        const p = st.Parameters as unknown as { FunctionName: string; Payload: Record<string, string> };
        expect(p.FunctionName).toBe('${WorkflowStepFunctionArn}');
        expect(p.Payload).toEqual({ step: 'requestApproval', 'state.$': '$', 'taskToken.$': '$$.Task.Token' });
      } else if (st.Type === 'Task') {
        expect(st.Resource).toBe('${WorkflowStepFunctionArn}');
        expect(Object.keys(STEPS)).toContain(st.Parameters?.step);
        expect(name).toBeTruthy();
      }
    }
  });

  it('waits with Wait states (no sleeping Lambda), and polls every creating step', () => {
    const waits = Object.values(def.States).filter((s) => s.Type === 'Wait');
    expect(waits.length).toBeGreaterThanOrEqual(5);
    for (const w of waits) expect(w.Seconds).toBeGreaterThanOrEqual(30);
  });

  it('serverless.yml deploys this very file, with the step Lambda substituted and a least-privilege role', () => {
    const sls = readServerlessYml();
    const sm = sls.resources.Resources.RdsReencryptStateMachine;
    expect(sm.Type).toBe('AWS::StepFunctions::StateMachine');
    expect(sm.Properties.StateMachineType).toBe('STANDARD');
    expect(sm.Properties.Definition).toBe('${file(./shared/workflows/rds-reencrypt/definition.asl.json)}');
    expect(sm.Properties.DefinitionSubstitutions).toEqual({
      WorkflowStepFunctionArn: { 'Fn::GetAtt': ['WorkflowStepLambdaFunction', 'Arn'] },
    });
    const role = sls.resources.Resources.RdsReencryptStateMachineRole.Properties;
    const statements = role.Policies.flatMap(
      (p: { PolicyDocument: { Statement: unknown[] } }) => p.PolicyDocument.Statement,
    );
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Effect: 'Allow', Action: ['lambda:InvokeFunction'] });
    expect(JSON.stringify(statements[0].Resource)).toMatch(/WorkflowStepLambdaFunction/);
    expect(sls.functions.workflowStep.handler).toBe('.build/workflow-step/index.handler');
    expect(
      readFileSync(join(__dirname, '..', '..', '..', '..', 'functions', 'workflow-step', 'handler.ts'), 'utf8').split(
        '\n',
      ).length,
    ).toBeLessThan(40);
  });

  // The local runner walks the definition itself: drive it with scripted step outcomes.
  const drive = (outcomes: Record<string, string[]>, kind = 'instance') => {
    const calls: string[] = [];
    return runAsl(def as never, { kind }, async (p) => {
      const step = (p as { step: string }).step;
      calls.push(step);
      const next = outcomes[step]?.shift() ?? 'READY';
      if (next === 'THROW') throw Object.assign(new Error('boom'), { name: 'AWS_ERROR' });
      return { ...(p as { state: object }).state, outcome: next, step };
    }).then((r) => ({ ...r, calls }));
  };

  it('polls a step until it is ready, then moves on; an instance goes through the copy, a cluster does not', async () => {
    const r = await drive({ snapshot: ['WAIT', 'WAIT', 'READY'] });
    expect(r.status).toBe('SUCCEEDED');
    expect(r.calls).toEqual([
      'route',
      'snapshot',
      'snapshot',
      'snapshot',
      'copy',
      'restore',
      'configure',
      'verify',
      'cutOver',
      'deleteOriginal',
      'notify',
    ]);
    expect((await drive({}, 'cluster')).calls).not.toContain('copy');
  });

  it('never reaches cut-over or deletion when verification fails or a step throws; a vanished resource stops it', async () => {
    const failed = await drive({ verify: ['FAILED'] });
    expect(failed).toMatchObject({ status: 'FAILED', error: 'REENCRYPTION_FAILED' });
    expect(failed.calls).toEqual(['route', 'snapshot', 'copy', 'restore', 'configure', 'verify', 'abort']);
    const threw = await drive({ restore: ['THROW'] });
    expect(threw.calls.slice(-1)).toEqual(['abort']);
    expect(threw.output).toMatchObject({ error: { Error: 'AWS_ERROR' } });
    const gone = await drive({ copy: ['GONE'] });
    expect(gone).toMatchObject({ status: 'FAILED', error: 'RESOURCE_GONE' });
    expect(gone.calls).toEqual(['route', 'snapshot', 'copy', 'stop']);
  });
});

describe('deterministic names', () => {
  it('derives every artefact name from the database id, within the 63-character limit', () => {
    expect(reencryptNames('orders')).toEqual({
      snapshot: 'orders-cmk-src',
      copy: 'orders-cmk-copy',
      target: 'orders-cmk',
      retired: 'orders-pre-cmk',
      final: 'orders-pre-cmk-final',
      blueGreen: 'orders-cmk-bg',
    });
    const long = `a${'b'.repeat(62)}`;
    const n = reencryptNames(long);
    for (const v of Object.values(n)) {
      expect(v.length).toBeLessThanOrEqual(63);
      expect(v).toMatch(/^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$/);
      expect(v).not.toMatch(/--/);
    }
    expect(reencryptNames(long)).toEqual(n);
    expect(derivedId(long, '-cmk')).not.toBe(derivedId(`${long.slice(0, 62)}c`, '-cmk'));
  });

  it('execution names are stable per database and creation time, and fit Step Functions (80 chars)', () => {
    const a = executionName('instance', '123456789012', 'orders', 1700000000000);
    expect(a).toBe('rds-instance-123456789012-orders-1700000000000');
    expect(executionName('instance', '123456789012', 'orders', 1700000000001)).not.toBe(a);
    const long = executionName('cluster', '123456789012', 'x'.repeat(63), 1700000000000);
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
