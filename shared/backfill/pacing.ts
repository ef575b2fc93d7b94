import type { AwsScope } from '../aws/clients';
import { ClientFactory, type ClientSettings } from '../aws/clients';

/**
 * Documented sustained API rates (requests/s per account and region) and a concurrency
 * that keeps a service busy without queueing at its limit. Sources: RDS "about 12
 * requests/s" (DESIGN.md §2), KMS quotas page (DescribeKey 2000/s shared cryptographic-free
 * pool; EnableKey/DisableKey/... 5/s), S3 control plane (bucket-level APIs are not
 * published as a number; 100/s stays well under observed limits). Unknown services get
 * a conservative default.
 */
export interface Rate { rps: number; burst: number }

export const SERVICE_RATES: Record<string, Rate> = {
  s3: { rps: 100, burst: 100 },
  rds: { rps: 12, burst: 12 },
  redshift: { rps: 10, burst: 10 },
  emr: { rps: 10, burst: 10 },
  kms: { rps: 1000, burst: 1000 },
  sts: { rps: 50, burst: 50 },
  sns: { rps: 300, burst: 300 },
  default: { rps: 10, burst: 10 },
};

/** KMS rates differ per operation; the slow ones get their own bucket. */
export const OPERATION_RATES: Record<string, Rate> = {
  'kms:EnableKey': { rps: 5, burst: 5 },
  'kms:DisableKey': { rps: 5, burst: 5 },
  'kms:EnableKeyRotation': { rps: 5, burst: 5 },
  'kms:CancelKeyDeletion': { rps: 5, burst: 5 },
  'kms:ScheduleKeyDeletion': { rps: 5, burst: 5 },
  'kms:PutKeyPolicy': { rps: 5, burst: 5 },
  'kms:GetKeyPolicy': { rps: 100, burst: 100 },
  'kms:GetKeyRotationStatus': { rps: 100, burst: 100 },
  'kms:ListAliases': { rps: 100, burst: 100 },
};

/** Resources of one (service, account, region) in flight at once. */
export const SERVICE_CONCURRENCY: Record<string, number> = { s3: 16, rds: 4, redshift: 4, emr: 4, default: 4 };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Classic token bucket: `take()` resolves when a token is available; waiters are served in order. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly rate: Rate, private readonly clock: () => number = Date.now) {
    this.tokens = rate.burst;
    this.last = clock();
  }

  take(): Promise<void> {
    // Chain the waiters so tokens are handed out in arrival order.
    const turn = this.queue.then(async () => {
      for (;;) {
        const now = this.clock();
        this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.last) / 1000) * this.rate.rps);
        this.last = now;
        if (this.tokens >= 1) { this.tokens -= 1; return; }
        await sleep(Math.ceil(((1 - this.tokens) / this.rate.rps) * 1000));
      }
    });
    this.queue = turn;
    return turn;
  }
}

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
      if (next) next(); else this.active--;
    };
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try { return await fn(); } finally { release(); }
  }
}

/** Keyed buckets and semaphores, created on first use. */
export class Pacer {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly slots = new Map<string, Semaphore>();

  constructor(
    private readonly rates: Record<string, Rate> = SERVICE_RATES,
    private readonly opRates: Record<string, Rate> = OPERATION_RATES,
    private readonly concurrency: Record<string, number> = SERVICE_CONCURRENCY,
  ) {}

  /** Wait for a request slot of `service:operation` in an account-region. */
  async request(service: string, operation: string, account: string, region: string): Promise<void> {
    const op = `${service}:${operation}`;
    const opRate = this.opRates[op];
    const key = opRate ? `${op}|${account}|${region}` : `${service}|${account}|${region}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(opRate ?? this.rates[service] ?? (this.rates.default as Rate));
      this.buckets.set(key, bucket);
    }
    await bucket.take();
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
export const serviceOf = (clientName: string | undefined): string => (clientName ?? 'default').replace(/Client$/, '').toLowerCase();

interface MiddlewareClient {
  middlewareStack: {
    add(mw: (next: (a: unknown) => Promise<unknown>, ctx: { clientName?: string; commandName?: string }) => (a: unknown) => Promise<unknown>, opts: { step: 'initialize'; name: string }): void;
  };
}

/**
 * The client factory, with every request of every client it makes paced by the
 * token bucket of its service (or KMS operation) in its account-region. The SDK's
 * adaptive retry still handles throttling that gets through.
 */
export class PacedClientFactory extends ClientFactory {
  private readonly paced = new WeakSet<object>();

  constructor(readonly pacer: Pacer = new Pacer(), settings?: ClientSettings) {
    super(settings);
  }

  override get<C>(Ctor: new (config: Record<string, unknown>) => C, scope: AwsScope): C {
    const client = super.get(Ctor, scope);
    if (!this.paced.has(client as object)) {
      this.paced.add(client as object);
      const account = scope.account ?? 'home';
      (client as unknown as MiddlewareClient).middlewareStack.add((next, ctx) => async (args) => {
        await this.pacer.request(serviceOf(ctx.clientName), (ctx.commandName ?? '').replace(/Command$/, ''), account, scope.region);
        return next(args);
      }, { step: 'initialize', name: 'cmkSentinelPacing' });
    }
    return client;
  }
}
