import {
  DeleteBucketTaggingCommand,
  GetBucketEncryptionCommand,
  GetBucketTaggingCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  ConfigServiceClient,
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
  StartConfigurationRecorderCommand,
} from '@aws-sdk/client-config-service';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem, type as osType, release } from 'node:os';
import { join } from 'node:path';
import { ClientFactory } from '../shared/aws/clients';
import { FileSweepStore } from '../shared/backfill/file-store';
import { PacedClientFactory, Pacer, SERVICE_CONCURRENCY } from '../shared/backfill/pacing';
import { backfill, ratesFromEnv } from '../shared/backfill/run';
import { buildDeps } from '../shared/pipeline/context';
import { processEvent } from '../shared/pipeline/process';
import { KeyResolver } from '../shared/kms/key-resolver';
import { parsePolicy } from '../shared/policy/policy';
import { main as buildBundles } from './build';
import { rekeyObjects } from '../shared/rules/s3-bucket/objects';
import { assertLoopback, startEmulator } from '../testbed/moto';
import { type BucketEncryption, createBucket, createKey, s3Event } from '../testbed/estates/estate';
import { startFaultProxy } from '../testbed/fault-proxy';
import { buildBucketEstate, encryptionFor, pool } from '../testbed/estates/estate-backfill';
import { createAuditTable, createIdempotencyTable } from '../testbed/estates/estate-hardening';

/**
 * `npm run bench [-- --buckets N] [--objects N] [--write FILE] [--sweep-only | --bundles-only | --objects-only |
 * --config-only [--config-buckets 1000,10000]]`:
 * builds an
 * estate on the emulator, sweeps it, measures a call floor on the same estate, a warm event at 10 and N buckets,
 * existing objects re-keyed (UpdateObjectEncryption next to CopyObject: objects/s, API calls per object), each
 * function's zip and module-load time, and a cold start of the on-change bundle (init + first event).
 * Never a jest test: figures depend on the machine.
 */
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const ROOT = join(__dirname, '..');
const creds = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const policyDoc = { cmk: { alias: 'alias/data-platform' }, regions: [...REGIONS], mode: 'remediate' as const };

interface Counted {
  calls: Record<string, number>;
}

/** Counts every request by operation: added to the factory's clients here, production code untouched. */
const counting = <F extends ClientFactory>(factory: F): F & Counted => {
  const calls: Record<string, number> = {};
  const seen = new WeakSet<object>();
  const get = factory.get.bind(factory);
  const f = factory as F & Counted;
  f.calls = calls;
  f.get = (<C>(Ctor: new (c: Record<string, unknown>) => C, scope: Parameters<ClientFactory['get']>[1]): C => {
    const client = get(Ctor, scope) as C & { middlewareStack: { add: (...a: unknown[]) => void } };
    if (!seen.has(client)) {
      seen.add(client);
      client.middlewareStack.add(
        (next: (a: unknown) => Promise<unknown>, ctx: { clientName?: string; commandName?: string }) =>
          async (args: unknown) => {
            const op = `${(ctx.clientName ?? '').replace(/Client$/, '')}:${(ctx.commandName ?? '').replace(/Command$/, '')}`;
            calls[op] = (calls[op] ?? 0) + 1;
            return next(args);
          },
        { step: 'initialize', name: 'benchCount' },
      );
    }
    return client;
  }) as F['get'];
  return f;
};

const arg = (argv: string[], name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

type ChildMode = 'sweep' | 'config' | 'semantic' | 'bare';
interface ChildResult {
  mode: ChildMode;
  wallMs: number;
  resources: number;
  failed: number;
  calls: Record<string, number>;
  maxRssMb: number;
  rates?: Record<string, number>;
}

const MARKER = 'cmk-sentinel:objects';
const drift = (Bucket: string, cmk: string) =>
  new PutBucketEncryptionCommand({
    Bucket,
    ServerSideEncryptionConfiguration: {
      Rules: [
        {
          ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: cmk },
          BucketKeyEnabled: true,
        },
      ],
    },
  });
const tagSet = (t: Record<string, string>) => ({ TagSet: Object.entries(t).map(([Key, Value]) => ({ Key, Value })) });

/**
 * The semantic floor of the s3-bucket decision: exactly the calls the decision and the safety rules need, at the
 * sweep's concurrency, no pacing, store or report. Per bucket: its default encryption and its tags (exemption,
 * objects marker), read at once; DescribeKey once per distinct key named. A non-compliant bucket: the new
 * default, its verifying re-read, the objects marker set before the objects are listed (a run cut short must
 * leave it), the listing, and the marker removed (tags re-read first: PutBucketTagging replaces the set).
 */
