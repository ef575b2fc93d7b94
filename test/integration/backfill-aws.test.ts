import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoSweepStore } from '../../shared/backfill/dynamodb-store';
import { fanOut } from '../../shared/backfill/fanout';
import { Pacer } from '../../shared/backfill/pacing';
import type { SweepReport } from '../../shared/backfill/report';
import type { ResultRow } from '../../shared/backfill/store';
import type { SweepEngine } from '../../shared/backfill/sweep';
import { createBucket, createKey } from '../../testbed/estates/estate';
import { backfillHandler } from '../../functions/backfill/handler';
import { setEngine, workerHandler } from '../../functions/backfill-worker/handler';
import { ACCOUNT, testDeps, useEmulator } from '../support/harness';

const R = 'us-east-1';
const TABLE = 'sweeps';
const emu = useEmulator();

const row = (unit: string, id: string, status: ResultRow['status'] = 'COMPLIANT'): ResultRow => ({
  unit,
  id,
  status,
  action: 'NONE',
  result: 'NOT_ATTEMPTED',
  at: '2026-11-27T10:00:00Z',
});

beforeEach(async () => {
  await emu.current.reset();
  const db = emu.clients().get(DynamoDBClient, { region: R });
  await db.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'sweep', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'sweep', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
    }),
  );
  await db.send(
    new UpdateTimeToLiveCommand({
      TableName: TABLE,
      TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
    }),
  );
});

describe('DynamoDB sweep store on the emulator', () => {
  it('keeps meta, unit cursors and results, streams them across pages, and counts each unit finished once', async () => {
    const store = new DynamoSweepStore(emu.clients(), TABLE, R);
    const units = ['1/us-east-1/s3-bucket', '1/eu-west-1/s3-bucket'];
    await store.putMeta({ sweepId: 's1', startedAt: 'now', dryRun: false, units });
    expect(await store.getMeta('s1')).toMatchObject({ sweepId: 's1', units });
    expect(await store.getUnit('s1', units[0] as string)).toBeUndefined();
    await store.putUnit('s1', units[0] as string, { seen: 3, done: false });
    expect(await store.getUnit('s1', units[0] as string)).toEqual({ seen: 3, done: false });
    // Enough rows (with padding) to need more than one Query page (1 MB).
    const pad = 'x'.repeat(4000);
    for (let i = 0; i < 300; i++)
      await store.putResult('s1', { ...row(units[i % 2] as string, `b-${i}`), detail: pad });
    expect((await store.doneIds('s1', units[0] as string)).size).toBe(150);
    expect((await store.doneIds('s1', units[0] as string)).has('b-0')).toBe(true);
    let n = 0;
    for await (const r of store.results('s1')) {
      n++;
      expect(r.detail).toBe(pad);
    }
    expect(n).toBe(300);
    expect(await store.finishUnit('s1', units[0] as string)).toBe(1);
    expect(await store.finishUnit('s1', units[0] as string)).toBeUndefined();
    expect(await store.finishUnit('s1', units[1] as string)).toBe(0);
    expect(await store.finishUnit('s1', units[1] as string)).toBeUndefined();
  });
});

