import { GetBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main';
import { CollectingAlertSink } from '../../shared/alerts/publisher';
import { FileSweepStore } from '../../shared/backfill/file-store';
import { Pacer } from '../../shared/backfill/pacing';
import { backfill } from '../../shared/backfill/run';
import { ClientFactory } from '../../shared/aws/clients';
import { PowertoolsOnce } from '../../shared/idempotency/once';
import { hasRetryableFailure, processEvent } from '../../shared/pipeline/process';
import { type BucketEncryption, createBucket, createKey, s3Event } from '../../testbed/estates/estate';
import { createIdempotencyTable, createQueue } from '../../testbed/estates/estate-hardening';
import { type FaultProxy, startFaultProxy } from '../../testbed/fault-proxy';
import { onlyRules, testDeps, testPolicy, useEmulator } from '../support/harness';
import { DEMO_POLICY_PATH } from '../../testbed/demo-policy';
import { DEEP } from '../support/depth';

// Other rules answer some of the same calls; this file is about s3-bucket.
onlyRules('s3-bucket');

const R = 'us-east-1';
const emu = useEmulator();
let proxy: FaultProxy;
let cmkArn: string;

// Enough attempts that 30% throttling almost never exhausts them: 0.3^10 ≈ 6e-6 per call.
const proxied = (maxAttempts = 10) =>
  new ClientFactory({
    endpoint: proxy.endpoint,
    maxAttempts,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });

// One bucket of each kind of drift plus a compliant one in the budget run; the duplicates add concurrency in a deep run
// (test/support/depth.ts): with 30% throttling the SDK's adaptive limiter makes each extra bucket cost seconds.
const FULL_ESTATE: [string, BucketEncryption, boolean][] = [
  ['f-none-1', { kind: 'none' }, true],
  ['f-none-2', { kind: 'none' }, true],
  ['f-sses3-1', { kind: 'sse-s3' }, true],
  ['f-sses3-2', { kind: 'sse-s3' }, true],
  ['f-awskms', { kind: 'kms' }, true],
  ['f-awss3', { kind: 'kms', keyId: 'alias/aws/s3' }, true],
  ['f-nobk', { kind: 'kms', keyId: 'alias/data-platform', bucketKey: false }, true],
  ['f-ok-alias', { kind: 'kms', keyId: 'alias/data-platform' }, false],
  ['f-none-3', { kind: 'none' }, true],
  ['f-sses3-3', { kind: 'sse-s3' }, true],
  ['f-none-4', { kind: 'none' }, true],
  ['f-none-5', { kind: 'none' }, true],
];
const ESTATE = DEEP ? FULL_ESTATE : FULL_ESTATE.filter(([name]) => !/-[2-5]$/.test(name));

const keyOf = async (bucket: string) =>
  (
    await emu
      .clients()
      .get(S3Client, { region: R })
      .send(new GetBucketEncryptionCommand({ Bucket: bucket }))
  ).ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
const encryptionWrites = (bucket: string) =>
  proxy.log.filter(
    (r) =>
      r.forwarded &&
      r.service === 's3' &&
      r.operation === 'PUT ?encryption' &&
      r.path.replace(/\/$/, '') === `/${bucket}`,
  ).length;

beforeAll(async () => {
  proxy = await startFaultProxy(emu.current.endpoint);
});
afterAll(async () => {
  await proxy.close();
});
beforeEach(async () => {
  await emu.current.reset();
  proxy.setPlan(undefined);
  proxy.deny(undefined);
  proxy.log.length = 0;
  cmkArn = (await createKey(emu.clients(), R, 'alias/data-platform')).arn;
});

describe('faults injected between the SDK and the emulator', () => {
  it('an outage mid-sweep (every connection dropped), then the same sweep id again: completes, each bucket re-keyed once', async () => {
    for (const [name, enc] of ESTATE) await createBucket(emu.clients(), R, name, enc);
    const deps = testDeps(proxied(2), { policy: testPolicy({ regions: [R] }) });
    const dir = mkdtempSync(join(tmpdir(), 'sweep-outage-'));
    const sweep = () =>
      backfill(
        { types: ['s3-bucket'], sweepId: 'outage' },
        {
          deps,
          pacer: new Pacer(),
          store: new FileSweepStore(dir),
          reportFile: join(dir, 'r.json'),
          summarySink: new CollectingAlertSink(),
        },
      );
    // The emulator becomes unreachable after the third re-key: every later connection is dropped.
    const cut = setInterval(() => {
      if (proxy.log.filter((r) => r.forwarded && r.operation === 'PUT ?encryption').length >= 3)
        proxy.setPlan({ rate: 1, kinds: ['drop'], seed: 3 });
    }, 2);
    const first = await sweep();
    clearInterval(cut);
    expect(first.totals.errors).toBeGreaterThan(0);
    proxy.setPlan(undefined);
    const second = await sweep();
    expect(second.totals.errors).toBe(0);
    expect(second.totals.total).toBe(ESTATE.length);
    for (const [name, , drifted] of ESTATE) {
      expect({ name, key: drifted ? await keyOf(name) : cmkArn }).toEqual({ name, key: cmkArn });
      expect({ name, writes: encryptionWrites(name) }).toEqual({ name, writes: drifted ? 1 : 0 });
    }
    console.info(
      `[figures] outage: ${first.totals.errors} resources failed while AWS was unreachable; the resumed sweep completed all ${second.totals.total}`,
    );
  }, 120_000);

  it('a backfill sweep under 30% throttling fixes every drifted bucket, re-keying each exactly once', async () => {
    for (const [name, enc] of ESTATE) await createBucket(emu.clients(), R, name, enc);
    proxy.setPlan({ rate: 0.3, kinds: ['throttle'], seed: 11 });
    const deps = testDeps(proxied(), { policy: testPolicy({ regions: [R] }) });
    const dir = mkdtempSync(join(tmpdir(), 'sweep-throttled-'));
    const result = await backfill(
      { types: ['s3-bucket'] },
      {
        deps,
        pacer: new Pacer(),
        store: new FileSweepStore(dir),
        reportFile: join(dir, 'r.json'),
        summarySink: new CollectingAlertSink(),
      },
    );
    proxy.setPlan(undefined);
    const throttled = proxy.log.filter((r) => !r.forwarded).length;
    expect(throttled).toBeGreaterThan(0);
    expect(result.totals.errors).toBe(0);
    for (const [name, , drifted] of ESTATE) {
      expect({ name, key: drifted ? await keyOf(name) : cmkArn }).toEqual({ name, key: cmkArn });
      expect({ name, writes: encryptionWrites(name) }).toEqual({ name, writes: drifted ? 1 : 0 });
    }
    console.info(
      `[figures] throttled sweep: ${proxy.log.length} requests, ${throttled} throttled, ${ESTATE.filter((e) => e[2]).length} buckets re-keyed once each`,
    );
  }, 120_000);

  it('30% throttling on every call, every event delivered twice: all end compliant, each acted on once, alerted once', async () => {
    for (const [name, enc] of ESTATE) await createBucket(emu.clients(), R, name, enc);
    await createIdempotencyTable(emu.clients(), R, 'idem');
    proxy.setPlan({ rate: 0.3, kinds: ['throttle'], seed: 7 });
    const clients = proxied();
    const deps = testDeps(clients, { once: new PowertoolsOnce(clients, 'idem', R) });
    const events = ESTATE.map(([name], i) => s3Event('PutBucketEncryption', name, R, { id: `evt-${i}` }));
    const t0 = Date.now();
    // Deliveries arrive concurrently, as Lambda would run them; the duplicates come after the first round.
    await Promise.all(events.map((e) => processEvent(e, deps)));
    await Promise.all(events.map((e) => processEvent(e, deps)));
    proxy.setPlan(undefined);

    const faults = proxy.faults();
    // Several throttles per bucket: the retries, not luck, carried every delivery.
    expect(faults.throttle).toBeGreaterThan(2 * ESTATE.length);
    for (const [name, , fix] of ESTATE) {
      expect(await keyOf(name)).toBe(fix ? cmkArn : 'alias/data-platform');
      expect(encryptionWrites(name)).toBe(fix ? 1 : 0);
    }
    const alerted = deps.alerts.alerts.map((a) => a.resource.id).sort();
    expect(alerted).toEqual(
      ESTATE.filter(([, , fix]) => fix)
        .map(([n]) => n)
        .sort(),
    );
    const duplicates = deps.log.lines.filter((l) => l.extra.duplicate === true);
    expect(duplicates.map((l) => (l.extra.resource as { id: string }).id).sort()).toEqual(
      ESTATE.map(([n]) => n).sort(),
    );
    console.info(
      `[figures] throttling (adaptive retries, ${Date.now() - t0} ms): ${proxy.log.length} requests, ${faults.throttle} throttled (${Math.round((100 * (faults.throttle ?? 0)) / proxy.log.length)}%); ${events.length * 2} deliveries (${events.length} duplicates); ${ESTATE.filter((e) => e[2]).length} encryption writes, ${alerted.length} alerts`,
    );
  }, 150_000);

  it('500s, dropped connections and slow responses: every resource ends compliant, retried events included', async () => {
    for (const [name, enc] of ESTATE) await createBucket(emu.clients(), R, name, enc);
    proxy.setPlan({ rate: 0.25, kinds: ['error500', 'drop', 'slow'], seed: 11, slowMs: 200 });
    const deps = testDeps(proxied(4));
    let rounds = 0;
    let pending = ESTATE.map(([name], i) => s3Event('PutBucketEncryption', name, R, { id: `m-${i}` }));
    // What Lambda's async retries do: run again what failed for a retryable reason.
    while (pending.length > 0 && rounds < 5) {
      rounds++;
      const again: typeof pending = [];
      for (const e of pending) if (hasRetryableFailure(await processEvent(e, deps))) again.push(e);
      pending = again;
    }
    proxy.setPlan(undefined);
    expect(pending).toEqual([]);
    for (const [name, , fix] of ESTATE) expect(await keyOf(name)).toBe(fix ? cmkArn : 'alias/data-platform');
    const faults = proxy.faults();
    expect((faults.error500 ?? 0) + (faults.drop ?? 0) + (faults.slow ?? 0)).toBeGreaterThanOrEqual(5);
    console.info(
      `[figures] 500/drop/slow: ${proxy.log.length} requests, faults ${JSON.stringify(faults)}, rounds ${rounds}, all compliant`,
    );
  });

  it('AccessDenied on one resource: an alert names the missing permission, the others are fixed', async () => {
    for (const [name, enc] of ESTATE.slice(0, 4)) await createBucket(emu.clients(), R, name, enc);
    const deniedBucket = ESTATE[1]?.[0] as string;
    proxy.deny((r) => r.service === 's3' && r.operation === 'PUT ?encryption' && r.path.startsWith(`/${deniedBucket}`));
    const deps = testDeps(proxied(3));
    const results = [];
    for (const [name] of ESTATE.slice(0, 4)) results.push(await processEvent(s3Event('CreateBucket', name, R), deps));
    const denied = results[1]?.outcomes[0];
    expect(denied).toMatchObject({
      status: 'ERROR',
      action: 'REMEDIATE',
      error: { code: 'ACCESS_DENIED', missingPermission: 's3:PutEncryptionConfiguration', retryable: false },
    });
    const alert = deps.alerts.alerts.find((a) => a.resource.id === deniedBucket);
    expect(alert).toMatchObject({
      status: 'ERROR',
      severity: 'HIGH',
      error: { missingPermission: 's3:PutEncryptionConfiguration' },
    });
    expect(alert?.error?.message).toContain('s3:PutEncryptionConfiguration');
    for (const i of [0, 2, 3]) expect(results[i]?.outcomes[0]).toMatchObject({ result: 'VERIFIED' });
    expect(await keyOf('f-none-1')).toBe(cmkArn);
  });

  it('a failed event lands on the dead-letter queue with its cause; `redrive` re-processes and removes it', async () => {
    await createBucket(emu.clients(), R, 'dlq-bucket', { kind: 'sse-s3' });
    const queueUrl = await createQueue(emu.clients(), R, 'on-change-dlq');
    const file = join(tmpdir(), `dlq-evt-${process.pid}.json`);
    writeFileSync(file, JSON.stringify(s3Event('PutBucketEncryption', 'dlq-bucket', R, { id: 'dlq-1' })));
    const saved = { ...process.env };
    process.env.AWS_ENDPOINT_URL = proxy.endpoint;
    delete process.env.ALERT_TOPIC_ARN;
    process.env.CMK_SENTINEL_POLICY = DEMO_POLICY_PATH;
    process.env.CMK_SENTINEL_MAX_ATTEMPTS = '2';
    try {
      // S3 is down: every S3 call answers 500.
      proxy.setPlan({ rate: 1, kinds: ['error500'], when: (r) => r.service === 's3' });
      const out: string[] = [];
      expect(await main(['handle', file, '--dlq', queueUrl], (s) => out.push(s))).toBe(1);
      expect(JSON.parse(out.join('\n')).deadLetter.cause).toMatchObject({ code: 'AWS_UNAVAILABLE' });
      const peek = await emu
        .clients()
        .get(SQSClient, { region: R })
        .send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageAttributeNames: ['All'], VisibilityTimeout: 0 }));
      expect(peek.Messages).toHaveLength(1);
      const body = JSON.parse(peek.Messages?.[0]?.Body as string);
      expect(body).toMatchObject({
        requestContext: { condition: 'RetriesExhausted' },
        requestPayload: { id: 'dlq-1' },
        responsePayload: { code: 'AWS_UNAVAILABLE' },
      });
      expect(peek.Messages?.[0]?.MessageAttributes?.ERROR_CODE?.StringValue).toBe('AWS_UNAVAILABLE');

      // Still down: redrive leaves it where it is.
      const still: string[] = [];
      expect(await main(['redrive', '--queue', queueUrl], (s) => still.push(s))).toBe(1);
      expect(JSON.parse(still.join('\n'))).toMatchObject({ received: 1, redriven: 0, stillFailing: 1 });

      // S3 is back: redrive fixes the bucket and empties the queue.
      proxy.setPlan(undefined);
      const done: string[] = [];
      const code = await main(['redrive', '--queue', queueUrl], (s) => done.push(s));
      expect(code).toBe(0);
      expect(JSON.parse(done.join('\n'))).toMatchObject({ received: 1, redriven: 1, stillFailing: 0 });
      expect(await keyOf('dlq-bucket')).toBe(cmkArn);
      const left = await emu
        .clients()
        .get(SQSClient, { region: R })
        .send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0 }));
      expect(left.Messages ?? []).toHaveLength(0);
    } finally {
      process.env = saved;
    }
  });
});