const semanticFloor = async (s3: S3Client, kms: KMSClient, r: string, onBucket: () => void): Promise<void> => {
  const cmk = (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/data-platform' }))).KeyMetadata?.Arn as string;
  const keys = new Map<string, Promise<string | undefined>>();
  const names = ((await s3.send(new ListBucketsCommand({ BucketRegion: r }))).Buckets ?? []).map(
    (b) => b.Name as string,
  );
  const readTags = (Bucket: string) =>
    s3.send(new GetBucketTaggingCommand({ Bucket })).then(
      (o) => Object.fromEntries((o.TagSet ?? []).map((t) => [t.Key, t.Value])) as Record<string, string>,
      () => ({}) as Record<string, string>,
    );
  await pool(names, SERVICE_CONCURRENCY.s3 as number, async (Bucket) => {
    onBucket();
    const [enc, tags] = await Promise.all([
      s3.send(new GetBucketEncryptionCommand({ Bucket })).catch(() => undefined),
      readTags(Bucket),
    ]);
    const rule = enc?.ServerSideEncryptionConfiguration?.Rules?.[0];
    const ref = rule?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
    // aws:kms without a key is aws/s3: not the CMK, no call needed to know it.
    if (ref && !keys.has(ref))
      keys.set(
        ref,
        kms.send(new DescribeKeyCommand({ KeyId: ref })).then((o) => o.KeyMetadata?.Arn),
      );
    const arn = ref ? await keys.get(ref) : undefined;
    if (arn === cmk && rule?.BucketKeyEnabled && !tags[MARKER]) return;
    if (tags['cmk-sentinel:exempt'] === 'true') return;
    await s3.send(drift(Bucket, cmk));
    await s3.send(new GetBucketEncryptionCommand({ Bucket }));
    await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: tagSet({ ...tags, [MARKER]: 'pending' }) }));
    await s3.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: 1001 }));
    const now = await readTags(Bucket);
    delete now[MARKER];
    if (Object.keys(now).length) await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: tagSet(now) }));
    else await s3.send(new DeleteBucketTaggingCommand({ Bucket }));
  });
};

/** The bare floor: list, one read per bucket, one write per drifted one (what a plain boto3 loop does). */
const bareFloor = async (s3: S3Client, kms: KMSClient, r: string, onBucket: () => void): Promise<void> => {
  const cmk = (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/data-platform' }))).KeyMetadata?.Arn as string;
  const names = ((await s3.send(new ListBucketsCommand({ BucketRegion: r }))).Buckets ?? []).map(
    (b) => b.Name as string,
  );
  await pool(names, SERVICE_CONCURRENCY.s3 as number, async (Bucket) => {
    onBucket();
    const rule = (await s3.send(new GetBucketEncryptionCommand({ Bucket })).catch(() => undefined))
      ?.ServerSideEncryptionConfiguration?.Rules?.[0];
    const ref = rule?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
    if ((ref === cmk || ref === 'alias/data-platform') && rule?.BucketKeyEnabled) return;
    await s3.send(drift(Bucket, cmk));
  });
};

/** Child mode: one sweep (or a floor) in a fresh process, so peak RSS and module state are its own. */
const child = async (mode: ChildMode, endpoint: string, regions: string[], maxAttempts: number): Promise<void> => {
  const settings = { endpoint: assertLoopback(endpoint), maxAttempts, credentials: creds };
  // The Config-triaged sweep: the same sweep with backfill.config (its freshness bound, CONFIG_MAX_AGE_HOURS).
  const policy = parsePolicy(
    mode === 'config' ? { ...policyDoc, backfill: { config: { maxAgeHours: CONFIG_MAX_AGE_HOURS } } } : policyDoc,
  );
  const t0 = performance.now();
  let calls: Record<string, number>;
  let resources = 0;
  let failed = 0;
  let rates: Record<string, number> | undefined;
  if (mode === 'sweep' || mode === 'config') {
    const pacer = new Pacer(ratesFromEnv());
    const clients = counting(new PacedClientFactory(pacer, settings));
    const deps = buildDeps({
      clients,
      policy,
      homeAccount: '123456789012',
      alerts: { publish: async () => undefined },
    });
    const dir = mkdtempSync(join(tmpdir(), 'bench-sweep-'));
    // The floors make the s3-bucket decision only: sweep the same type so the ratios compare like with like.
    const res = await backfill(
      { types: ['s3-bucket'], regions },
      {
        deps,
        pacer,
        store: new FileSweepStore(dir),
        reportFile: join(dir, 'report.json'),
        summarySink: { publish: async () => undefined },
      },
    );
    resources = res.totals.total;
    // Failed: an error, or a non-compliant bucket the sweep did not fix (and verify).
    failed = res.totals.errors + (res.totals.nonCompliant - res.totals.fixed);
    calls = clients.calls;
    // The fixed-rate Pacer before the adaptive one had a `rates` table, not a method (the bench runs on both).
    const report = (pacer as { rates?: unknown }).rates;
    rates = typeof report === 'function' ? (report as () => Record<string, number>).call(pacer) : undefined;
    rmSync(dir, { recursive: true, force: true });
  } else {
    const clients = counting(new ClientFactory(settings));
    await Promise.all(
      regions.map((r) =>
        (mode === 'semantic' ? semanticFloor : bareFloor)(
          clients.get(S3Client, { region: r }),
          clients.get(KMSClient, { region: r }),
          r,
          () => {
            resources++;
          },
        ),
      ),
    );
    calls = clients.calls;
  }
  const wallMs = performance.now() - t0;
  process.stdout.write(
    `${JSON.stringify({ mode, wallMs, resources, failed, calls, maxRssMb: process.resourceUsage().maxRSS / 1024, rates })}\n`,
  );
};

const runChild = (
  mode: ChildMode,
  endpoint: string,
  regions: readonly string[],
  maxAttempts = 3,
  env: Record<string, string> = {},
): Promise<ChildResult> =>
  new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        join(ROOT, 'scripts', 'run.js'),
        join(ROOT, 'scripts', 'bench.ts'),
        '--child',
        mode,
        '--endpoint',
        endpoint,
        '--regions',
        regions.join(','),
        '--max-attempts',
        String(maxAttempts),
      ],
      {
        env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR', ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`bench child ${mode} exited ${code}: ${out.slice(-500)}`));
      }
    });
  });

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

