import {
  AdaptiveLimiter,
  isThrottle,
  Pacer,
  Semaphore,
  serviceOf,
  withCeilings,
} from '../../../shared/backfill/pacing';
import { parseSweepRequest } from '../../../shared/backfill/request';
import { ceilingsFor, ratesFromEnv } from '../../../shared/backfill/run';
import { parsePolicy } from '../../../shared/policy/policy';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBackfillArgs } from '../../../cli/main';

/** A clock the test moves by hand: no test here waits for real time. */
const manualClock = () => {
  let t = 0;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
};
const throttled = (name: string, status = 400) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('adaptive limiter (AIMD, injected clock)', () => {
  it('starts at its rate: requests beyond the small burst are spaced 1/rate apart', () => {
    const c = manualClock();
    const l = new AdaptiveLimiter({ start: 10, ceiling: 100 }, c.now);
    expect(l.reserve()).toBe(0);
    // At 10/s each further request books 100 ms after the one before.
    expect(l.reserve()).toBeCloseTo(100);
    expect(l.reserve()).toBeCloseTo(200);
    c.advance(300);
    expect(l.reserve()).toBeCloseTo(0);
  });

  it('grows additively while calls succeed (a second of successes adds `increase`), never above the ceiling', () => {
    const l = new AdaptiveLimiter({ start: 100, ceiling: 130, increase: 20 }, manualClock().now);
    // Each success adds increase/rate: n successes take rate² from start² to start² + 2·increase·n.
    for (let i = 0; i < 100; i++) l.onSuccess();
    expect(l.rate).toBeCloseTo(Math.sqrt(100 ** 2 + 2 * 20 * 100), 0);
    // 120 successes at about 120/s, about a second: +20 requests/s.
    const before = l.rate;
    for (let i = 0; i < 120; i++) l.onSuccess();
    expect(l.rate - before).toBeGreaterThan(10);
    for (let i = 0; i < 10_000; i++) l.onSuccess();
    expect(l.rate).toBe(130);
  });

  it('backs off multiplicatively on a throttle, once per burst of throttles sent at the old rate', () => {
    const c = manualClock();
    const l = new AdaptiveLimiter({ start: 100, ceiling: 100, backoff: 0.5 }, c.now);
    c.advance(10);
    const sent = c.now();
    c.advance(5);
    l.onThrottle(sent);
    expect(l.rate).toBe(50);
    // Requests already in flight when the first throttle came back were sent at 100/s: not counted again.
    l.onThrottle(sent);
    l.onThrottle(sent + 4);
    expect(l.rate).toBe(50);
    c.advance(5);
    l.onThrottle(c.now());
    expect(l.rate).toBe(25);
    for (let i = 0; i < 100; i++) l.onThrottle(c.now());
    expect(l.rate).toBe(1);
  });

  it('settles near a limit it is not told: the sawtooth between backoff x limit and the limit', () => {
    // A simulated service that throttles every request above 40/s (its own token bucket), driven by the clock.
    const c = manualClock();
    const l = new AdaptiveLimiter({ start: 10, ceiling: 1000 }, c.now);
    let svcTokens = 1;
    let svcLast = 0;
    const served: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      c.advance(l.reserve());
      const t = c.now();
      svcTokens = Math.min(2, svcTokens + ((t - svcLast) / 1000) * 40);
      svcLast = t;
      if (svcTokens >= 1) {
        svcTokens -= 1;
        l.onSuccess();
        served.push(t);
      } else l.onThrottle(t);
      c.advance(1);
    }
    const last = served.filter((t) => t > c.now() - 60_000);
    const rate = last.length / 60;
    expect(rate).toBeGreaterThan(40 * 0.8);
    expect(rate).toBeLessThanOrEqual(40 * 1.05);
    expect(l.rate).toBeLessThan(60);
  });

  it('knows the throttling answers of every protocol, and HTTP 429/503', () => {
    for (const code of [
      'SlowDown',
      'Throttling',
      'ThrottlingException',
      'RequestLimitExceeded',
      'TooManyRequestsException',
    ])
      expect(isThrottle(throttled(code))).toBe(true);
    expect(isThrottle(throttled('Whatever', 429))).toBe(true);
    expect(isThrottle(throttled('ServiceUnavailable', 503))).toBe(true);
    expect(isThrottle(throttled('AccessDenied', 403))).toBe(false);
    expect(isThrottle(throttled('InternalError', 500))).toBe(false);
  });
});

