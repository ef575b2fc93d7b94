import type { AwsScope } from '../aws/clients';
import { ClientFactory, type ClientSettings, settingsFromEnv } from '../aws/clients';

/**
 * Adaptive pacing: one limiter per (service, operation class, account-region), shared by every unit and client
 * of that account-region. Each starts at a documented (or, where AWS publishes none, a measured) rate, grows
 * additively while calls succeed and backs off multiplicatively on a throttling answer (AIMD, as TCP does and
 * as the SDK's adaptive retry mode does per client), never above its ceiling. The operator's
 * `CMK_SENTINEL_RATES` / policy `backfill.rates` lower (or raise) the ceiling; a documented hard limit stays
 * the ceiling whatever is asked.
 *
 * Sources (requests/s per account and region):
 * - RDS: "up to 300 requests in a burst and a sustained 12 requests per second"
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-api-throttling.html): hard, start = ceiling.
 * - KMS: per-operation quotas (https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html):
 *   key-state changes (EnableKey, DisableKey, CancelKeyDeletion, ScheduleKeyDeletion, EnableKeyRotation) 5/s,
 *   hard; DescribeKey and the other reads a shared pool far above what a sweep makes.
 * - S3: bucket-level (control) APIs have no published number; object APIs 3,500 PUT/COPY/POST/DELETE and 5,500
 *   GET/HEAD per second per prefix (https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html)
 *   are the ceilings, the start is the 100/s the earlier fixed bucket ran at; S3 answers excess with 503 SlowDown
 *   and asks clients to "gradually increase" their rate (https://repost.aws/knowledge-center/http-5xx-errors-s3).
 * - Redshift, EMR, STS, SNS and the rest: no per-account number is published for their control planes; they
 *   start at the earlier fixed values and may probe up to a modest ceiling.
 */
export interface LimiterSpec {
  /** Requests/s the limiter starts at. */
  start: number;
  /** Never above this. */
  ceiling: number;
  /** Never below this, however often throttled. */
  floor?: number;
  /** Additive increase: requests/s gained per second of calls all succeeding. Default half the start rate. */
  increase?: number;
  /** Multiplicative decrease on a throttle. */
  backoff?: number;
  /** Tokens that may pile up while idle, in seconds of the current rate (at least one request). */
  burstSeconds?: number;
}

export const SERVICE_LIMITS: Record<string, LimiterSpec> = {
  's3:read': { start: 100, ceiling: 5500 },
  's3:write': { start: 100, ceiling: 3500 },
  rds: { start: 12, ceiling: 12 },
  redshift: { start: 10, ceiling: 50 },
  emr: { start: 10, ceiling: 50 },
  kms: { start: 1000, ceiling: 2000 },
  sts: { start: 50, ceiling: 200 },
  sns: { start: 300, ceiling: 1000 },
  default: { start: 10, ceiling: 100 },
};

/** KMS operations with their own quota get their own limiter. */
export const OPERATION_LIMITS: Record<string, LimiterSpec> = {
  'kms:EnableKey': { start: 5, ceiling: 5 },
  'kms:DisableKey': { start: 5, ceiling: 5 },
  'kms:EnableKeyRotation': { start: 5, ceiling: 5 },
  'kms:CancelKeyDeletion': { start: 5, ceiling: 5 },
  'kms:ScheduleKeyDeletion': { start: 5, ceiling: 5 },
  'kms:PutKeyPolicy': { start: 5, ceiling: 5 },
};

/** Documented limits that no operator setting raises. */
export const HARD_LIMITS: Record<string, number> = {
  rds: 12,
  'kms:EnableKey': 5,
  'kms:DisableKey': 5,
  'kms:EnableKeyRotation': 5,
  'kms:CancelKeyDeletion': 5,
  'kms:ScheduleKeyDeletion': 5,
  'kms:PutKeyPolicy': 5,
};

/** Resources of one (service, account, region) in flight at once. */
export const SERVICE_CONCURRENCY: Record<string, number> = { s3: 16, rds: 4, redshift: 4, emr: 4, default: 4 };

/** The error codes AWS throttles with (and the SDK's adaptive retry treats as throttling), plus HTTP 429/503. */
export const THROTTLING_CODES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
]);