/** Median of warm on-change events: each re-drifts one bucket first (untimed), then times the event end to end. */
const warmEvents = async (
  clients: ClientFactory,
  buckets: string[],
  n = 40,
): Promise<{ event: number; rawCall: number }> => {
  const deps = buildDeps({
    clients,
    policy: parsePolicy(policyDoc),
    homeAccount: '123456789012',
    alerts: { publish: async () => undefined },
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  const times: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < n + 5; i++) {
    const b = buckets[i % buckets.length] as string;
    await clients.get(S3Client, { region: 'us-east-1' }).send(
      new PutBucketEncryptionCommand({
        Bucket: b,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
    );
    const t = performance.now();
    const r = await processEvent(s3Event('PutBucketEncryption', b, 'us-east-1'), deps);
    const ms = performance.now() - t;
    if (r.outcomes[0]?.result !== 'VERIFIED')
      throw new Error(`warm event on ${b} was not fixed: ${JSON.stringify(r.outcomes[0])}`);
    // The emulator's own cost of one bare read at this estate size, for comparison.
    const t2 = performance.now();
    await clients.get(S3Client, { region: 'us-east-1' }).send(new GetBucketEncryptionCommand({ Bucket: b }));
    const rawMs = performance.now() - t2;
    if (i >= 5) {
      times.push(ms);
      raw.push(rawMs);
    }
  }
  return { event: median(times), rawCall: median(raw) };
};

const bundles = (): { name: string; zipKb: number; loadMs: number; cpuMs: number }[] => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'run.js'), join(ROOT, 'scripts', 'build.ts')], {
    cwd: ROOT,
    stdio: 'ignore',
  });
  const dir = join(ROOT, '.build');
  // .build/deploy/ holds the generated stack parts, not a bundle.
  return readdirSync(dir)
    .filter((name) => name !== 'deploy')
    .map((name) => {
      const zip = join(tmpdir(), `bench-${name}.zip`);
      rmSync(zip, { force: true });
      execFileSync('zip', ['-qr9', zip, '.'], { cwd: join(dir, name) });
      // Wall time and the process's own CPU time: on a shared machine the wall time includes waiting for a core.
      const loads = Array.from(
        { length: 5 },
        () =>
          JSON.parse(
            execFileSync(
              process.execPath,
              [
                '-e',
                `const t=process.hrtime.bigint(),c=process.cpuUsage();require(${JSON.stringify(join(dir, name, 'index.js'))});const u=process.cpuUsage(c);process.stdout.write(JSON.stringify([Number(process.hrtime.bigint()-t)/1e6,(u.user+u.system)/1e3]))`,
              ],
              { env: { ...process.env, AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'ERROR' } },
            ).toString(),
          ) as [number, number],
      );
      return {
        name,
        zipKb: statSync(zip).size / 1024,
        loadMs: median(loads.map((l) => l[0])),
        cpuMs: median(loads.map((l) => l[1])),
      };
    });
};

/**
 * A cold start of the built on-change bundle as Lambda runs it: a fresh process loads the bundle (init), then
 * handles one drifted bucket's PutBucketEncryption with the deployed wiring (SNS alerts, idempotency and audit
 * tables on the emulator). Reports init, the first event, and which AWS SDK clients that event loaded.
 */
