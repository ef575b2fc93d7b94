import { verdictOf } from '../../../shared/rules/action-verdict';

describe('verdictOf: one kind per ActionResult, in the order the pipeline honours the flags', () => {
  it.each([
    [{ changed: false, taken: 'REPORT' as const, detail: 'd', pending: true }, 'CANNOT'],
    [{ changed: true, taken: 'QUARANTINE' as const, verified: true, detail: 'd', pending: true }, 'TAKEN_INSTEAD'],
    [{ changed: true, pending: true, replacement: 'copy', detail: 'd' }, 'PENDING'],
    [{ changed: false, replacement: 'copy', detail: 'd' }, 'REPLACED'],
    [{ changed: true, detail: 'd', verifiedState: { x: 1 } }, 'DONE'],
    [{ changed: false, detail: 'd' }, 'DONE'],
  ])('%j → %s', (result, kind) => {
    expect(verdictOf(result).kind).toBe(kind);
  });

  it('keeps what each kind needs and nothing of the flags it replaces', () => {
    expect(verdictOf({ changed: true, taken: 'QUARANTINE', detail: 'q' })).toEqual({
      kind: 'TAKEN_INSTEAD',
      action: 'QUARANTINE',
      changed: true,
      verified: false,
      detail: 'q',
    });
    expect(verdictOf({ changed: false, replacement: 'c', verifiedState: { a: 1 }, detail: 'r' })).toEqual({
      kind: 'REPLACED',
      changed: false,
      replacement: 'c',
      detail: 'r',
    });
    expect(verdictOf({ changed: true, verified: true, detail: 'x' })).toEqual({
      kind: 'DONE',
      changed: true,
      verified: true,
      detail: 'x',
    });
  });
});
