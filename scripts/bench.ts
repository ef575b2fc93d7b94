import { GetBucketEncryptionCommand, GetBucketTaggingCommand, ListBucketsCommand, ListObjectVersionsCommand, PutBucketEncryptionCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem, type as osType, release } from 'node:os';
import { join } from 'node:path';
import { ClientFactory } from '../shared/aws/clients';
import { FileSweepStore } from '../shared/backfill/file-store';
import { PacedClientFactory, Pacer, SERVICE_CONCURRENCY } from '../shared/backfill/pacing';
import { backfill } from '../shared/backfill/run';
import { buildDeps } from '../shared/pipeline/context';
import { processEvent } from '../shared/pipeline/process';
import { KeyResolver } from '../shared/kms/key-resolver';
import { parsePolicy } from '../shared/policy/policy';
import { rekeyObjects } from '../shared/rules/s3-bucket/objects';
import { assertLoopback, startEmulator } from '../test/support/moto';
import { createBucket, createKey, s3Event } from './lib/estate';
import { buildBucketEstate, pool } from './lib/estate-backfill';
import { createAuditTable, createIdempotencyTable } from './lib/estate-hardening';

/**
 * `npm run bench [-- --buckets N] [--objects N] [--write FILE] [--sweep-only | --bundles-only | --objects-only]`: builds an
 * estate on the emulator, sweeps it, measures a call floor on the same estate, a warm event at 10 and N buckets,
 * existing objects re-keyed (UpdateObjectEncryption next to CopyObject: objects/s, API calls per object), each
 * function's zip and module-load time, and a cold start of the on-change bundle (init + first event).
 * Never a jest test: figures depend on the machine.
 */
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
const ROOT = join(__dirname, '..');
const creds = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const policyDoc = { cmk: { alias: 'alias/data-platform' }, regions: [...REGIONS], mode: 'remediate' as const };

interface Counted { calls: Record<string, number> }

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
      client.middlewareStack.add((next: (a: unknown) => Promise<unknown>, ctx: { clientName?: string; commandName?: string }) => async (args: unknown) => {
        const op = `${(ctx.clientName ?? '').replace(/Client$/, '')}:${(ctx.commandName ?? '').replace(/Command$/, '')}`;
        calls[op] = (calls[op] ?? 0) + 1;
        return next(args);
      }, { step: 'initialize', name: 'benchCount' });
    }
    return client;
  }) as F['get'];
  return f;
};