const coldStarts = async (
  clients: ClientFactory,
  endpoint: string,
  n = 5,
): Promise<{ initMs: number; firstEventMs: number; clients: string[] }> => {
  const region = 'us-east-1';
  const topic = (await clients.get(SNSClient, { region }).send(new CreateTopicCommand({ Name: 'bench-alerts' })))
    .TopicArn as string;
  await createIdempotencyTable(clients, region, 'bench-idempotency');
  await createAuditTable(clients, region, 'bench-audit');
  // Built with the bench's own remediate policy: the shipped policy.yaml only reports, and a bundle reads only the
  // policy compiled beside it.
  // Under the checkout, so the bundle finds the AWS SDK the way Lambda's runtime provides it (node_modules above it).
  const build = join(ROOT, 'node_modules', '.cache', 'cmk-sentinel-bench-cold');
  rmSync(build, { recursive: true, force: true });
  mkdirSync(build, { recursive: true });
  const policyFile = join(build, 'bench-policy.yaml');
  writeFileSync(policyFile, JSON.stringify(policyDoc));
  if ((await buildBundles([], { buildDir: join(build, 'out'), policySource: policyFile })) !== 0)
    throw new Error('the cold-start bundle did not build');
  const dir = join(build, 'out', 'on-change');
  const script = `
    const Module = require('module'); const load = Module._load; const sdk = new Set();
    Module._load = function (r) { const m = /^@aws-sdk[/](client-[a-z0-9-]+)/.exec(r); if (m) sdk.add(m[1]); return load.apply(this, arguments); };
    const t0 = process.hrtime.bigint();
    const { handler } = require(${JSON.stringify(join(dir, 'index.js'))});
    const t1 = process.hrtime.bigint();
    const ctx = { functionName: 'on-change', functionVersion: '1', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:on-change', memoryLimitInMB: '256', awsRequestId: 'cold', logGroupName: 'g', logStreamName: 's', callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 60000 };
    handler(JSON.parse(process.env.BENCH_EVENT), ctx).then((r) => {
      const t2 = process.hrtime.bigint();
      if (r.outcomes[0]?.result !== 'VERIFIED') throw new Error('cold event not fixed: ' + JSON.stringify(r.outcomes[0]));
      process.stderr.write('BENCH ' + JSON.stringify([Number(t1 - t0) / 1e6, Number(t2 - t1) / 1e6, [...sdk].sort()]) + '\\n');
    });`;
  const runs: [number, number, string[]][] = [];
  for (let i = 0; i < n; i++) {
    const bucket = `cold-${i}`;
    await createBucket(clients, region, bucket, { kind: 'sse-s3' });
    const env = {
      PATH: process.env.PATH,
      AWS_ENDPOINT_URL: assertLoopback(endpoint),
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_REGION: region,
      CMK_SENTINEL_POLICY: join(dir, 'policy.json'),
      CMK_SENTINEL_ACCOUNT_ID: '123456789012',
      ALERT_TOPIC_ARN: topic,
      IDEMPOTENCY_TABLE: 'bench-idempotency',
      AUDIT_TABLE: 'bench-audit',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      BENCH_EVENT: JSON.stringify(s3Event('PutBucketEncryption', bucket, region, { id: `cold-${i}` })),
    };
    // Metrics go to stdout as EMF, as in Lambda; the figures come back on stderr.
    const res = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
    const line = res.stderr.split('\n').find((l) => l.startsWith('BENCH '));
    if (!line) throw new Error(`cold start ${i} failed: ${res.stderr.slice(-800)}`);
    runs.push(JSON.parse(line.slice(6)) as [number, number, string[]]);
  }
  return {
    initMs: median(runs.map((r) => r[0])),
    firstEventMs: median(runs.map((r) => r[1])),
    clients: runs[0]?.[2] ?? [],
  };
};

const fmt = (n: number, d = 1): string => n.toFixed(d);

/**
 * Existing objects re-keyed in place by the production pass (`rekeyObjects`), one bucket per path:
 * SSE-S3 objects (UpdateObjectEncryption, no data moved) and unencrypted ones (CopyObject onto themselves).
 */
