import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../cli/main';
import { DEMO_POLICY_PATH } from '../../testbed/demo-policy';
import { createBucket, createKey } from '../../testbed/estates/estate';
import { createInstance } from '../../testbed/estates/estate-rds';
import { useEmulator } from '../support/harness';

/** `cmk-sentinel` as a user runs it, against the emulator: the endpoint and dummy credentials from the environment. */
const emu = useEmulator();
const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'cli-'));
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  env = {
    ...process.env,
    AWS_ENDPOINT_URL: emu.current.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    CMK_SENTINEL_POLICY: DEMO_POLICY_PATH,
    CMK_SENTINEL_ACCOUNT_ID: '123456789012',
    CMK_SENTINEL_SWEEP_DIR: join(dir, 'sweeps'),
    CMK_SENTINEL_WAIT_SCALE: '0',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ALERT_TOPIC_ARN: '',
  };
  Object.assign(process.env, env);
  delete process.env.ALERT_TOPIC_ARN;
  await createKey(emu.clients(), 'us-east-1', 'alias/data-platform');
});

const run = async (args: string[]) => {
  const out: string[] = [];
  const code = await main(args, (s) => out.push(s));
  return { code, text: out.join('\n') };
};

const eventFile = (path: string, edit: (e: { detail: Record<string, Record<string, unknown>> }) => void): string => {
  const e = JSON.parse(readFileSync(join(root, 'events', path), 'utf8'));
  edit(e);
  const f = join(dir, `${path.replace(/\W/g, '_')}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(f, JSON.stringify(e));
  return f;
};

describe('cmk-sentinel CLI on the emulator', () => {
  it('handle re-encrypts an unencrypted RDS instance in-process when no state machine is configured', async () => {
    delete process.env.RDS_REENCRYPT_STATE_MACHINE_ARN;
    // MySQL 5.6 is outside Blue/Green (route.ts): the restore path leaves a verified copy named cli-orders-cmk.
    await createInstance(emu.clients(), 'us-east-1', 'cli-orders', { engineVersion: '5.6.51' });
    const file = eventFile('rds-instance/CreateDBInstance.json', (e) => {
      (e.detail.requestParameters as Record<string, unknown>).dBInstanceIdentifier = 'cli-orders';
      (e.detail.responseElements as Record<string, unknown>).dBInstanceIdentifier = 'cli-orders';
    });
    const { code, text } = await run(['handle', file]);
    const result = JSON.parse(text);
    const rds = result.outcomes.find((o: { ref: { type: string } }) => o.ref.type === 'rds-instance');
    expect(rds).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'UNENCRYPTED',
      action: 'REMEDIATE',
      result: 'PENDING',
    });
    expect(result.workflows).toEqual([expect.objectContaining({ workflow: 'rds-reencrypt', status: 'SUCCEEDED' })]);
    const copy = (
      await emu
        .clients()
        .get(RDSClient, { region: 'us-east-1' })
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'cli-orders-cmk' }))
    ).DBInstances?.[0];
    expect(copy).toMatchObject({
      StorageEncrypted: true,
      KmsKeyId: expect.stringMatching(/^arn:aws:kms:us-east-1:123456789012:key\//),
    });
    // Other rules answering the same call (rds-tls) may fail on their own; the RDS re-encryption did not.
    expect(code).toBe(result.outcomes.some((o: { status: string }) => o.status === 'ERROR') ? 1 : 0);
  });

  it('the bin prints only the result on stdout (logs on stderr), so `handle f.json | jq .` parses', async () => {
    await createBucket(emu.clients(), 'us-east-1', 'example-data-lake', { kind: 'sse-s3' });
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(root, 'bin', 'cmk-sentinel.js'), 'handle', join(root, 'events', 's3-bucket', 'CreateBucket.json')],
      { env, cwd: root },
    );
    expect(JSON.parse(stdout).outcomes[0]).toMatchObject({ ref: { id: 'example-data-lake' }, result: 'VERIFIED' });
    expect(stderr).toMatch(/"message":"resource evaluated"/);
  });

  it('a resume with --dry-run of a sweep that changes things is refused (exit 2), not run live', async () => {
    await createBucket(emu.clients(), 'us-east-1', 'resume-me', { kind: 'sse-s3' });
    const first = await run([
      'backfill',
      '--types',
      'kms-key',
      '--regions',
      'us-east-1',
      '--sweep-id',
      'live-1',
      '--report',
      join(dir, 'r1'),
    ]);
    expect(first.code).toBe(0);
    const resumed = await run([
      'backfill',
      '--types',
      's3-bucket',
      '--regions',
      'us-east-1',
      '--sweep-id',
      'live-1',
      '--dry-run',
    ]);
    expect(resumed.code).toBe(2);
    expect(JSON.parse(resumed.text).error).toMatchObject({ code: 'SWEEP_CONFLICT' });
    expect(JSON.parse(resumed.text).error.conflicts).toHaveLength(2);
  });

  it('a dry run says what would happen to each resource, changes nothing, and its report names mode, policy and dry run', async () => {
    await createBucket(emu.clients(), 'us-east-1', 'dry-plain', { kind: 'sse-s3' });
    await createBucket(emu.clients(), 'us-east-1', 'dry-exempt', { kind: 'sse-s3' }, { 'cmk-sentinel:exempt': 'true' });
    const base = join(dir, 'dry');
    const { code, text } = await run([
      'backfill',
      '--dry-run',
      '--types',
      's3-bucket,rds-instance',
      '--regions',
      'us-east-1',
      '--report',
      base,
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(text).totals.fixed).toBe(0);
    const report = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
    const detail = (id: string) => report.findings.find((f: { id: string }) => f.id === id)?.detail;
    expect(detail('dry-plain')).toBe('dry run: would remediate (re-encrypt with the regional CMK)');
    // The tag alone no longer exempts (it must name a waiver of the policy, issue 18): the preview says so.
    expect(detail('dry-exempt')).toBe(
      'dry run: would remediate (re-encrypt with the regional CMK); tag cmk-sentinel:exempt=true is an UNAPPROVED_EXEMPTION, not honoured',
    );
    expect(detail('cli-orders')).toMatch(
      /^dry run: would remediate .*blocked by gates gates.cutOver, gates.deleteOriginals \(off\)/,
    );
    expect(report).toMatchObject({ dryRun: true, mode: 'per policy (default remediate)', policy: DEMO_POLICY_PATH });
    expect(readFileSync(`${base}.html`, 'utf8')).toContain('Dry run: nothing was changed');
    const enc = await emu
      .clients()
      .get(S3Client, { region: 'us-east-1' })
      .send(new GetBucketEncryptionCommand({ Bucket: 'dry-plain' }));
    expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe(
      'AES256',
    );
  });

  it('usage errors exit 2 and name the problem: unknown region, missing report directory, bad --max, --help', async () => {
    const bad = await run(['backfill', '--regions', 'us-east-9', '--types', 'nope']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.text).error.problems).toEqual([
      expect.stringContaining('us-east-9'),
      expect.stringContaining('nope'),
    ]);
    const report = await run(['backfill', '--types', 's3-bucket', '--report', join(dir, 'missing', 'r')]);
    expect(report).toMatchObject({ code: 2, text: expect.stringContaining('does not exist') });
    expect((await run(['redrive', '--queue', 'http://127.0.0.1:1/q', '--max', 'abc'])).code).toBe(2);
    expect(await run(['handle', '--help'])).toMatchObject({
      code: 0,
      text: expect.stringContaining('Usage: cmk-sentinel handle'),
    });
    expect(await run(['--version'])).toMatchObject({
      code: 0,
      text: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version,
    });
    expect((await run(['handle', 'a.json', 'b.json'])).code).toBe(2);
  });

  it('rules lists every type with its triggers and gates; policy validate lists every problem', async () => {
    const rules = JSON.parse((await run(['rules'])).text);
    expect(rules.find((r: { type: string }) => r.type === 'rds-instance')).toMatchObject({
      gates: ['cutOver', 'deleteOriginals'],
      triggers: { cloudTrail: expect.arrayContaining(['rds:CreateDBInstance']) },
    });
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'cmk: { alias: alias/x }\nregions: [eu-wset-1]\nkeyUsers: ["not a role!"]\naccounts: { ids: [123456789012] }\n',
    );
    const v = await run(['policy', 'validate', bad]);
    expect(v.code).toBe(2);
    expect(v.text).toMatch(/eu-wset-1[\s\S]*not a role![\s\S]*quote it/);
    const init = join(dir, 'new-policy.yaml');
    expect((await run(['policy', 'init', init])).code).toBe(0);
    expect(await run(['policy', 'validate', init])).toMatchObject({
      code: 0,
      text: expect.stringContaining('mode report'),
    });
    expect((await run(['policy', 'init', init])).code).toBe(2);
  });

  it('--format table prints tables and sentences: a rule, a tamper event', async () => {
    expect((await run(['rules', 'rds-instance', '--format', 'table'])).text).toMatch(
      /^rds-instance \(rds\)\n {2}compliant: [\s\S]*gates:\s+cutOver, deleteOriginals/,
    );
    const tamper = await run(['handle', join(root, 'events', 'tamper', 'StopLogging.json'), '--format', 'table']);
    expect(tamper.text).toMatch(/^TAMPER \(CRITICAL, alert sent\): StopLogging on trail/);
    expect(tamper.text).not.toMatch(/not an event/);
    expect((await run(['handle', join(root, 'events', 'tamper', 'StopLogging.json'), '--format', 'yaml'])).code).toBe(
      2,
    );
  });
});