const arg = (argv: string[], name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

/** Child mode: one sweep (or the floor) in a fresh process, so peak RSS is the sweep's own. */
const child = async (mode: 'sweep' | 'floor', endpoint: string): Promise<void> => {
  const settings = { endpoint: assertLoopback(endpoint), maxAttempts: 3, credentials: creds };
  const policy = parsePolicy(policyDoc);
  const t0 = performance.now();
  let calls: Record<string, number>;
  let resources = 0;
  if (mode === 'sweep') {
    const pacer = new Pacer();
    const clients = counting(new PacedClientFactory(pacer, settings));
    const deps = buildDeps({ clients, policy, homeAccount: '123456789012', alerts: { publish: async () => undefined } });
    const dir = mkdtempSync(join(tmpdir(), 'bench-sweep-'));
    // The floor below makes the s3-bucket decision only: sweep the same type so the ratio compares like with like.
    const res = await backfill({ types: ['s3-bucket'] }, { deps, pacer, store: new FileSweepStore(dir), reportFile: join(dir, 'report.json'), summarySink: { publish: async () => undefined } });
    resources = res.totals.total;
    calls = clients.calls;
    rmSync(dir, { recursive: true, force: true });
  } else {
    // The floor: only the calls the decisions need, at the same per-region concurrency, no pacing, no bookkeeping.
    const clients = counting(new ClientFactory(settings));
    await Promise.all(REGIONS.map(async (r) => {
      const s3 = clients.get(S3Client, { region: r });
      const kms = clients.get(KMSClient, { region: r });
      const cmk = (await kms.send(new DescribeKeyCommand({ KeyId: 'alias/data-platform' }))).KeyMetadata?.Arn as string;
      const keys = new Map<string, Promise<string>>();
      const names = ((await s3.send(new ListBucketsCommand({ BucketRegion: r }))).Buckets ?? []).map((b) => b.Name as string);
      await pool(names, SERVICE_CONCURRENCY.s3 as number, async (Bucket) => {
        resources++;
        const rule = (await s3.send(new GetBucketEncryptionCommand({ Bucket })).catch(() => undefined))?.ServerSideEncryptionConfiguration?.Rules?.[0];
        const ref = rule?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
        if (ref && !keys.has(ref) && !ref.startsWith('alias/aws/')) {
          keys.set(ref, kms.send(new DescribeKeyCommand({ KeyId: ref })).then((o) => o.KeyMetadata?.Arn as string));
        }
        const arn = ref ? await keys.get(ref) : undefined;
        // The tags carry the exemption and the objects marker: one read decides both.
        await s3.send(new GetBucketTaggingCommand({ Bucket })).catch(() => undefined);
        if (arn === cmk && rule?.BucketKeyEnabled) return;
        await s3.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: cmk }, BucketKeyEnabled: true }] } }));
        await s3.send(new GetBucketEncryptionCommand({ Bucket }));
        await s3.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: 1 }));
      });
    }));
    calls = clients.calls;
  }
  const wallMs = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ mode, wallMs, resources, calls, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
};

const runChild = (mode: string, endpoint: string): Promise<{ wallMs: number; resources: number; calls: Record<string, number>; maxRssMb: number }> =>
  new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(ROOT, 'scripts', 'run.js'), join(ROOT, 'scripts', 'bench.ts'), '--child', mode, '--endpoint', endpoint], {
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try { resolve(JSON.parse(line)); } catch { reject(new Error(`bench child ${mode} exited ${code}: ${out.slice(-500)}`)); }
    });
  });

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

/** Median of warm on-change events: each re-drifts one bucket first (untimed), then times the event end to end. */
const warmEvents = async (clients: ClientFactory, buckets: string[], n = 40): Promise<{ event: number; rawCall: number }> => {
  const deps = buildDeps({ clients, policy: parsePolicy(policyDoc), homeAccount: '123456789012', alerts: { publish: async () => undefined }, log: { debug() {}, info() {}, warn() {}, error() {} } });
  const times: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < n + 5; i++) {
    const b = buckets[i % buckets.length] as string;
    await clients.get(S3Client, { region: 'us-east-1' }).send(new PutBucketEncryptionCommand({ Bucket: b, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } }));
    const t = performance.now();
    const r = await processEvent(s3Event('PutBucketEncryption', b, 'us-east-1'), deps);
    const ms = performance.now() - t;
    if (r.outcomes[0]?.result !== 'VERIFIED') throw new Error(`warm event on ${b} was not fixed: ${JSON.stringify(r.outcomes[0])}`);
    // The emulator's own cost of one bare read at this estate size, for comparison.
    const t2 = performance.now();
    await clients.get(S3Client, { region: 'us-east-1' }).send(new GetBucketEncryptionCommand({ Bucket: b }));
    const rawMs = performance.now() - t2;
    if (i >= 5) { times.push(ms); raw.push(rawMs); }
  }
  return { event: median(times), rawCall: median(raw) };
};