const objectFigures = async (endpoint: string, n: number, say: (s: string) => void): Promise<void> => {
  const settings = { endpoint: assertLoopback(endpoint), maxAttempts: 3, credentials: creds };
  const setup = new ClientFactory(settings);
  const s3 = setup.get(S3Client, { region: 'us-east-1' });
  const cmk = (await createKey(setup, 'us-east-1', 'alias/data-platform')).arn;
  const policy = parsePolicy({ ...policyDoc, objects: { inPlaceMaxObjects: Math.max(1000, n) } });
  const rows: string[] = [];
  for (const [path, bucket, enc] of [
    ['UpdateObjectEncryption (SSE-S3 source)', 'bench-objects-update', 'AES256'],
    ['CopyObject (unencrypted source)', 'bench-objects-copy', undefined],
  ] as const) {
    await createBucket(setup, 'us-east-1', bucket);
    await pool(
      Array.from({ length: n }, (_, i) => `obj/${i}`),
      8,
      async (Key) => {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key,
            Body: 'x'.repeat(1024),
            ...(enc ? { ServerSideEncryption: enc } : {}),
          }),
        );
      },
    );
    const clients = counting(new ClientFactory(settings));
    const ctx = { clients, keys: new KeyResolver(clients, policy), policy, scope: { region: 'us-east-1' } };
    const t0 = performance.now();
    const data = await rekeyObjects(
      { type: 's3-bucket', account: '123456789012', region: 'us-east-1', id: bucket },
      cmk,
      undefined,
      ctx,
    );
    const secs = (performance.now() - t0) / 1000;
    const calls = Object.values(clients.calls).reduce((a, b) => a + b, 0);
    const ops = Object.entries(clients.calls)
      .sort()
      .map(([op, c]) => `${op.replace(/^S3:/, '')} ${fmt(c / n, 2)}`)
      .join(', ');
    if (data.rekeyed !== n)
      throw new Error(`bench: ${path} re-keyed ${data.rekeyed} of ${n}: ${JSON.stringify(data.failed.slice(0, 2))}`);
    rows.push(`| ${path} | ${n} | ${fmt(secs, 2)} s | ${fmt(n / secs)} | ${fmt(calls / n, 2)} | ${ops} |`);
  }
  say('');
  say(`## Existing objects re-keyed in place (${n} objects of 1 KiB per bucket, 8 at a time, one emulator)`);
  say('');
  say('| path | objects | wall | objects re-keyed/s | API calls per object | per object, by operation |');
  say('|---|---:|---:|---:|---:|---|');
  for (const r of rows) say(r);
  say('');
  say(
    'On AWS the copy path also moves every byte (and is billed as a PUT per object); UpdateObjectEncryption moves none.',
  );
};

const bundleFigures = (
  say: (s: string) => void,
  b: ReturnType<typeof bundles>,
  cold: Awaited<ReturnType<typeof coldStarts>>,
): void => {
  say('');
  say('## Function bundles (esbuild, minified, AWS SDK left to the Lambda runtime; `zip -9`)');
  say('');
  say('| function | zip | cold module load, wall (median of 5) | of which CPU time |');
  say('|---|---:|---:|---:|');
  for (const x of b) say(`| ${x.name} | ${fmt(x.zipKb)} KB | ${fmt(x.loadMs)} ms | ${fmt(x.cpuMs)} ms |`);
  say('');
  say(
    "## Cold start of the on-change bundle (fresh process: init, then one drifted bucket's PutBucketEncryption), median of 5",
  );
  say('');
  say(
    '| init (module load) | first event (loads its rules, clients, policy; re-keys and verifies) | init + first event |',
  );
  say('|---:|---:|---:|');
  say(`| ${fmt(cold.initMs)} ms | ${fmt(cold.firstEventMs)} ms | ${fmt(cold.initMs + cold.firstEventMs)} ms |`);
  say('');
  say(`AWS SDK clients the S3 event loaded: ${cold.clients.join(', ')}.`);
};

interface Estate {
  drift: 0 | 33 | 100;
  regions: readonly string[];
}
const ESTATES: Estate[] = [0, 33, 100].flatMap((d) =>
  [1, 2].map((n) => ({ drift: d as Estate['drift'], regions: REGIONS.slice(0, n) })),
);
const estateName = (e: Estate) =>
  `${e.drift === 33 ? '⅓' : `${e.drift}%`} drifted, ${e.regions.length === 1 ? 'one region' : 'two regions'}`;

/** A bucket of an estate: compliant (the CMK, bucket key on), or drifted the way the mix says. */
const bucketKind = (drift: Estate['drift'], i: number): BucketEncryption =>
  drift === 0 ? { kind: 'kms', keyId: 'alias/data-platform' } : drift === 100 ? { kind: 'none' } : encryptionFor(i);

const buildEstate = async (
  emu: { reset(): Promise<void> },
  clients: ClientFactory,
  e: Estate,
  total: number,
): Promise<number> => {
  await emu.reset();
  for (const r of e.regions) await createKey(clients, r, 'alias/data-platform');
  const per = Math.ceil(total / e.regions.length);
  const jobs = e.regions.flatMap((r) => Array.from({ length: per }, (_, i) => ({ r, i })));
  await pool(jobs, 24, ({ r, i }) => createBucket(clients, r, `bench-${r}-${i}`, bucketKind(e.drift, i)));
  return jobs.filter(({ i }) => e.drift === 100 || (e.drift === 33 && i % 9 < 3)).length;
};

const sumCalls = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

/** The freshness bound of the Config-triaged sweep in the bench: the policy's default. */
const CONFIG_MAX_AGE_HOURS = 24;

/** AWS Config recording every supported type in the estate's regions (setup, not counted). */
const startRecorders = async (clients: ClientFactory, regions: readonly string[]): Promise<void> => {
  for (const region of regions) {
    const config = clients.get(ConfigServiceClient, { region });
    await config.send(
      new PutConfigurationRecorderCommand({
        ConfigurationRecorder: {
          name: 'default',
          roleARN: 'arn:aws:iam::123456789012:role/config',
          recordingGroup: { allSupported: true },
        },
      }),
    );
    await config.send(new PutDeliveryChannelCommand({ DeliveryChannel: { name: 'default', s3BucketName: 'cfg' } }));
    await config.send(new StartConfigurationRecorderCommand({ ConfigurationRecorderName: 'default' }));
  }
};

