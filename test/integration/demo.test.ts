import { failedAlert, main } from '../../scripts/demo';

/**
 * The README's main-job command must keep working, and its verdict must be its output: the last line claims
 * success only when no printed alert reports a failure, and then the demo exits 0.
 */
describe('npm run demo', () => {
  it('ends with a verdict that matches every alert it printed', async () => {
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.join(' '));
    });
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let code: number;
    try {
      code = await main();
    } finally {
      spy.mockRestore();
      write.mockRestore();
    }
    const text = lines.join('\n');
    // No log line among the tables: they go to stderr.
    expect(text).not.toMatch(/^\{"level":/m);
    const verdict = (lines.at(-1) ?? '').trim();
    const [done, expected] = (/(\d+)\/(\d+) drifted/.exec(verdict) ?? []).slice(1).map(Number);
    expect(expected).toBeGreaterThan(0);
    // The alert table's action column: a FAILED or VERIFICATION_FAILED row is a failure the verdict must count.
    const alertTable = text.split('== Alerts received')[1]?.split('One alert in full')[0] ?? '';
    const failedRows = alertTable.split('\n').filter((l) => /\s(FAILED|VERIFICATION_FAILED)\s/.test(l)).length;
    expect(
      failedAlert({ status: 'NON_COMPLIANT', action: { taken: 'REMEDIATE', result: 'VERIFICATION_FAILED' } }),
    ).toBe(true);
    if (failedRows === 0 && done === expected) {
      expect(verdict).toMatch(/; 0 failures;/);
      expect(code).toBe(0);
    } else {
      expect(verdict).toMatch(/^FAILED: /);
      expect(Number(/(\d+) failure\(s\)/.exec(verdict)?.[1])).toBeGreaterThanOrEqual(failedRows);
      expect(code).toBe(1);
    }
  }, 300_000);
});
