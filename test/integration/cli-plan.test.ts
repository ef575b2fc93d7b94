import { GetBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main';
import { createBucket, createKey } from '../../testbed/estates/estate';
import { createStream } from '../../testbed/estates/estate-data-platform';
import { useEmulator } from '../support/harness';
import { recordRequests } from '../../testbed/requests';

/** `cmk-sentinel plan` and the backfill's dry run print each resource's plan, and send no write to AWS. */
const emu = useEmulator();
const dir = mkdtempSync(join(tmpdir(), 'cli-plan-'));
const R = 'us-east-1';

beforeAll(async () => {
  const policy = join(dir, 'policy.yaml');
  writeFileSync(
    policy,
    ['version: 1', 'cmk:', '  alias: alias/data-platform', 'regions: [us-east-1]', 'mode: remediate', ''].join('\n'),
  );
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: emu.current.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: R,
    CMK_SENTINEL_POLICY: policy,
    CMK_SENTINEL_ACCOUNT_ID: '123456789012',
    CMK_SENTINEL_SWEEP_DIR: join(dir, 'sweeps'),
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  delete process.env.ALERT_TOPIC_ARN;
  await createKey(emu.clients(), R, 'alias/data-platform');
  await createBucket(emu.clients(), R, 'raw-zone', { kind: 'sse-s3' });
  await createStream(emu.clients(), R, 'iot-telemetry');
});

const READ = /^(Describe|Get|List|Head|Lookup)/;

/** Run the CLI with every request recorded; the production code's writes (none expected) are returned apart. */
const run = async (args: string[]) => {
  const out: string[] = [];
  const rec = recordRequests();
  try {
    const code = await main(args, (s) => out.push(s));
    const sent = rec.requests.filter((r) => r.as !== 'setup');
    return { code, text: out.join('\n'), sent, writes: sent.filter((r) => !READ.test(r.operation)) };
  } finally {
    rec.stop();
  }
};

describe('cmk-sentinel plan', () => {
  it('json: per non-compliant resource the action and its calls, in order, with gates, downtime and cost; no writes', async () => {
    const r = await run(['plan', '--type', 's3-bucket', '--format', 'json']);
    expect(r.code).toBe(0);
    const { plans } = JSON.parse(r.text);
    const raw = plans.find((p: { resource: { id: string } }) => p.resource.id === 'raw-zone');
    expect(raw).toMatchObject({ status: 'NON_COMPLIANT', reason: 'NOT_KMS', action: 'REMEDIATE' });
    expect(raw.plan.steps.slice(0, 3)).toEqual([
      expect.objectContaining({ service: 's3', operation: 'PutBucketEncryption', write: true, destructive: false }),
      expect.objectContaining({ service: 's3', operation: 'GetBucketEncryption', write: false }),
      expect.objectContaining({ service: 's3', operation: 'PutBucketTagging', write: true }),
    ]);
    expect(raw.plan.steps[0].input).toMatchObject({ Bucket: 'raw-zone', SSEAlgorithm: 'aws:kms' });
    expect(raw.plan.downtime).toEqual({ kind: 'NONE' });
    expect(raw.plan.cost.map((c: { class: string }) => c.class)).toContain('S3_REQUESTS_PER_OBJECT');
    expect(r.sent.length).toBeGreaterThan(0);
    expect(r.writes).toEqual([]);
    // Nothing changed: the bucket is still on SSE-S3.
    const enc = await emu
      .clients()
      .get(S3Client, { region: R })
      .send(new GetBucketEncryptionCommand({ Bucket: 'raw-zone' }));
    expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe(
      'AES256',
    );
  });

  it('table for one resource id, with --mode quarantine: the quarantine calls', async () => {
    const r = await run([
      'plan',
      '--type',
      'kinesis-stream',
      '--mode',
      'quarantine',
      '--format',
      'table',
      'iot-telemetry',
    ]);
    expect(r.code).toBe(0);
    expect(r.text).toContain('kinesis-stream/iot-telemetry (us-east-1): NON_COMPLIANT UNENCRYPTED → QUARANTINE');
    expect(r.text).toMatch(/1\. kinesis:ListTagsForStream StreamName=iot-telemetry \[read\]/);
    expect(r.text).toMatch(/kinesis:AddTagsToStream .*\[write\]/);
    expect(r.text).toContain('downtime: none');
    expect(r.text).toContain('1 resources, 1 with a plan; nothing was changed');
    expect(r.writes).toEqual([]);
  });

  it('usage: --help, an id without --type, an unknown type or mode exit 2 (help 0)', async () => {
    expect(await run(['plan', '--help'])).toMatchObject({
      code: 0,
      text: expect.stringContaining('Usage: cmk-sentinel plan'),
    });
    expect(await run(['help', 'plan'])).toMatchObject({ code: 0, text: expect.stringContaining('Read-only') });
    expect((await run(['plan', 'raw-zone'])).code).toBe(2);
    expect((await run(['plan', '--type', 'nope'])).code).toBe(2);
    expect((await run(['plan', '--mode', 'delete'])).code).toBe(2);
  });
});

describe('backfill --dry-run', () => {
  it('prints the plan per resource and its report carries it; no writes to AWS', async () => {
    const base = join(dir, 'dry');
    const r = await run([
      'backfill',
      '--dry-run',
      '--types',
      's3-bucket,kinesis-stream',
      '--regions',
      R,
      '--format',
      'table',
      '--report',
      base,
    ]);
    expect(r.code).toBe(0);
    expect(r.text).toContain('plans:');
    expect(r.text).toContain('s3-bucket/raw-zone (us-east-1): NON_COMPLIANT NOT_KMS → REMEDIATE');
    expect(r.text).toMatch(/kinesis:StartStreamEncryption StreamName=iot-telemetry .*\[write\]/);
    expect(r.writes).toEqual([]);
    const report = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
    const stream = report.findings.find((f: { id: string }) => f.id === 'iot-telemetry');
    expect(stream.plan.steps.map((s: { operation: string }) => s.operation)).toEqual([
      'StartStreamEncryption',
      'DescribeStreamSummary',
    ]);
  });
});