export const isThrottle = (e: unknown): boolean => {
  const err = e as { name?: string; Code?: string; code?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (!err) return false;
  const status = err.$metadata?.httpStatusCode;
  return (
    THROTTLING_CODES.has(err.name ?? '') ||
    THROTTLING_CODES.has(err.Code ?? err.code ?? '') ||
    status === 429 ||
    status === 503
  );
};

const READ = /^(Describe|List|Get|Head|Lookup|Search|Scan|Query|BatchGet|Select)/;

/** The limiter a request counts against: its own for an operation with its own quota, else read or write of its
 * service. */
export const limiterKey = (service: string, operation: string, specs: Record<string, LimiterSpec>): string => {
  const op = `${service}:${operation}`;
  if (specs[op]) return op;
  const cls = `${service}:${READ.test(operation) ? 'read' : 'write'}`;
  return specs[cls] ? cls : specs[service] ? service : 'default';
};

/**
 * AIMD rate limiter, pure but for the injected clock. `reserve()` books the next request and says how long to
 * wait before sending it (virtual scheduling: no queue, so it never stalls a caller that is not paced); the
 * caller reports each answer. Increase is self-clocked: each success adds `increase / rate`, so a second of
 * successes at any rate adds `increase`, and an idle limiter does not grow.
 */
export class AdaptiveLimiter {
  private current: number;
  private tokens: number;
  private last: number;
  /** Time of the last decrease: a throttle of a request sent before it reflects the old rate and is not counted again.
   * */
  private lastCut = -Infinity;
  readonly spec: Required<LimiterSpec>;
  throttles = 0;

  constructor(
    spec: LimiterSpec,
    private readonly clock: () => number = Date.now,
  ) {
    const ceiling = Math.max(spec.ceiling, Number.MIN_VALUE);
    this.spec = {
      start: Math.min(spec.start, ceiling),
      ceiling,
      floor: Math.min(spec.floor ?? Math.min(1, ceiling), ceiling),
      increase: spec.increase ?? Math.max(1, spec.start / 2),
      backoff: spec.backoff ?? 0.7,
      burstSeconds: spec.burstSeconds ?? 0.1,
    };
    this.current = this.spec.start;
    this.tokens = 1;
    this.last = clock();
  }

  get rate(): number {
    return this.current;
  }

  private burst(): number {
    return Math.max(1, this.current * this.spec.burstSeconds);
  }

  /** Book one request: milliseconds to wait before sending it (0 = now). */
  reserve(): number {
    const now = this.clock();
    this.tokens = Math.min(this.burst(), this.tokens + ((now - this.last) / 1000) * this.current);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.current) * 1000;
  }

  onSuccess(): void {
    this.current = Math.min(this.spec.ceiling, this.current + this.spec.increase / this.current);
  }

  /** `sentAt`: when the throttled request left (clock time). */
  onThrottle(sentAt: number = this.clock()): void {
    this.throttles++;
    if (sentAt < this.lastCut) return;
    this.current = Math.max(this.spec.floor, this.current * this.spec.backoff);
    this.lastCut = this.clock();
    // What piled up was measured at the old rate: start from empty.
    this.tokens = Math.min(this.tokens, 0);
  }

  /** A lower ceiling (the operator's); a hard limit is applied by the caller before this. */
  capAt(ceiling: number): void {
    this.spec.ceiling = ceiling;
    this.spec.floor = Math.min(this.spec.floor, ceiling);
    this.current = Math.min(this.current, ceiling);
  }
}

/** Limiter specs with the operator's ceilings applied: `s3=200` caps every S3 class, `s3:write=50` one, hard limits
 * stay. */
export const withCeilings = (
  ceilings: Record<string, number>,
  base: Record<string, LimiterSpec> = { ...SERVICE_LIMITS, ...OPERATION_LIMITS },
): Record<string, LimiterSpec> => {
  const out: Record<string, LimiterSpec> = { ...base };
  const apply = (key: string, asked: number) => {
    const spec = out[key] ?? (out.default as LimiterSpec);
    const ceiling = Math.min(asked, HARD_LIMITS[key] ?? HARD_LIMITS[key.split(':')[0] as string] ?? Infinity);
    out[key] = { ...spec, ceiling, start: Math.min(spec.start, ceiling) };
  };
  for (const [key, asked] of Object.entries(ceilings)) {
    if (!(asked > 0)) continue;
    const classes = Object.keys(out).filter((k) => k.startsWith(`${key}:`));
    if (key.includes(':') || classes.length === 0) apply(key, asked);
    // A service-wide ceiling caps each of its classes and operations.
    for (const k of classes) apply(k, asked);
  }
  return out;
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A counting semaphore: at most `limit` holders at once. */
export class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];
  constructor(readonly limit: number) {}

  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiters.push(r));
    else this.active++;
    return () => {
      const next = this.waiters.shift();
      if (next) next();
      else this.active--;
    };
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/** Keyed limiters and semaphores, created on first use and shared by every unit of an account-region. */
export class Pacer {
  private readonly limiters = new Map<string, AdaptiveLimiter>();
  private readonly slots = new Map<string, Semaphore>();
  private readonly specs: Record<string, LimiterSpec>;

