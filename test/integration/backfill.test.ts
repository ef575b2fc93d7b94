import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CollectingAlertSink } from '../../shared/alerts/publisher';
import { FileSweepStore } from '../../shared/backfill/file-store';
import { Pacer } from '../../shared/backfill/pacing';
import type { SweepReport } from '../../shared/backfill/report';
import { backfill } from '../../shared/backfill/run';
import { processEvent } from '../../shared/pipeline/process';
import { type BucketEncryption, createBucket, createKey, s3Event } from '../../testbed/estates/estate';
import { checkHtml, tableRows } from '../support/html';
import { ACCOUNT, testDeps, testPolicy, useEmulator } from '../support/harness';

const REGIONS = ['us-east-1', 'eu-west-1'] as const;
// IAM enforced (moto): the sweep runs as the packaged backfill-worker role, a member account through its member role.
const emu = useEmulator({ iam: true, members: ['210987654321'] });

const roleEnv = (fn: 'backfillWorker'): Record<string, string> => {
  const c = emu.credentials?.(fn);
  return c
    ? {
        AWS_ACCESS_KEY_ID: c.accessKeyId,
        AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
        AWS_SESSION_TOKEN: c.sessionToken ?? '',
      }
    : {};
};

const MIX: [string, BucketEncryption, Record<string, string>?][] = [
  ['plain', { kind: 'none' }],
  ['sses3', { kind: 'sse-s3' }],
  ['awsmanaged', { kind: 'kms' }],
  ['nobucketkey', { kind: 'kms', keyId: 'alias/data-platform', bucketKey: false }],
  ['ok', { kind: 'kms', keyId: 'alias/data-platform' }],
  ['exempt', { kind: 'none' }, { 'cmk-sentinel:exempt': 'TEST-EXEMPT' }],
];

/** Two regions, every form of drift, one compliant and one exempt bucket each. */
const buildEstate = async (perKind = 1): Promise<string[]> => {
  const names: string[] = [];
  for (const r of REGIONS) {
    await createKey(emu.clients(), r, 'alias/data-platform');
    for (const [kind, enc, tags] of MIX) {
      for (let i = 0; i < perKind; i++) {
        const name = `${kind}-${i}-${r}`;
        await createBucket(emu.clients(), r, name, enc, tags);
        names.push(name);
      }
    }
  }
  return names;
};

const encryptionOf = async (name: string): Promise<string> => {
  const region = REGIONS.find((r) => name.endsWith(r)) as string;
  try {
    const out = await emu
      .clients()
      .get(S3Client, { region })
      .send(new GetBucketEncryptionCommand({ Bucket: name }));
    return JSON.stringify(out.ServerSideEncryptionConfiguration?.Rules);
  } catch {
    return 'none';
  }
};

const run = (opts: { dryRun?: boolean; sweepId?: string; dir?: string } = {}) => {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'sweep-'));
  const deps = testDeps(emu.clients(), {}, 'backfillWorker');
  const store = new FileSweepStore(dir);
  const summarySink = new CollectingAlertSink();
  const promise = backfill(
    { dryRun: opts.dryRun, sweepId: opts.sweepId, regions: [...REGIONS], types: ['s3-bucket'] },
    { deps, pacer: new Pacer(), store, reportFile: join(dir, 'report.json'), summarySink },
  );
  return { dir, deps, store, summarySink, promise };
};

beforeEach(async () => {
  await emu.current.reset();
});