describe('pacer', () => {
  it('keys limiters by service, class (or operation with its own quota) and account-region; two units share one', () => {
    const p = new Pacer({}, undefined, manualClock().now);
    expect(p.limiter('s3', 'GetBucketEncryption', 'home', 'us-east-1')).toBe(
      p.limiter('s3', 'GetBucketTagging', 'home', 'us-east-1'),
    );
    expect(p.limiter('s3', 'PutBucketEncryption', 'home', 'us-east-1')).not.toBe(
      p.limiter('s3', 'GetBucketEncryption', 'home', 'us-east-1'),
    );
    expect(p.limiter('s3', 'GetBucketEncryption', 'home', 'eu-west-1')).not.toBe(
      p.limiter('s3', 'GetBucketEncryption', 'home', 'us-east-1'),
    );
    expect(p.limiter('s3', 'GetBucketEncryption', '111122223333', 'us-east-1')).not.toBe(
      p.limiter('s3', 'GetBucketEncryption', 'home', 'us-east-1'),
    );
    expect(p.limiter('kms', 'EnableKey', 'home', 'r')).not.toBe(p.limiter('kms', 'DescribeKey', 'home', 'r'));
    expect(p.limiter('kms', 'EnableKey', 'home', 'r').spec.ceiling).toBe(5);
    expect(p.limiter('rds', 'DescribeDBInstances', 'home', 'r').spec).toMatchObject({ start: 12, ceiling: 12 });
  });

  it('takes the operator ceilings: a service-wide one caps each class, hard limits are never raised', () => {
    const p = new Pacer({ s3: 40, 'kms:EnableKey': 50, rds: 100, redshift: 3 }, undefined, manualClock().now);
    expect(p.limiter('s3', 'GetBucketEncryption', 'home', 'r').spec).toMatchObject({ start: 40, ceiling: 40 });
    expect(p.limiter('s3', 'PutBucketEncryption', 'home', 'r').spec.ceiling).toBe(40);
    expect(p.limiter('kms', 'EnableKey', 'home', 'r').spec.ceiling).toBe(5);
    expect(p.limiter('rds', 'DescribeDBInstances', 'home', 'r').spec.ceiling).toBe(12);
    expect(p.limiter('redshift', 'DescribeClusters', 'home', 'r').spec).toMatchObject({ start: 3, ceiling: 3 });
    expect(withCeilings({ 's3:write': 7 })['s3:write']?.ceiling).toBe(7);
    expect(withCeilings({ 's3:write': 7 })['s3:read']?.ceiling).toBe(5500);
  });

  it('reports each answer to the limiter: throttles (sent after the last cut) lower the rate, successes raise it', async () => {
    const c = manualClock();
    const waits: number[] = [];
    const p = new Pacer({}, undefined, c.now, async (ms) => {
      waits.push(ms);
      c.advance(ms);
    });
    const l = p.limiter('s3', 'PutBucketEncryption', 'home', 'r');
    await p.paced('s3', 'PutBucketEncryption', 'home', 'r', async () => 'ok');
    expect(l.rate).toBeGreaterThan(100);
    await expect(
      p.paced('s3', 'PutBucketEncryption', 'home', 'r', async () => {
        throw throttled('SlowDown', 503);
      }),
    ).rejects.toThrow('SlowDown');
    expect(l.rate).toBeLessThan(71);
    await expect(
      p.paced('s3', 'PutBucketEncryption', 'home', 'r', async () => {
        throw throttled('AccessDenied', 403);
      }),
    ).rejects.toThrow('AccessDenied');
    expect(l.throttles).toBe(1);
    // Paced after the cut: the next request waited its turn at the lower rate.
    expect(waits.length).toBeGreaterThan(0);
  });
});

