import { Pacer, Semaphore, serviceOf, TokenBucket } from '../../shared/backfill/pacing';
import { parseSweepRequest } from '../../shared/backfill/request';
import { ratesFromEnv } from '../../shared/backfill/run';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBackfillArgs } from '../../cli/main';

describe('token bucket', () => {
  it('hands out the burst at once, then paces to the rate', async () => {
    const b = new TokenBucket({ rps: 50, burst: 5 });
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) await b.take();
    expect(Date.now() - t0).toBeLessThan(90);
    for (let i = 0; i < 10; i++) await b.take();
    // 10 more tokens at 50/s need about 200 ms.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(180);
    expect(Date.now() - t0).toBeLessThan(600);
  });

  it('keeps RDS at about 12 requests/s per account-region, and account-regions apart', async () => {
    const p = new Pacer();
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 24 }, () => p.request('rds', 'DescribeDBInstances', '1', 'us-east-1')));
    const one = Date.now() - t0;
    expect(one).toBeGreaterThanOrEqual(900);
    const t1 = Date.now();
    await Promise.all(['a', 'b', 'c'].map((acct) => Promise.all(Array.from({ length: 12 }, () => p.request('rds', 'DescribeDBInstances', acct, 'eu-west-1')))));
    expect(Date.now() - t1).toBeLessThan(800);
  });

  it('paces slow KMS operations on their own bucket, apart from DescribeKey', async () => {
    const p = new Pacer();
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 200 }, () => p.request('kms', 'DescribeKey', '1', 'r')));
    expect(Date.now() - t0).toBeLessThan(300);
    await Promise.all(Array.from({ length: 7 }, () => p.request('kms', 'EnableKey', '1', 'r')));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
  });
});

describe('semaphore', () => {
  it('never lets more than its limit run', async () => {
    const s = new Semaphore(3);
    let active = 0;
    let peak = 0;
    await Promise.all(Array.from({ length: 20 }, () => s.run(async () => {
      active++; peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
    })));
    expect(peak).toBe(3);
  });
});

describe('backfill inputs', () => {
  it('names services as the pacing tables do', () => {
    expect(serviceOf('S3Client')).toBe('s3');
    expect(serviceOf('RDSClient')).toBe('rds');
    expect(serviceOf(undefined)).toBe('default');
  });

  it('reads rate overrides from the environment', () => {
    expect(ratesFromEnv({ CMK_SENTINEL_RATES: 's3=20, rds=6,bad=x' })).toMatchObject({ s3: { rps: 20, burst: 20 }, rds: { rps: 6, burst: 6 } });
    expect(ratesFromEnv({}).bad).toBeUndefined();
  });

  it('parses the invoke payload and rejects what it does not know', () => {
    expect(parseSweepRequest({ regions: ['us-east-1'], types: 's3-bucket', dryRun: true, mode: 'report', sweepId: 'a-1', accounts: ['111122223333'] }))
      .toEqual({ regions: ['us-east-1'], types: ['s3-bucket'], dryRun: true, mode: 'report', sweepId: 'a-1', accounts: ['111122223333'] });
    expect(parseSweepRequest(undefined)).toEqual({});
    expect(() => parseSweepRequest({ region: 'x' })).toThrow(/Unknown field\(s\) region/);
    expect(() => parseSweepRequest({ dryRun: 'yes' })).toThrow(/dryRun/);
    expect(() => parseSweepRequest({ mode: 'delete' })).toThrow(/mode/);
    expect(() => parseSweepRequest({ accounts: ['12'] })).toThrow(/12-digit/);
    expect(() => parseSweepRequest({ sweepId: '../x' })).toThrow(/sweepId/);
  });

  it('accepts every sample payload in events/backfill/', () => {
    const dir = join(__dirname, '..', '..', 'events', 'backfill');
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(() => parseSweepRequest(JSON.parse(readFileSync(join(dir, f), 'utf8')))).not.toThrow();
  });

  it('parses the CLI flags into the same payload', () => {
    expect(parseBackfillArgs(['--regions', 'us-east-1,eu-west-1', '--types=s3-bucket', '--dry-run', '--report', 'out/r.html', '--sweep-id', 's1']))
      .toEqual({ payload: { regions: 'us-east-1,eu-west-1', types: 's3-bucket', dryRun: true, sweepId: 's1' }, report: 'out/r.html' });
    expect(() => parseBackfillArgs(['--bogus'])).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('Unknown option "--bogus"') }));
    expect(() => parseBackfillArgs(['--regions'])).toThrow(/--regions needs a value/);
    expect(() => parseBackfillArgs(['--regions', '--dry-run'])).toThrow(/--regions needs a value/);
    expect(() => parseBackfillArgs(['stray'])).toThrow(/Unexpected argument/);
  });
});
