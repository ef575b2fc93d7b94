import { main } from '../../scripts/demo';

/** The README's main-job command must keep working: every drifted, non-exempt resource ends fixed. */
describe('npm run demo', () => {
  it('fixes or quarantines everything it set up and exits 0', async () => {
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => { lines.push(args.join(' ')); });
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main()).toBe(0);
    } finally {
      spy.mockRestore();
      write.mockRestore();
    }
    const summary = lines.find((l) => /drifted, non-exempt resources fixed/.test(l)) ?? '';
    const [done, expected] = (/(\d+)\/(\d+) drifted/.exec(summary) ?? []).slice(1).map(Number);
    expect(expected).toBeGreaterThan(0);
    expect(done).toBe(expected);
  }, 300_000);
});