/**
 * `--config-only [--config-buckets 1000,10000]`: the Config-triaged sweep (backfill.config, bound 24 h) next to
 * today's direct sweep and the direct sweep's semantic call floor, on estates all compliant (calls per compliant
 * resource) and ⅓ drifted, one region. The Config path's own floor is 2·⌈N/100⌉ calls (list 100 per page, read 100
 * per batch) plus a fixed few per unit (two recorder reads, one tagging listing, one DescribeKey).
 */
const configFigures = async (
  emu: { endpoint: string; reset(): Promise<void> },
  clients: ClientFactory,
  sizes: number[],
  say: (s: string) => void,
): Promise<void> => {
  const region = [REGIONS[0]];
  say('');
  say(
    `## Sweep triaged from AWS Config (backfill.config, freshness bound ${CONFIG_MAX_AGE_HOURS} h) vs the direct sweep, s3-bucket, one region`,
  );
  say('');
  say(
    '| buckets | estate | Config-triaged sweep | direct sweep | direct ÷ Config | calls/bucket: Config · direct · direct floor (semantic) · Config floor | re-read directly (Config) | failed (Config · direct) | load (1 min) |',
  );
  say('|---:|---|---:|---:|---:|---:|---:|---:|---:|');
  const details: string[] = [];
  for (const n of sizes) {
    for (const drift of n > 1000 ? ([0] as const) : ([0, 33] as const)) {
      const e: Estate = { drift, regions: region };
      await buildEstate(emu, clients, e, n);
      await startRecorders(clients, region);
      const cfg = await runChild('config', emu.endpoint, region);
      if (drift !== 0) {
        await buildEstate(emu, clients, e, n);
        await startRecorders(clients, region);
      }
      const direct = await runChild('sweep', emu.endpoint, region);
      if (drift !== 0) await buildEstate(emu, clients, e, n);
      const sem = await runChild('semantic', emu.endpoint, region);
      const floor = (2 * Math.ceil(n / 100) + 4) / n;
      const reread = cfg.calls['S3:GetBucketEncryption'] ?? 0;
      say(
        `| ${n} | ${estateName(e).replace(', one region', '')} | ${fmt(cfg.wallMs / 1000, 2)} s | ${fmt(direct.wallMs / 1000, 2)} s | ${fmt(direct.wallMs / cfg.wallMs, 1)}× | ${fmt(sumCalls(cfg.calls) / cfg.resources, 3)} · ${fmt(sumCalls(direct.calls) / direct.resources, 2)} · ${fmt(sumCalls(sem.calls) / sem.resources, 2)} · ${fmt(floor, 3)} | ${reread} GetBucketEncryption | ${cfg.failed} · ${direct.failed} | ${loadavg()[0]?.toFixed(1)} |`,
      );
      details.push('', `${n} buckets, ${estateName(e)}: calls by operation, Config-triaged sweep (direct sweep)`, '');
      for (const op of [...new Set([...Object.keys(cfg.calls), ...Object.keys(direct.calls)])].sort())
        details.push(`- ${op}: ${cfg.calls[op] ?? 0} (${direct.calls[op] ?? 0})`);
    }
  }
  for (const d of details) say(d);
};
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');

/** `--estates 100:1,33:2` (drift %:regions): a subset of the six. */
const pickEstates = (spec: string | undefined): Estate[] => {
  if (!spec) return ESTATES;
  return spec.split(',').map((x) => {
    const [d, n] = x.split(':').map(Number);
    const e = ESTATES.find((y) => y.drift === d && y.regions.length === (n ?? 1));
    if (!e) throw new Error(`unknown estate ${x}: expected drift 0, 33 or 100 and 1 or 2 regions, e.g. 100:1`);
    return e;
  });
};

/**
 * The throttled case: the fault proxy between the sweep and the emulator throttles S3 above `rps` (a token
 * bucket with one second of burst, answered SlowDown/503 as S3 does). Measured at the proxy, in one-second
 * windows: the rate of requests offered (every attempt) and accepted, over the run's settled part (after its
 * first quarter), against `rps`; each bucket's PutBucketEncryption that reached the emulator; failed resources.
 */
