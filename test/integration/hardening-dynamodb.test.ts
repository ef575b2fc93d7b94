import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { DynamoDbAuditLog } from '../../shared/audit/dynamodb';
import type { AuditRecord } from '../../shared/audit/audit';
import { ClientFactory } from '../../shared/aws/clients';
import { PowertoolsOnce } from '../../shared/idempotency/once';
import { processEvent } from '../../shared/pipeline/process';
import { createBucket, createKey, s3Event } from '../../testbed/estates/estate';
import { createAuditTable, createIdempotencyTable } from '../../testbed/estates/estate-hardening';
import { type FaultProxy, startFaultProxy } from '../../testbed/fault-proxy';
import { emulatorClients, testDeps, testPolicy, useEmulator, onlyRules } from '../support/harness';
import { DEMO_POLICY_PATH } from '../../testbed/demo-policy';

// Other rules answer some of the same calls; this file is about s3-bucket.
onlyRules('s3-bucket');

const R = 'us-east-1';
const emu = useEmulator();
let proxy: FaultProxy;
let clients: ClientFactory;
let cmkArn: string;
const context = {
  functionName: 'on-change',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

beforeAll(async () => {
  proxy = await startFaultProxy(emu.current.endpoint);
  clients = emulatorClients(proxy.endpoint);
});
afterAll(async () => {
  await proxy.close();
});
beforeEach(async () => {
  await emu.current.reset();
  cmkArn = (await createKey(emu.clients(), R, 'alias/data-platform')).arn;
  await createIdempotencyTable(emu.clients(), R, 'idem');
  await createAuditTable(emu.clients(), R, 'audit');
  proxy.log.length = 0;
});

// The per-resource records (the chain's links and head items live under pk chain#...:
// test/integration/audit-chain.test.ts).
const auditItems = async () =>
  (
    (
      await emu
        .clients()
        .get(DynamoDBClient, { region: R })
        .send(new ScanCommand({ TableName: 'audit' }))
    ).Items ?? []
  )
    .filter((i) => !i.pk?.S?.startsWith('chain#'))
    .map((i) => JSON.parse(i.record?.S as string) as AuditRecord);

describe('idempotency (Powertools, DynamoDB persistence on the emulator)', () => {
  it('a duplicate delivery does nothing new: no AWS call but the idempotency lookup, no second write, no second alert', async () => {
    await createBucket(emu.clients(), R, 'dup-bucket', { kind: 'sse-s3' });
    const deps = testDeps(clients, {
      once: new PowertoolsOnce(clients, 'idem', R),
      audit: new DynamoDbAuditLog(clients, 'audit', R),
    });
    const event = s3Event('PutBucketEncryption', 'dup-bucket', R, { id: 'dup-1' });
    const first = await processEvent(event, deps);
    expect(first.outcomes[0]).toMatchObject({ action: 'REMEDIATE', result: 'VERIFIED' });
    const mark = proxy.log.length;
    const deliveries = 5;
    for (let i = 1; i < deliveries; i++) {
      const again = await processEvent(event, deps);
      expect(again.outcomes[0]).toMatchObject({ action: 'REMEDIATE', result: 'VERIFIED', duplicate: true });
    }
    const after = proxy.log.slice(mark);
    expect(after.filter((r) => r.service !== 'dynamodb')).toEqual([]);
    expect(
      after.filter((r) => r.service === 'dynamodb' && r.operation !== 'PutItem' && r.operation !== 'GetItem'),
    ).toEqual([]);
    expect(deps.alerts.alerts).toHaveLength(1);
    expect(await auditItems()).toHaveLength(1);
    console.info(
      `[figures] duplicates: ${deliveries} deliveries of one event, 1 write, 1 alert, 1 audit record; ${after.length} idempotency-store calls for the ${deliveries - 1} duplicates`,
    );
  });

  it('report mode: without idempotency a duplicate alerts again; with it, it does not', async () => {
    await createBucket(emu.clients(), R, 'rep-bucket', { kind: 'sse-s3' });
    const policy = testPolicy({ mode: 'report' });
    const event = s3Event('CreateBucket', 'rep-bucket', R, { id: 'rep-1' });
    const plain = testDeps(clients, { policy });
    await processEvent(event, plain);
    await processEvent(event, plain);
    expect(plain.alerts.alerts).toHaveLength(2);
    const guarded = testDeps(clients, { policy, once: new PowertoolsOnce(clients, 'idem', R) });
    await processEvent(event, guarded);
    await processEvent(event, guarded);
    expect(guarded.alerts.alerts).toHaveLength(1);
  });

  it('the same resource in a different event is handled again (the key is event id and resource)', async () => {
    await createBucket(emu.clients(), R, 'two-events', { kind: 'sse-s3' });
    const deps = testDeps(clients, {
      policy: testPolicy({ mode: 'report' }),
      once: new PowertoolsOnce(clients, 'idem', R),
    });
    await processEvent(s3Event('CreateBucket', 'two-events', R, { id: 'a' }), deps);
    await processEvent(s3Event('CreateBucket', 'two-events', R, { id: 'b' }), deps);
    expect(deps.alerts.alerts).toHaveLength(2);
  });

  it('the Lambda handler reads IDEMPOTENCY_TABLE and AUDIT_TABLE from its environment', async () => {
    await createBucket(emu.clients(), R, 'env-bucket');
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL: proxy.endpoint, IDEMPOTENCY_TABLE: 'idem', AUDIT_TABLE: 'audit' });
    delete process.env.ALERT_TOPIC_ARN;
    process.env.CMK_SENTINEL_POLICY = DEMO_POLICY_PATH;
    try {
      jest.resetModules();
      const { handler } = await import('../../functions/on-change/handler');
      const event = s3Event('CreateBucket', 'env-bucket', R, { id: 'env-1' });
      expect((await handler(event, context)).outcomes[0]).toMatchObject({ result: 'VERIFIED' });
      const mark = proxy.log.length;
      expect((await handler(event, context)).outcomes[0]).toMatchObject({ duplicate: true });
      expect(proxy.log.slice(mark).filter((r) => r.service === 's3')).toEqual([]);
    } finally {
      process.env = saved;
    }
  });
});