describe('fan-out and worker on the emulator', () => {
  it('queues one message per unit; workers sweep them; the last one writes the report to S3 under the CMK and sends the summary', async () => {
    const clients = emu.clients();
    const cmk = {
      [R]: await createKey(clients, R, 'alias/data-platform'),
      'eu-west-1': await createKey(clients, 'eu-west-1', 'alias/data-platform'),
    };
    await createBucket(clients, R, 'reports-bucket', { kind: 'kms', keyId: cmk[R].arn });
    for (const r of [R, 'eu-west-1']) {
      await createBucket(clients, r, `plain-${r}`);
      await createBucket(clients, r, `sses3-${r}`, { kind: 'sse-s3' });
    }
    const q = await clients.get(SQSClient, { region: R }).send(new CreateQueueCommand({ QueueName: 'backfill' }));
    const deps = testDeps(clients);
    const engine: SweepEngine = { deps, store: new DynamoSweepStore(clients, TABLE, R), pacer: new Pacer() };
    const out = await fanOut({ sweepId: 'org-1', types: ['s3-bucket'] }, engine, q.QueueUrl as string);
    expect(out).toEqual({ sweepId: 'org-1', units: 2 });

    const got = await clients
      .get(SQSClient, { region: R })
      .send(new ReceiveMessageCommand({ QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10 }));
    const bodies = (got.Messages ?? []).map((m) => m.Body as string);
    expect(bodies.map((b) => JSON.parse(b).unit).sort()).toEqual([
      `${ACCOUNT}/eu-west-1/s3-bucket`,
      `${ACCOUNT}/us-east-1/s3-bucket`,
    ]);
    const record = (body: string, id: string) => ({
      messageId: id,
      receiptHandle: id,
      body,
      attributes: {},
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:backfill',
      awsRegion: R,
    });
    const event = {
      Records: [...bodies.map((b, i) => record(b, `m${i}`)), record('{"not":"a unit"}', 'bad')],
    } as unknown as SQSEvent;

    setEngine(engine);
    process.env.REPORT_BUCKET = 'reports-bucket';
    try {
      const res = await workerHandler(event);
      // The malformed message alone is handed back; the units are done.
      expect(res).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
    } finally {
      delete process.env.REPORT_BUCKET;
      setEngine(undefined);
    }
    const s3 = clients.get(S3Client, { region: R });
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'reports-bucket', Key: 'sweeps/org-1/report.html' }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toBe(cmk[R].arn);
    const json = JSON.parse(
      await (
        await s3.send(new GetObjectCommand({ Bucket: 'reports-bucket', Key: 'sweeps/org-1/report.json' }))
      ).Body!.transformToString(),
    ) as SweepReport;
    // reports-bucket itself is compliant: 5 buckets, 4 fixed.
    expect(json.totals).toMatchObject({ total: 5, compliant: 1, nonCompliant: 4, fixed: 4, errors: 0 });
    const summary = deps.alerts.alerts.filter((a) => a.reason === 'BACKFILL_SUMMARY');
    expect(summary).toHaveLength(1);
    expect(summary[0]?.detail).toContain('s3://reports-bucket/sweeps/org-1/report.html');

    // A redelivered unit message changes nothing and does not finish the sweep twice.
    setEngine(engine);
    try {
      expect(await workerHandler({ Records: [record(bodies[0] as string, 'again')] } as unknown as SQSEvent)).toEqual({
        batchItemFailures: [],
      });
    } finally {
      setEngine(undefined);
    }
    expect(deps.alerts.alerts.filter((a) => a.reason === 'BACKFILL_SUMMARY')).toHaveLength(1);
  });
});

describe('the backfill function', () => {
  it('with a queue configured, checks the payload, records the sweep and queues one message per unit', async () => {
    const clients = emu.clients();
    const q = await clients.get(SQSClient, { region: R }).send(new CreateQueueCommand({ QueueName: 'units' }));
    const dir = mkdtempSync(join(tmpdir(), 'bf-'));
    writeFileSync(
      join(dir, 'policy.yaml'),
      'cmk: { alias: alias/data-platform }\nregions: [us-east-1, eu-west-1, eu-central-1]\naccounts: { ids: ["210987654321"] }\n',
    );
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: emu.current.endpoint,
      BACKFILL_QUEUE_URL: q.QueueUrl,
      CMK_SENTINEL_SWEEP_TABLE: TABLE,
      CMK_SENTINEL_POLICY: join(dir, 'policy.yaml'),
      CMK_SENTINEL_ACCOUNT_ID: ACCOUNT,
      AWS_REGION: R,
    });
    try {
      await expect(backfillHandler({ regions: 'us-east-1', bogus: 1 })).rejects.toMatchObject({
        code: 'INVALID_EVENT',
      });
      await expect(backfillHandler({ accounts: ['999999999999'] })).rejects.toThrow(/not in policy.accounts.ids/);
      // Checked with the rest of the payload: every problem listed at once.
      await expect(backfillHandler({ types: ['rds-nothing'], regions: 'us-east-9' })).rejects.toMatchObject({
        code: 'INVALID_EVENT',
        message: expect.stringMatching(/us-east-9[\s\S]*unknown resource type\(s\) rds-nothing/),
      });
      const out = await backfillHandler({ dryRun: true, sweepId: 'fn-1', types: ['s3-bucket'] });
      // Two accounts (home + member) x three regions x the one type asked for.
      expect(out).toEqual({ mode: 'fan-out', sweepId: 'fn-1', units: 6 });
      const meta = await new DynamoSweepStore(clients, TABLE, R).getMeta('fn-1');
      expect(meta).toMatchObject({
        dryRun: true,
        units: expect.arrayContaining([`210987654321/eu-central-1/s3-bucket`, `${ACCOUNT}/us-east-1/s3-bucket`]),
      });
      let n = 0;
      for (let i = 0; i < 10 && n < 6; i++)
        n +=
          (
            await clients
              .get(SQSClient, { region: R })
              .send(new ReceiveMessageCommand({ QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10 }))
          ).Messages?.length ?? 0;
      expect(n).toBe(6);
    } finally {
      process.env = saved;
    }
  });
});
