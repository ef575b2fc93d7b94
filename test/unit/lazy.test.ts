import { lazily } from '../../shared/lazy';

describe('lazily', () => {
  it('makes the value once, on first use, and hands every caller the same one', async () => {
    let made = 0;
    const get = lazily(async () => ({ n: ++made }));
    expect(made).toBe(0);
    const [a, b] = await Promise.all([get(), get()]);
    expect(a).toBe(b);
    expect(await get()).toBe(a);
    expect(made).toBe(1);
  });

  it('forgets a failed attempt, so the next invocation tries again', async () => {
    let calls = 0;
    const get = lazily(async () => {
      calls++;
      if (calls === 1) throw new Error('throttled while loading');
      return 'ready';
    });
    await expect(get()).rejects.toThrow('throttled while loading');
    expect(await get()).toBe('ready');
    expect(calls).toBe(2);
  });
});