const throttled = async (
  emu: { endpoint: string; reset(): Promise<void> },
  clients: ClientFactory,
  buckets: number,
  rps: number,
  say: (s: string) => void,
): Promise<void> => {
  const e: Estate = { drift: 100, regions: [REGIONS[0]] };
  await buildEstate(emu, clients, e, buckets);
  const proxy = await startFaultProxy(emu.endpoint);
  try {
    proxy.limitRate({ rps, burst: rps, when: (r) => r.service === 's3' });
    // The production retry budget (CMK_SENTINEL_MAX_ATTEMPTS default 6).
    const sweep = await runChild('sweep', proxy.endpoint, e.regions, 6);
    const s3 = proxy.log.filter((r) => r.service === 's3');
    const t0 = s3[0]?.at ?? 0;
    const t1 = s3[s3.length - 1]?.at ?? t0;
    const seconds = Math.max(1, Math.floor((t1 - t0) / 1000));
    const offered = new Array<number>(seconds).fill(0);
    const accepted = new Array<number>(seconds).fill(0);
    for (const r of s3) {
      const w = Math.min(seconds - 1, Math.floor((r.at - t0) / 1000));
      offered[w] = (offered[w] ?? 0) + 1;
      if (r.forwarded) accepted[w] = (accepted[w] ?? 0) + 1;
    }
    const settled = (xs: number[]) => xs.slice(Math.floor(xs.length / 4));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const acc = mean(settled(accepted));
    const off = mean(settled(offered));
    const puts = new Map<string, number>();
    for (const r of s3)
      if (r.forwarded && r.operation === 'PUT ?encryption') puts.set(r.path, (puts.get(r.path) ?? 0) + 1);
    const once = [...puts.values()].filter((n) => n === 1).length;
    const throttledN = s3.filter((r) => r.fault === 'throttle').length;
    say('');
    say(
      `## Throttled: S3 limited to ${rps} requests/s by the fault proxy, ${sweep.resources} unencrypted buckets in one region`,
    );
    say('');
    say('| measure | value |');
    say('|---|---:|');
    say(`| wall time | ${fmt(sweep.wallMs / 1000, 2)} s |`);
    say(
      `| accepted S3 requests/s, settled (after the first quarter, ${settled(accepted).length} windows of 1 s) | ${fmt(acc)} (${fmt(((acc - rps) / rps) * 100)}% from ${rps}) |`,
    );
    say(
      `| offered S3 requests/s (every attempt), settled | ${fmt(off)} (${fmt(((off - rps) / rps) * 100)}% from ${rps}) |`,
    );
    say(
      `| throttled attempts | ${throttledN} of ${s3.length} (${fmt((throttledN / Math.max(1, s3.length)) * 100)}%) |`,
    );
    say(`| failed resources | ${sweep.failed} |`);
    say(
      `| buckets whose PutBucketEncryption reached the emulator exactly once | ${once} of ${sweep.resources} (${puts.size} with any) |`,
    );
    say(
      `| limiter rates at the end (requests/s) | ${Object.entries(sweep.rates ?? {})
        .filter(([k]) => k.startsWith('s3'))
        .map(([k, v]) => `${k.split('|')[0]} ${fmt(v)}`)
        .join(', ')} |`,
    );
    say('');
    say(`Accepted requests/s per second: ${accepted.join(' ')}`);
  } finally {
    await proxy.close();
  }
};