  constructor(
    ceilings: Record<string, number> = {},
    private readonly concurrency: Record<string, number> = SERVICE_CONCURRENCY,
    private readonly clock: () => number = Date.now,
    private readonly wait: (ms: number) => Promise<void> = sleep,
  ) {
    this.specs = withCeilings(ceilings);
  }

  limiter(service: string, operation: string, account: string, region: string): AdaptiveLimiter {
    const cls = limiterKey(service, operation, this.specs);
    const key = `${cls === 'default' ? `${service}:default` : cls}|${account}|${region}`;
    let l = this.limiters.get(key);
    if (!l) {
      l = new AdaptiveLimiter(this.specs[cls] as LimiterSpec, this.clock);
      this.limiters.set(key, l);
    }
    return l;
  }

  /** Send one request through its limiter: wait for its turn, report the answer, return or rethrow it. */
  async paced<T>(
    service: string,
    operation: string,
    account: string,
    region: string,
    send: () => Promise<T>,
  ): Promise<T> {
    const l = this.limiter(service, operation, account, region);
    const ms = l.reserve();
    if (ms > 0) await this.wait(ms);
    const sentAt = this.clock();
    try {
      const out = await send();
      l.onSuccess();
      return out;
    } catch (e) {
      if (isThrottle(e)) l.onThrottle(sentAt);
      throw e;
    }
  }

  /** Current rates by limiter, for the bench and logs. */
  rates(): Record<string, number> {
    return Object.fromEntries([...this.limiters].map(([k, l]) => [k, l.rate]));
  }

  /** The semaphore bounding resources of a service in flight in one account-region. */
  slotsFor(service: string, account: string, region: string): Semaphore {
    const key = `${service}|${account}|${region}`;
    let s = this.slots.get(key);
    if (!s) {
      s = new Semaphore(this.concurrency[service] ?? this.concurrency.default ?? 4);
      this.slots.set(key, s);
    }
    return s;
  }
}

/** SDK clients report their service as e.g. "S3Client"; the pacing key is "s3". */
export const serviceOf = (clientName: string | undefined): string =>
  (clientName ?? 'default').replace(/Client$/, '').toLowerCase();

interface MiddlewareClient {
  middlewareStack: {
    add(
      mw: (
        next: (a: unknown) => Promise<unknown>,
        ctx: { clientName?: string; commandName?: string },
      ) => (a: unknown) => Promise<unknown>,
      opts: { step: 'finalizeRequest'; name: string; priority: 'low' },
    ): void;
  };
}

/**
 * The client factory, with every attempt of every request of every client it makes paced by the limiter of its
 * service (class or operation) in its account-region. The middleware sits inside the SDK's retry loop
 * (finalizeRequest, below the retry middleware), so a retried attempt waits its turn too and each throttled
 * attempt is seen. The clients use the SDK's standard retry mode: the limiter here does what adaptive mode
 * does, but across every client and unit of the account-region instead of per client.
 */
export class PacedClientFactory extends ClientFactory {
  private readonly paced = new WeakSet<object>();

  constructor(
    readonly pacer: Pacer = new Pacer(),
    settings?: ClientSettings,
  ) {
    super({ ...(settings ?? settingsFromEnv()), retryMode: 'standard' });
  }

  override get<C>(Ctor: new (config: Record<string, unknown>) => C, scope: AwsScope): C {
    const client = super.get(Ctor, scope);
    if (!this.paced.has(client as object)) {
      this.paced.add(client as object);
      const account = scope.account ?? 'home';
      (client as unknown as MiddlewareClient).middlewareStack.add(
        (next, ctx) => (args) =>
          this.pacer.paced(
            serviceOf(ctx.clientName),
            (ctx.commandName ?? '').replace(/Command$/, ''),
            account,
            scope.region,
            () => next(args),
          ),
        { step: 'finalizeRequest', name: 'cmkSentinelPacing', priority: 'low' },
      );
    }
    return client;
  }
}
