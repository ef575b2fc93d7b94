import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import definition from '../../../../shared/workflows/rds-reencrypt/definition.asl.json';
import {
  ALERTED_FAIL_ERRORS,
  endedDetail,
  isExecutionStatusChange,
  needsAlert,
  parseExecutionEnd,
} from '../../../../shared/workflows/rds-reencrypt/ended';

const sample = JSON.parse(
  readFileSync(join(__dirname, '..', '..', '..', '..', 'events', 'rds-reencrypt', 'execution-timed-out.json'), 'utf8'),
);
const withDetail = (detail: Record<string, unknown>) => ({ ...sample, detail: { ...sample.detail, ...detail } });
const fieldOf = (event: unknown): unknown => {
  try {
    parseExecutionEnd(event);
  } catch (e) {
    expect((e as { code: string }).code).toBe('INVALID_EVENT');
    return (e as { details: { field: unknown } }).details.field;
  }
  throw new Error('expected the event to be rejected');
};

describe('a re-encryption execution that ended without its own alert', () => {
  it('reads the sample TIMED_OUT event: status, execution and the start state from detail.input', () => {
    const end = parseExecutionEnd(sample);
    expect(end).toMatchObject({
      status: 'TIMED_OUT',
      error: 'States.Timeout',
      executionArn: sample.detail.executionArn,
      eventId: sample.id,
    });
    expect(end.state).toMatchObject({ kind: 'instance', sourceId: 'orders-db', names: { target: 'orders-db-cmk' } });
    expect(needsAlert(end)).toBe(true);
  });

  it('alerts a timeout, a StopExecution and a failed alert step; not a failure the workflow already alerted', () => {
    expect(needsAlert(parseExecutionEnd(withDetail({ status: 'ABORTED', error: undefined })))).toBe(true);
    expect(needsAlert(parseExecutionEnd(withDetail({ status: 'FAILED', error: 'ALERT_FAILED' })))).toBe(true);
    expect(needsAlert(parseExecutionEnd(withDetail({ status: 'FAILED', error: 'States.Runtime' })))).toBe(true);
    expect(needsAlert(parseExecutionEnd(withDetail({ status: 'FAILED', error: 'REENCRYPTION_FAILED' })))).toBe(false);
    expect(needsAlert(parseExecutionEnd(withDetail({ status: 'FAILED', error: 'RESOURCE_GONE' })))).toBe(false);
  });

  it('says how it ended, where to look, and that its artefacts are kept', () => {
    const text = endedDetail(parseExecutionEnd(withDetail({ status: 'ABORTED', error: undefined })));
    expect(text).toContain('orders-db was stopped by hand');
    expect(text).toContain(sample.detail.executionArn);
    expect(text).toMatch(/kept, nothing is deleted: orders-db-cmk-src, orders-db-cmk-copy, orders-db-cmk\./);
  });

  it.each([
    ['no detail', { ...sample, detail: undefined }, 'detail'],
    ['a status it does not watch', withDetail({ status: 'SUCCEEDED' }), 'detail.status'],
    ['no execution ARN', withDetail({ executionArn: '' }), 'detail.executionArn'],
    ['input left out (over 256 KB)', withDetail({ input: null }), 'detail.input'],
    ['input that is not JSON', withDetail({ input: '{"kind":' }), 'detail.input'],
    [
      'a kind it does not know',
      withDetail({ input: JSON.stringify({ ...JSON.parse(sample.detail.input), kind: 'table' }) }),
      'detail.input.kind',
    ],
    [
      'no source id',
      withDetail({ input: JSON.stringify({ ...JSON.parse(sample.detail.input), sourceId: undefined }) }),
      'detail.input.sourceId',
    ],
    [
      'incomplete names',
      withDetail({ input: JSON.stringify({ ...JSON.parse(sample.detail.input), names: { snapshot: 'a' } }) }),
      'detail.input.names',
    ],
    ["another service's event", { ...sample, source: 'aws.batch' }, 'detail-type'],
  ])('rejects %s naming the field', (_what, event, field) => {
    expect(fieldOf(event)).toBe(field);
  });

  it('tells an execution-status event from a step invocation', () => {
    expect(isExecutionStatusChange(sample)).toBe(true);
    expect(isExecutionStatusChange({ step: 'verify', state: {} })).toBe(false);
    expect(isExecutionStatusChange(null)).toBe(false);
  });

  it('the state machine reaches an "already alerted" Fail state only from the step that alerted', () => {
    type State = { Type: string; Next?: string; Error?: string; Catch?: { Next: string }[]; Comment?: string };
    const states = definition.States as Record<string, State>;
    const alerted = Object.entries(states)
      .filter(([, s]) => s.Type === 'Fail' && ALERTED_FAIL_ERRORS.has(s.Error ?? ''))
      .map(([n]) => n);
    expect(alerted.sort()).toEqual(['Failed', 'Stopped']);
    for (const target of alerted) {
      const byNext = Object.entries(states)
        .filter(([, s]) => s.Next === target)
        .map(([n]) => n);
      const byCatch = Object.entries(states)
        .filter(([, s]) => s.Catch?.some((c) => c.Next === target))
        .map(([n]) => n);
      // Only Stop and Abort lead here, and only after they ran (Next): a Catch means their alert did not go out.
      expect({ target, byNext: byNext.every((n) => n === 'Stop' || n === 'Abort'), byCatch }).toEqual({
        target,
        byNext: true,
        byCatch: [],
      });
    }
    expect(states.AlertFailed).toMatchObject({ Type: 'Fail', Error: 'ALERT_FAILED' });
  });
});