export const main = async (argv: string[]): Promise<number> => {
  if (argv[0] === '--child') {
    await child(
      argv[1] as ChildMode,
      arg(argv, '--endpoint') as string,
      (arg(argv, '--regions') ?? REGIONS.join(',')).split(','),
      Number(arg(argv, '--max-attempts') ?? 3),
    );
    return 0;
  }
  const total = Number(arg(argv, '--buckets') ?? 1000);
  const out: string[] = [];
  const say = (s: string) => {
    console.log(s);
    out.push(s);
  };
  const write = () => {
    const file = arg(argv, '--write');
    if (file) writeFileSync(file, `${out.join('\n')}\n`);
  };
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  const emu = await startEmulator();
  try {
    const clients = new ClientFactory({ endpoint: assertLoopback(emu.endpoint), maxAttempts: 3, credentials: creds });
    const objects = Number(arg(argv, '--objects') ?? 300);
    if (argv.includes('--objects-only')) {
      await emu.reset();
      await objectFigures(emu.endpoint, objects, say);
      write();
      return 0;
    }
    if (argv.includes('--bundles-only')) {
      await emu.reset();
      await createKey(clients, 'us-east-1', 'alias/data-platform');
      bundleFigures(say, bundles(), await coldStarts(clients, emu.endpoint));
      return 0;
    }
    if (argv.includes('--config-only')) {
      say(`Load average at the start: ${load()} (1 / 5 / 15 min); ${cpus().length} cores.`);
      const sizes = (arg(argv, '--config-buckets') ?? '1000,10000').split(',').map(Number);
      await configFigures(emu, clients, sizes, say);
      say('');
      say(`Load average at the end: ${load()} (1 / 5 / 15 min).`);
      write();
      return 0;
    }
    const only = arg(argv, '--only');
    if (argv.includes('--sweep-only')) {
      const e: Estate = { drift: 33, regions: REGIONS };
      await buildEstate(emu, clients, e, total);
      const sweep = await runChild('sweep', emu.endpoint, e.regions);
      say(
        `sweep-only: ${sweep.resources} buckets, wall ${fmt(sweep.wallMs / 1000, 2)} s, ${fmt(sweep.resources / (sweep.wallMs / 1000))} resources/s, peak RSS ${fmt(sweep.maxRssMb)} MB`,
      );
      return 0;
    }
    say(`Load average at the start: ${load()} (1 / 5 / 15 min); ${cpus().length} cores.`);
    if (only !== 'throttled') {
      say('');
      say(`## Sweep vs floors, s3-bucket, ${total} buckets per estate`);
      say('');
      say(
        '| estate | non-compliant | sweep | semantic floor | bare floor | sweep ÷ semantic | sweep ÷ bare | calls/bucket: sweep · semantic · bare | failed | load (1 min) |',
      );
      say('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
      const details: string[] = [];
      for (const e of pickEstates(arg(argv, '--estates'))) {
        const drifted = await buildEstate(emu, clients, e, total);
        const sweep = await runChild('sweep', emu.endpoint, e.regions);
        if (e.drift !== 0) await buildEstate(emu, clients, e, total);
        const sem = await runChild('semantic', emu.endpoint, e.regions);
        if (e.drift !== 0) await buildEstate(emu, clients, e, total);
        const bare = await runChild('bare', emu.endpoint, e.regions);
        const n = sweep.resources;
        say(
          `| ${estateName(e)} | ${drifted} | ${fmt(sweep.wallMs / 1000, 2)} s | ${fmt(sem.wallMs / 1000, 2)} s | ${fmt(bare.wallMs / 1000, 2)} s | **${fmt(sweep.wallMs / sem.wallMs, 2)}×** | ${fmt(sweep.wallMs / bare.wallMs, 2)}× | ${fmt(sumCalls(sweep.calls) / n, 2)} · ${fmt(sumCalls(sem.calls) / sem.resources, 2)} · ${fmt(sumCalls(bare.calls) / bare.resources, 2)} | ${sweep.failed} | ${loadavg()[0]?.toFixed(1)} |`,
        );
        details.push('', `${estateName(e)}: calls per bucket by operation (sweep · semantic · bare)`, '');
        for (const op of [
          ...new Set([...Object.keys(sweep.calls), ...Object.keys(sem.calls), ...Object.keys(bare.calls)]),
        ].sort()) {
          details.push(
            `- ${op}: ${fmt((sweep.calls[op] ?? 0) / n, 3)} · ${fmt((sem.calls[op] ?? 0) / sem.resources, 3)} · ${fmt((bare.calls[op] ?? 0) / bare.resources, 3)}`,
          );
        }
      }
      for (const d of details) say(d);
    }
    if (only === undefined || only === 'throttled') {
      await throttled(
        emu,
        clients,
        Number(arg(argv, '--throttle-buckets') ?? Math.min(total, 300)),
        Number(arg(argv, '--throttle-rps') ?? 50),
        say,
      );
    }
    if (only !== undefined || argv.includes('--no-extras')) {
      say('');
      say(`Load average at the end: ${load()} (1 / 5 / 15 min).`);
      write();
      return 0;
    }

    // Warm on-change events: the same work whatever the estate's size.
    const perRegion = Math.ceil(total / REGIONS.length);
    await emu.reset();
    for (const r of REGIONS) await createKey(clients, r, 'alias/data-platform');
    await buildBucketEstate(clients, REGIONS, perRegion);
    const big = await warmEvents(
      clients,
      Array.from({ length: 20 }, (_, i) => `bench-us-east-1-${(i * 9) % perRegion}`),
    );
    await emu.reset();
    await createKey(clients, 'us-east-1', 'alias/data-platform');
    for (let i = 0; i < 10; i++) await createBucket(clients, 'us-east-1', `small-${i}`, { kind: 'sse-s3' });
    const small = await warmEvents(
      clients,
      Array.from({ length: 10 }, (_, i) => `small-${i}`),
    );
    say('');
    say('## Warm on-change event (PutBucketEncryption → re-read, re-key, verify), median of 40');
    say('');
    say(
      '| buckets in the account | event median | one bare GetBucketEncryption on the emulator (median) | event ÷ bare call |',
    );
    say('|---:|---:|---:|---:|');
    say(`| 10 | ${fmt(small.event)} ms | ${fmt(small.rawCall)} ms | ${fmt(small.event / small.rawCall)} |`);
    say(
      `| ${perRegion * REGIONS.length} | ${fmt(big.event)} ms | ${fmt(big.rawCall)} ms | ${fmt(big.event / big.rawCall)} |`,
    );

    await emu.reset();
    await objectFigures(emu.endpoint, objects, say);

    await emu.reset();
    await createKey(clients, 'us-east-1', 'alias/data-platform');
    bundleFigures(say, bundles(), await coldStarts(clients, emu.endpoint));
    say('');
    say(`Load average at the end: ${load()} (1 / 5 / 15 min).`);
    say(
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 1024 ** 3)} GB RAM, ${osType()} ${release()}, Node ${process.version}, moto server (one process) on loopback.`,
    );
    write();
    return 0;
  } finally {
    await emu.stop();
  }
};