describe('semaphore', () => {
  it('never lets more than its limit run', async () => {
    const s = new Semaphore(3);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        s.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 5));
          active--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });
});

describe('backfill inputs', () => {
  it('names services as the pacing tables do', () => {
    expect(serviceOf('S3Client')).toBe('s3');
    expect(serviceOf('RDSClient')).toBe('rds');
    expect(serviceOf(undefined)).toBe('default');
  });

  it('reads rate ceilings from the environment and the policy, the lower where both name one', () => {
    expect(ratesFromEnv({ CMK_SENTINEL_RATES: 's3=20, rds=6,bad=x,kms:EnableKey=2' })).toEqual({
      s3: 20,
      rds: 6,
      'kms:EnableKey': 2,
    });
    expect(ratesFromEnv({})).toEqual({});
    const policy = parsePolicy({ cmk: { alias: 'alias/x' }, backfill: { rates: { s3: 50, sns: 10 } } });
    expect(ceilingsFor(policy, { CMK_SENTINEL_RATES: 's3=80,rds=3' })).toEqual({ s3: 50, sns: 10, rds: 3 });
    expect(() => parsePolicy({ cmk: { alias: 'alias/x' }, backfill: { rates: { s3: 0 } } })).toThrow(/above 0/);
  });

  it('parses the invoke payload and rejects what it does not know', () => {
    expect(
      parseSweepRequest({
        regions: ['us-east-1'],
        types: 's3-bucket',
        dryRun: true,
        mode: 'report',
        sweepId: 'a-1',
        accounts: ['111122223333'],
      }),
    ).toEqual({
      regions: ['us-east-1'],
      types: ['s3-bucket'],
      dryRun: true,
      mode: 'report',
      sweepId: 'a-1',
      accounts: ['111122223333'],
    });
    expect(parseSweepRequest(undefined)).toEqual({});
    expect(() => parseSweepRequest({ region: 'x' })).toThrow(/Unknown field\(s\) region/);
    expect(() => parseSweepRequest({ dryRun: 'yes' })).toThrow(/dryRun/);
    expect(() => parseSweepRequest({ mode: 'delete' })).toThrow(/mode/);
    expect(() => parseSweepRequest({ accounts: ['12'] })).toThrow(/12-digit/);
    expect(() => parseSweepRequest({ sweepId: '../x' })).toThrow(/sweepId/);
  });

  it('accepts every sample payload in events/backfill/', () => {
    const dir = join(__dirname, '..', '..', '..', 'events', 'backfill');
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files)
      expect(() => parseSweepRequest(JSON.parse(readFileSync(join(dir, f), 'utf8')))).not.toThrow();
  });

  it('parses the CLI flags into the same payload', () => {
    expect(
      parseBackfillArgs([
        '--regions',
        'us-east-1,eu-west-1',
        '--types=s3-bucket',
        '--dry-run',
        '--report',
        'out/r.html',
        '--sweep-id',
        's1',
      ]),
    ).toEqual({
      payload: { regions: 'us-east-1,eu-west-1', types: 's3-bucket', dryRun: true, sweepId: 's1' },
      report: 'out/r.html',
    });
    expect(() => parseBackfillArgs(['--bogus'])).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('Unknown option "--bogus"') }),
    );
    expect(() => parseBackfillArgs(['--regions'])).toThrow(/--regions needs a value/);
    expect(() => parseBackfillArgs(['--regions', '--dry-run'])).toThrow(/--regions needs a value/);
    expect(() => parseBackfillArgs(['stray'])).toThrow(/Unexpected argument/);
  });
});