describe('audit trail (append-only, DynamoDB on the emulator)', () => {
  it('records remediation, quarantine and exemption skips with before/after state, the event and the outcome', async () => {
    await createBucket(emu.clients(), R, 'aud-fix', { kind: 'sse-s3' });
    await createBucket(emu.clients(), R, 'aud-quar', { kind: 'sse-s3' });
    await createBucket(emu.clients(), R, 'aud-exempt', { kind: 'sse-s3' }, { 'cmk-sentinel:exempt': 'TEST-EXEMPT' });
    const audit = new DynamoDbAuditLog(clients, 'audit', R);
    await processEvent(s3Event('PutBucketEncryption', 'aud-fix', R, { id: 'e1' }), testDeps(clients, { audit }));
    await processEvent(s3Event('PutBucketEncryption', 'aud-exempt', R, { id: 'e2' }), testDeps(clients, { audit }));
    await processEvent(
      s3Event('PutBucketEncryption', 'aud-quar', R, { id: 'e3' }),
      testDeps(clients, { audit, policy: testPolicy({ mode: 'quarantine' }) }),
    );
    // A compliant resource is no action: no record.
    await processEvent(s3Event('PutBucketEncryption', 'aud-fix', R, { id: 'e4' }), testDeps(clients, { audit }));
    const records = await auditItems();
    const by = (id: string) => records.find((r) => r.resource.id === id);
    expect(records).toHaveLength(3);
    expect(by('aud-fix')).toMatchObject({
      action: 'REMEDIATE',
      result: 'VERIFIED',
      reason: 'NOT_KMS',
      trigger: { eventId: 'e1', eventName: 'PutBucketEncryption', actor: expect.stringContaining('data-engineer') },
      before: { encryption: { algorithm: 'AES256' } },
      after: { encryption: { algorithm: 'aws:kms', keyRef: cmkArn, bucketKey: true } },
    });
    expect(by('aud-exempt')).toMatchObject({
      action: 'SKIP_EXEMPT',
      result: 'NOT_ATTEMPTED',
      before: { encryption: { algorithm: 'AES256' } },
    });
    expect(by('aud-quar')).toMatchObject({
      action: 'QUARANTINE',
      result: 'VERIFIED',
      before: { encryption: { algorithm: 'AES256' } },
      after: { encryption: { algorithm: 'AES256' } },
    });
  });

  it('cannot rewrite a record: a second append with the same id is refused and the original stays', async () => {
    const audit = new DynamoDbAuditLog(clients, 'audit', R);
    const record: AuditRecord = {
      schema: 'cmk-sentinel.audit/v1',
      id: 'fixed-id',
      time: '2026-11-27T10:00:00.000Z',
      resource: { type: 's3-bucket', id: 'b', account: '123456789012', region: R, arn: 'arn:aws:s3:::b' },
      action: 'REMEDIATE',
      result: 'VERIFIED',
      status: 'NON_COMPLIANT',
      trigger: { eventName: 'CreateBucket', source: 's3.amazonaws.com' },
    };
    expect(await audit.append(record)).toBe(true);
    expect(await audit.append({ ...record, result: 'FAILED', time: '2026-11-27T11:00:00.000Z' })).toBe(false);
    const items = await auditItems();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ result: 'VERIFIED', time: '2026-11-27T10:00:00.000Z' });
  });
});