const bundles = (): { name: string; zipKb: number; loadMs: number; cpuMs: number }[] => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'run.js'), join(ROOT, 'scripts', 'build.ts')], { cwd: ROOT, stdio: 'ignore' });
  const dir = join(ROOT, '.build');
  return readdirSync(dir).map((name) => {
    const zip = join(tmpdir(), `bench-${name}.zip`);
    rmSync(zip, { force: true });
    execFileSync('zip', ['-qr9', zip, '.'], { cwd: join(dir, name) });
    // Wall time and the process's own CPU time: on a shared machine the wall time includes waiting for a core.
    const loads = Array.from({ length: 5 }, () => JSON.parse(execFileSync(process.execPath, ['-e',
      `const t=process.hrtime.bigint(),c=process.cpuUsage();require(${JSON.stringify(join(dir, name, 'index.js'))});const u=process.cpuUsage(c);process.stdout.write(JSON.stringify([Number(process.hrtime.bigint()-t)/1e6,(u.user+u.system)/1e3]))`,
    ], { env: { ...process.env, AWS_REGION: 'us-east-1', POWERTOOLS_LOG_LEVEL: 'ERROR' } }).toString()) as [number, number]);
    return { name, zipKb: statSync(zip).size / 1024, loadMs: median(loads.map((l) => l[0])), cpuMs: median(loads.map((l) => l[1])) };
  });
};

/**
 * A cold start of the built on-change bundle as Lambda runs it: a fresh process loads the bundle (init), then
 * handles one drifted bucket's PutBucketEncryption with the deployed wiring (SNS alerts, idempotency and audit
 * tables on the emulator). Reports init, the first event, and which AWS SDK clients that event loaded.
 */
const coldStarts = async (clients: ClientFactory, endpoint: string, n = 5): Promise<{ initMs: number; firstEventMs: number; clients: string[] }> => {
  const region = 'us-east-1';
  const topic = (await clients.get(SNSClient, { region }).send(new CreateTopicCommand({ Name: 'bench-alerts' }))).TopicArn as string;
  await createIdempotencyTable(clients, region, 'bench-idempotency');
  await createAuditTable(clients, region, 'bench-audit');
  const dir = join(ROOT, '.build', 'on-change');
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
      PATH: process.env.PATH, AWS_ENDPOINT_URL: assertLoopback(endpoint), AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      AWS_REGION: region, CMK_SENTINEL_POLICY: join(dir, 'policy.json'), CMK_SENTINEL_ACCOUNT_ID: '123456789012', ALERT_TOPIC_ARN: topic,
      IDEMPOTENCY_TABLE: 'bench-idempotency', AUDIT_TABLE: 'bench-audit', POWERTOOLS_LOG_LEVEL: 'ERROR',
      BENCH_EVENT: JSON.stringify(s3Event('PutBucketEncryption', bucket, region, { id: `cold-${i}` })),
    };
    // Metrics go to stdout as EMF, as in Lambda; the figures come back on stderr.
    const res = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
    const line = res.stderr.split('\n').find((l) => l.startsWith('BENCH '));
    if (!line) throw new Error(`cold start ${i} failed: ${res.stderr.slice(-800)}`);
    runs.push(JSON.parse(line.slice(6)) as [number, number, string[]]);
  }
  return { initMs: median(runs.map((r) => r[0])), firstEventMs: median(runs.map((r) => r[1])), clients: runs[0]?.[2] ?? [] };
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
  for (const [path, bucket, enc] of [['UpdateObjectEncryption (SSE-S3 source)', 'bench-objects-update', 'AES256'], ['CopyObject (unencrypted source)', 'bench-objects-copy', undefined]] as const) {
    await createBucket(setup, 'us-east-1', bucket);
    await pool(Array.from({ length: n }, (_, i) => `obj/${i}`), 8, async (Key) => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x'.repeat(1024), ...(enc ? { ServerSideEncryption: enc } : {}) }));
    });
    const clients = counting(new ClientFactory(settings));
    const ctx = { clients, keys: new KeyResolver(clients, policy), policy, scope: { region: 'us-east-1' } };
    const t0 = performance.now();
    const data = await rekeyObjects({ type: 's3-bucket', account: '123456789012', region: 'us-east-1', id: bucket }, cmk, undefined, ctx);
    const secs = (performance.now() - t0) / 1000;
    const calls = Object.values(clients.calls).reduce((a, b) => a + b, 0);
    const ops = Object.entries(clients.calls).sort().map(([op, c]) => `${op.replace(/^S3:/, '')} ${fmt(c / n, 2)}`).join(', ');
    if (data.rekeyed !== n) throw new Error(`bench: ${path} re-keyed ${data.rekeyed} of ${n}: ${JSON.stringify(data.failed.slice(0, 2))}`);
    rows.push(`| ${path} | ${n} | ${fmt(secs, 2)} s | ${fmt(n / secs)} | ${fmt(calls / n, 2)} | ${ops} |`);
  }
  say('');
  say(`## Existing objects re-keyed in place (${n} objects of 1 KiB per bucket, 8 at a time, one emulator)`);
  say('');
  say('| path | objects | wall | objects re-keyed/s | API calls per object | per object, by operation |');
  say('|---|---:|---:|---:|---:|---|');
  for (const r of rows) say(r);
  say('');
  say('On AWS the copy path also moves every byte (and is billed as a PUT per object); UpdateObjectEncryption moves none.');
};