describe('backfill on the emulator', () => {
  it('sweeps two regions and finds and fixes exactly what the event path would', async () => {
    const names = await buildEstate();
    // What the event path says about each bucket, without changing anything.
    const expected = new Map<string, string>();
    for (const n of names) {
      const region = REGIONS.find((r) => n.endsWith(r)) as string;
      const res = await processEvent(
        s3Event('PutBucketEncryption', n, region),
        testDeps(emu.clients(), { dryRun: true }),
      );
      expected.set(n, `${res.outcomes[0]?.status} ${res.outcomes[0]?.reason ?? ''}`);
    }
    const { promise, store, summarySink } = run();
    const result = await promise;
    const rows = [];
    for await (const r of store.results(result.sweepId)) rows.push(r);
    expect(rows.map((r) => r.id).sort()).toEqual([...names].sort());
    for (const r of rows) expect(`${r.status} ${r.reason ?? ''}`).toBe(expected.get(r.id));
    // Every drifted bucket not exempt is re-keyed and verified; the exempt ones are only reported.
    const nonCompliant = rows.filter((r) => r.status === 'NON_COMPLIANT');
    expect(nonCompliant).toHaveLength(10);
    expect(
      nonCompliant
        .filter((r) => r.result === 'VERIFIED')
        .map((r) => r.id)
        .sort(),
    ).toEqual(names.filter((n) => !/^(ok|exempt)-/.test(n)).sort());
    expect(nonCompliant.filter((r) => r.action === 'SKIP_EXEMPT')).toHaveLength(2);
    expect(result.totals).toMatchObject({ total: 12, compliant: 2, nonCompliant: 10, fixed: 8, errors: 0 });
    // The event path now finds every non-exempt bucket compliant.
    for (const n of names.filter((x) => !x.startsWith('exempt'))) {
      const region = REGIONS.find((r) => n.endsWith(r)) as string;
      const res = await processEvent(s3Event('PutBucketEncryption', n, region), testDeps(emu.clients()));
      expect(res.outcomes[0]?.status).toBe('COMPLIANT');
    }
    expect(summarySink.alerts).toHaveLength(1);
    expect(summarySink.alerts[0]).toMatchObject({
      reason: 'BACKFILL_SUMMARY',
      resource: { type: 'sweep', id: result.sweepId, account: ACCOUNT },
    });
  });

  it("reaches a member account by assuming the policy's role and sweeps it beside the home account", async () => {
    const MEMBER = '210987654321';
    const scope = { region: 'us-east-1', account: MEMBER, roleArn: `arn:aws:iam::${MEMBER}:role/cmk-sentinel-member` };
    const clients = emu.clients();
    await createKey(clients, 'us-east-1', 'alias/data-platform');
    await createBucket(clients, 'us-east-1', 'home-plain');
    // The member's estate is set up by that account's own admin (the member role may not create keys).
    const memberAdmin = emu.adminIn?.(MEMBER) ?? clients;
    const memberScope = emu.adminIn ? { region: 'us-east-1' } : scope;
    const kms = memberAdmin.get(KMSClient, memberScope);
    const key = await kms.send(new CreateKeyCommand({ Description: 'member CMK' }));
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/data-platform', TargetKeyId: key.KeyMetadata?.KeyId }));
    await memberAdmin.get(S3Client, memberScope).send(new CreateBucketCommand({ Bucket: 'member-plain' }));
    const policy = testPolicy({ regions: ['us-east-1'], accounts: { ids: [MEMBER] } });
    const deps = testDeps(clients, { policy }, 'backfillWorker');
    const dir = mkdtempSync(join(tmpdir(), 'sweep-'));
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
    const rows = [];
    for await (const r of new FileSweepStore(dir).results(result.sweepId)) rows.push(r);
    expect(rows.map((r) => `${r.unit} ${r.id} ${r.result}`).sort()).toEqual([
      `${ACCOUNT}/us-east-1/s3-bucket home-plain VERIFIED`,
      `${MEMBER}/us-east-1/s3-bucket member-plain VERIFIED`,
    ]);
    // member-plain exists only in the member account (the emulator isolates accounts): listing it proves the role was
    // assumed.
    const enc = await clients.get(S3Client, scope).send(new GetBucketEncryptionCommand({ Bucket: 'member-plain' }));
    expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe(
      'aws:kms',
    );
    // The member's bucket gets the member's own CMK: the rule context scopes the key resolver to the member account.
    expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID).toBe(
      rows.find((r) => r.id === 'member-plain')?.expectedKey,
    );
  });

  it('a dry run changes nothing and reports what it would do', async () => {
    const names = await buildEstate();
    const before = await Promise.all(names.map(encryptionOf));
    const { promise, deps } = run({ dryRun: true });
    const result = await promise;
    expect(await Promise.all(names.map(encryptionOf))).toEqual(before);
    expect(result.totals).toMatchObject({ total: 12, nonCompliant: 10, fixed: 0 });
    // A waived bucket shows as waived (SKIP_EXEMPT) in a dry run too; every other one is only reported.
    expect(
      deps.alerts.alerts.every(
        (a) => a.action.taken === (a.resource.id.startsWith('exempt') ? 'SKIP_EXEMPT' : 'REPORT'),
      ),
    ).toBe(true);
    expect(deps.alerts.alerts).toHaveLength(10);
  });

  it('one resource failing is recorded and the sweep goes on', async () => {
    const names = await buildEstate();
    // One bucket's read is refused (the emulator ignores bucket-policy denies on bucket-level calls).
    const s3 = emu.as('backfillWorker').get(S3Client, { region: 'us-east-1' });
    s3.middlewareStack.add(
      (next, ctx) => async (args) => {
        if (
          ctx.commandName === 'GetBucketEncryptionCommand' &&
          (args.input as { Bucket: string }).Bucket === 'plain-0-us-east-1'
        ) {
          throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'deny-one' },
    );
    const { promise, store } = run();
    const result = await promise;
    const rows = [];
    for await (const r of store.results(result.sweepId)) rows.push(r);
    expect(rows).toHaveLength(names.length);
    expect(rows.find((r) => r.id === 'plain-0-us-east-1')).toMatchObject({
      status: 'ERROR',
      errorCode: 'ACCESS_DENIED',
    });
    expect(result.totals).toMatchObject({ errors: 1, fixed: 7 });
    s3.middlewareStack.remove('deny-one');
  });

  it('writes JSON, Markdown and well-formed HTML reports with the counts', async () => {
    await buildEstate();
    const { promise, dir } = run();
    const result = await promise;
    expect(result.reports.map((p) => p.slice(dir.length + 1)).sort()).toEqual([
      'report.compliance.json',
      'report.compliance.md',
      'report.csv',
      'report.html',
      'report.json',
      'report.md',
      'report.ocsf.jsonl',
    ]);
    // Evidence beside the report (issue 18): every resource in CSV and OCSF; per framework, the exempt (waived) ones
    // apart.
    expect(readFileSync(join(dir, 'report.csv'), 'utf8').trimEnd().split('\r\n')).toHaveLength(13);
    const ocsf = readFileSync(join(dir, 'report.ocsf.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { class_uid: number; compliance: { status: string } });
    expect(ocsf.map((l) => l.compliance.status).sort()).toEqual([
      ...Array(2).fill('FAILED'),
      ...Array(10).fill('PASSED'),
    ]);
    const summary = JSON.parse(readFileSync(join(dir, 'report.compliance.json'), 'utf8')) as {
      frameworks: {
        framework: string;
        inScope: number;
        compliant: number;
        waived: number;
        failing: number;
        controls: { control: string }[];
      }[];
    };
    expect(summary.frameworks.find((f) => f.framework === 'pci-dss-4')).toMatchObject({
      inScope: 12,
      compliant: 10,
      waived: 2,
      failing: 0,
    });
    expect(readFileSync(join(dir, 'report.compliance.md'), 'utf8')).toMatch(
      /\| TEST-EXEMPT \| ACTIVE \| \d{4}-\d{2}-\d{2} \| \d+ \|/,
    );
    const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as SweepReport;
    expect(json.totals).toMatchObject({
      total: 12,
      compliant: 2,
      nonCompliant: 10,
      fixed: 8,
      compliancePct: 16.7,
      compliancePctAfter: 83.3,
    });
    expect(json.groups.map((g) => `${g.type} ${g.region} ${g.total}`).sort()).toEqual([
      's3-bucket eu-west-1 6',
      's3-bucket us-east-1 6',
    ]);
    expect(json.byReason).toEqual({ UNENCRYPTED: 4, NOT_KMS: 2, AWS_MANAGED_KEY: 2, BUCKET_KEY_DISABLED: 2 });
    expect(json.findings).toHaveLength(10);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(checkHtml(html)).toEqual([]);
    expect(tableRows(html, 'totals')[0]).toEqual(['12', '2', '10', '8', '0', '0']);
    expect(tableRows(html, 'groups')).toHaveLength(2);
    expect(tableRows(html, 'findings')).toHaveLength(10);
    expect(html).toMatch(/<svg[^>]*aria-label="Findings by reason, found and after the sweep"/);
    // Four reasons, each a "found" and an "after the sweep" bar.
    expect((html.match(/<rect class="found"/g) ?? []).length).toBe(4);
    expect((html.match(/<rect class="after"/g) ?? []).length).toBe(4);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('| s3-bucket | 123456789012 | us-east-1 | 6 | 1 | 5 | 4 | 0 | 0 | 16.7% | 83.3% |');
    expect(md.split('\n').filter((l) => l.startsWith('| s3-bucket | 123456789012/'))).toHaveLength(10);
  });

  it('a sweep killed mid-way and resumed with the same id acts on each resource once', async () => {
    // 40 drifted buckets per region, swept by the real CLI in a child process that is then killed.
    for (const r of REGIONS) {
      await createKey(emu.clients(), r, 'alias/data-platform');
      for (let i = 0; i < 40; i++) await createBucket(emu.clients(), r, `drift-${i}-${r}`, { kind: 'sse-s3' });
    }
    const dir = mkdtempSync(join(tmpdir(), 'sweep-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'cmk: { alias: alias/data-platform }\nregions: [us-east-1, eu-west-1]\nmode: remediate\n');
    const log = join(dir, 'killed', 'log.jsonl');
    const child = spawn(
      process.execPath,
      [
        join(__dirname, '..', '..', 'bin', 'cmk-sentinel.js'),
        'backfill',
        '--types',
        's3-bucket',
        '--sweep-id',
        'killed',
      ],
      {
        // The sweep's code runs as the worker role (IAM enforced): its credentials, from the environment.
        env: {
          ...process.env,
          ...roleEnv('backfillWorker'),
          AWS_ENDPOINT_URL: emu.current.endpoint,
          CMK_SENTINEL_SWEEP_DIR: dir,
          CMK_SENTINEL_POLICY: policy,
          CMK_SENTINEL_ACCOUNT_ID: ACCOUNT,
          CMK_SENTINEL_RATES: 's3=15',
        },
        stdio: 'ignore',
      },
    );
    const results = () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter((l) => l.includes('"k":"res"')).length
        : 0;
    const deadline = Date.now() + 30_000;
    while (results() < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const doneBefore = results();
    expect(doneBefore).toBeGreaterThanOrEqual(10);
    expect(doneBefore).toBeLessThan(80);
    const killedRun = new Set(
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"k":"res"'))
        .map((l) => (JSON.parse(l) as { row: { id: string } }).row.id),
    );

    // Count the re-keying calls of the resumed run.
    const puts: string[] = [];
    const s3 = (r: string) => emu.as('backfillWorker').get(S3Client, { region: r });
    for (const r of REGIONS) {
      s3(r).middlewareStack.add(
        (next, ctx) => async (args) => {
          if (ctx.commandName === 'PutBucketEncryptionCommand') puts.push((args.input as { Bucket: string }).Bucket);
          return next(args);
        },
        { step: 'initialize', name: `count-${r}` },
      );
    }
    try {
      const { promise, store } = run({ sweepId: 'killed', dir });
      const result = await promise;
      const rows = [];
      for await (const r of store.results('killed')) rows.push(r);
      const ids = rows.map((r) => r.id);
      expect(ids).toHaveLength(80);
      expect(new Set(ids).size).toBe(80);
      const resumed = rows.filter((r) => !killedRun.has(r.id));
      // The resumed run never touched what the killed one recorded, and re-keyed each of the rest once;
      // a bucket the killed run re-keyed but had not yet recorded still carries the objects marker (set before its
      // object pass, issue 13): it reads OBJECTS_NOT_ON_CMK and finishes its objects without writing the default again.
      expect(puts.filter((b) => killedRun.has(b))).toEqual([]);
      expect(new Set(puts).size).toBe(puts.length);
      expect(puts.sort()).toEqual(
        resumed
          .filter((r) => r.action === 'REMEDIATE' && r.reason !== 'OBJECTS_NOT_ON_CMK')
          .map((r) => r.id)
          .sort(),
      );
      for (const r of resumed) expect(r.action === 'REMEDIATE' ? r.result : r.status).toMatch(/^(VERIFIED|COMPLIANT)$/);
      expect(
        rows.filter((r) => killedRun.has(r.id)).every((r) => r.reason === 'NOT_KMS' && r.result === 'VERIFIED'),
      ).toBe(true);
      expect(result.totals.errors).toBe(0);
      expect(result.totals.compliant + result.totals.fixed).toBe(80);
    } finally {
      for (const r of REGIONS) s3(r).middlewareStack.remove(`count-${r}`);
    }
  });
});