const bundleFigures = (say: (s: string) => void, b: ReturnType<typeof bundles>, cold: Awaited<ReturnType<typeof coldStarts>>): void => {
  say('');
  say('## Function bundles (esbuild, minified, AWS SDK left to the Lambda runtime; `zip -9`)');
  say('');
  say('| function | zip | cold module load, wall (median of 5) | of which CPU time |');
  say('|---|---:|---:|---:|');
  for (const x of b) say(`| ${x.name} | ${fmt(x.zipKb)} KB | ${fmt(x.loadMs)} ms | ${fmt(x.cpuMs)} ms |`);
  say('');
  say('## Cold start of the on-change bundle (fresh process: init, then one drifted bucket\'s PutBucketEncryption), median of 5');
  say('');
  say('| init (module load) | first event (loads its rules, clients, policy; re-keys and verifies) | init + first event |');
  say('|---:|---:|---:|');
  say(`| ${fmt(cold.initMs)} ms | ${fmt(cold.firstEventMs)} ms | ${fmt(cold.initMs + cold.firstEventMs)} ms |`);
  say('');
  say(`AWS SDK clients the S3 event loaded: ${cold.clients.join(', ')}.`);
};

export const main = async (argv: string[]): Promise<number> => {
  if (argv[0] === '--child') {
    await child(argv[1] as 'sweep' | 'floor', arg(argv, '--endpoint') as string);
    return 0;
  }
  const total = Number(arg(argv, '--buckets') ?? 1000);
  const perRegion = Math.ceil(total / REGIONS.length);
  const out: string[] = [];
  const say = (s: string) => { console.log(s); out.push(s); };
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  const emu = await startEmulator();
  try {
    const clients = new ClientFactory({ endpoint: assertLoopback(emu.endpoint), maxAttempts: 3, credentials: creds });
    const build = async () => {
      await emu.reset();
      for (const r of REGIONS) await createKey(clients, r, 'alias/data-platform');
      return buildBucketEstate(clients, REGIONS, perRegion);
    };
    const objects = Number(arg(argv, '--objects') ?? 300);
    if (argv.includes('--objects-only')) {
      await emu.reset();
      await objectFigures(emu.endpoint, objects, say);
      const file = arg(argv, '--write');
      if (file) writeFileSync(file, `${out.join('\n')}\n`);
      return 0;
    }
    if (argv.includes('--bundles-only')) {
      await emu.reset();
      await createKey(clients, 'us-east-1', 'alias/data-platform');
      bundleFigures(say, bundles(), await coldStarts(clients, emu.endpoint));
      return 0;
    }
    const t = performance.now();
    const drifted = await build();
    console.log(`estate: ${perRegion * REGIONS.length} buckets in ${REGIONS.join(' + ')}, ${drifted} non-compliant (built in ${fmt((performance.now() - t) / 1000)} s)`);
    const sweep = await runChild('sweep', emu.endpoint);
    if (argv.includes('--sweep-only')) {
      say(`sweep-only: ${sweep.resources} buckets, wall ${fmt(sweep.wallMs / 1000, 2)} s, ${fmt(sweep.resources / (sweep.wallMs / 1000))} resources/s, peak RSS ${fmt(sweep.maxRssMb)} MB`);
      return 0;
    }
    await build();
    const floor = await runChild('floor', emu.endpoint);
    const n = sweep.resources;
    const sumCalls = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

    say(`## Sweep of ${n} S3 buckets in 2 regions (${drifted} non-compliant)`);
    say('');
    say('| measure | sweep | call floor |');
    say('|---|---:|---:|');
    say(`| wall time | ${fmt(sweep.wallMs / 1000, 2)} s | ${fmt(floor.wallMs / 1000, 2)} s |`);
    say(`| resources/s | ${fmt(n / (sweep.wallMs / 1000))} | ${fmt(floor.resources / (floor.wallMs / 1000))} |`);
    say(`| API calls | ${sumCalls(sweep.calls)} | ${sumCalls(floor.calls)} |`);
    say(`| API calls per resource | ${fmt(sumCalls(sweep.calls) / n, 2)} | ${fmt(sumCalls(floor.calls) / floor.resources, 2)} |`);
    say(`| peak RSS (process) | ${fmt(sweep.maxRssMb)} MB | ${fmt(floor.maxRssMb)} MB |`);
    say(`| **sweep / floor wall time** | **${fmt(sweep.wallMs / floor.wallMs, 2)}×** | |`);
    say('');
    say('| operation | sweep calls | per resource | floor calls |');
    say('|---|---:|---:|---:|');
    for (const op of [...new Set([...Object.keys(sweep.calls), ...Object.keys(floor.calls)])].sort()) {
      say(`| ${op} | ${sweep.calls[op] ?? 0} | ${fmt((sweep.calls[op] ?? 0) / n, 3)} | ${floor.calls[op] ?? 0} |`);
    }

    // Warm on-change events: the same work whatever the estate's size.
    const big = await warmEvents(clients, Array.from({ length: 20 }, (_, i) => `bench-us-east-1-${(i * 9) % perRegion}`));
    await emu.reset();
    await createKey(clients, 'us-east-1', 'alias/data-platform');
    for (let i = 0; i < 10; i++) await createBucket(clients, 'us-east-1', `small-${i}`, { kind: 'sse-s3' });
    const small = await warmEvents(clients, Array.from({ length: 10 }, (_, i) => `small-${i}`));
    say('');
    say('## Warm on-change event (PutBucketEncryption → re-read, re-key, verify), median of 40');
    say('');
    say('| buckets in the account | event median | one bare GetBucketEncryption on the emulator (median) | event ÷ bare call |');
    say('|---:|---:|---:|---:|');
    say(`| 10 | ${fmt(small.event)} ms | ${fmt(small.rawCall)} ms | ${fmt(small.event / small.rawCall)} |`);
    say(`| ${perRegion * REGIONS.length} | ${fmt(big.event)} ms | ${fmt(big.rawCall)} ms | ${fmt(big.event / big.rawCall)} |`);

    await emu.reset();
    await objectFigures(emu.endpoint, objects, say);

    await emu.reset();
    await createKey(clients, 'us-east-1', 'alias/data-platform');
    bundleFigures(say, bundles(), await coldStarts(clients, emu.endpoint));
    say('');
    say(`Load average during the run: ${loadavg().map((l) => l.toFixed(1)).join(' / ')} (1 / 5 / 15 min).`);
    say(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 1024 ** 3)} GB RAM, ${osType()} ${release()}, Node ${process.version}, moto server (one process) on loopback.`);
    const file = arg(argv, '--write');
    if (file) writeFileSync(file, `${out.join('\n')}\n`);
    return 0;
  } finally {
    await emu.stop();
  }
};
