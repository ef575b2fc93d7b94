import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { AuditRecord } from '../../shared/audit/audit';
import { DynamoDbAuditLog } from '../../shared/audit/dynamodb';
import { SnsAlertSink } from '../../shared/alerts/publisher';
import { ClientFactory } from '../../shared/aws/clients';
import { DynamoDbAlertOutbox } from '../../shared/idempotency/outbox';
import { PowertoolsOnce } from '../../shared/idempotency/once';
import { hasRetryableFailure, processEvent } from '../../shared/pipeline/process';
import { alertInbox } from '../../testbed/estates/alert-inbox';
import { createBucket, createKey, s3Event } from '../../testbed/estates/estate';
import { createAuditTable, createIdempotencyTable } from '../../testbed/estates/estate-hardening';
import { type FaultProxy, startFaultProxy } from '../../testbed/fault-proxy';
import { emulatorClients, onlyRules, testDeps, useEmulator } from '../support/harness';

// PutBucketEncryption concerns other rules too; this file is about one remediation's alert.
onlyRules('s3-bucket');

/**
 * A remediation whose alert the topic refused: the outcome is retryable and the event comes back,
 * but by then the resource is compliant and a fresh evaluation has nothing to say. The alert written
 * to the outbox before publishing is what the retry sends. Alerts are counted where a subscriber sees
 * them: an SQS queue subscribed to the SNS topic on the emulator; the fault (SNS Publish answered
 * HTTP 500 InternalFailure) comes from the fault proxy between the SDK and the emulator.
 */
const R = 'us-east-1';
const emu = useEmulator();
let proxy: FaultProxy;
let clients: ClientFactory;

const failPublish = () =>
  proxy.setPlan({ rate: 1, kinds: ['error500'], when: (r) => r.service === 'sns' && r.operation === 'Publish' });

beforeAll(async () => {
  proxy = await startFaultProxy(emu.current.endpoint);
  clients = emulatorClients(proxy.endpoint);
});
afterAll(async () => {
  await proxy.close();
});
beforeEach(async () => {
  await emu.current.reset();
  proxy.setPlan(undefined);
  await createKey(emu.clients(), R, 'alias/data-platform');
  await createIdempotencyTable(emu.clients(), R, 'idem');
  await createAuditTable(emu.clients(), R, 'audit');
});

const setup = async (bucket: string) => {
  await createBucket(emu.clients(), R, bucket, { kind: 'sse-s3' });
  const inbox = await alertInbox(emu.clients(), R);
  const deps = testDeps(clients, {
    once: new PowertoolsOnce(clients, 'idem', R),
    outbox: new DynamoDbAlertOutbox(clients, 'idem', R),
    alerts: new SnsAlertSink(clients, inbox.topicArn),
    audit: new DynamoDbAuditLog(clients, 'audit', R),
  });
  return { inbox, deps, event: s3Event('PutBucketEncryption', bucket, R, { id: `evt-${bucket}` }) };
};

const auditRecords = async () =>
  (
    (
      await emu
        .clients()
        .get(DynamoDBClient, { region: R })
        .send(new ScanCommand({ TableName: 'audit' }))
    ).Items ?? []
  )
    // The record under its resource; the chain's link and head items (pk chain#...) are the hash chain's (issue 18).
    .filter((i) => !i.pk?.S?.startsWith('chain#'))
    .map((i) => JSON.parse(i.record?.S as string) as AuditRecord);

const outboxItems = async () =>
  (
    (
      await emu
        .clients()
        .get(DynamoDBClient, { region: R })
        .send(new ScanCommand({ TableName: 'idem' }))
    ).Items ?? []
  ).filter((i) => i.id?.S?.startsWith('cmk-sentinel.outbox#'));

describe('alert outbox: a failed alert is replayed on retry', () => {
  it('the retry after a refused publish delivers the remediation alert, exactly once', async () => {
    const { inbox, deps, event } = await setup('lost-alert');
    failPublish();
    const first = await processEvent(event, deps);
    expect(first.outcomes[0]).toMatchObject({ action: 'REMEDIATE', result: 'VERIFIED', error: { retryable: true } });
    expect(hasRetryableFailure(first)).toBe(true);
    expect(await inbox.receive()).toEqual([]);

    proxy.setPlan(undefined);
    const retry = await processEvent(event, deps);
    expect(retry.outcomes[0]).toMatchObject({ action: 'REMEDIATE', result: 'VERIFIED' });
    expect(retry.outcomes[0]?.error).toBeUndefined();
    expect(hasRetryableFailure(retry)).toBe(false);
    const got = await inbox.receive();
    expect(got.map((a) => `${a.resource.id} ${a.reason} ${a.action.taken} ${a.action.result}`)).toEqual([
      'lost-alert NOT_KMS REMEDIATE VERIFIED',
    ]);
    expect(got[0]?.error).toBeUndefined();
    expect(await outboxItems()).toEqual([]);
    // One action, one audit record: the replay re-appends the same record id, which the table refuses.
    expect((await auditRecords()).map((r) => `${r.action} ${r.result}`)).toEqual(['REMEDIATE VERIFIED']);

    // A later duplicate of the same event: the stored outcome, nothing published again.
    const dup = await processEvent(event, deps);
    expect(dup.outcomes[0]).toMatchObject({ duplicate: true });
    expect(await inbox.receive()).toEqual([]);
  });

  it('an alert refused on the first two deliveries goes out once on the third', async () => {
    const { inbox, deps, event } = await setup('twice-refused');
    failPublish();
    expect(hasRetryableFailure(await processEvent(event, deps))).toBe(true);
    expect(hasRetryableFailure(await processEvent(event, deps))).toBe(true);
    expect(await outboxItems()).toHaveLength(1);
    proxy.setPlan(undefined);
    expect(hasRetryableFailure(await processEvent(event, deps))).toBe(false);
    expect((await inbox.receive()).map((a) => `${a.action.taken} ${a.action.result}`)).toEqual(['REMEDIATE VERIFIED']);
    expect(await outboxItems()).toEqual([]);
  });

  it('a delivered alert leaves nothing in the outbox', async () => {
    const { inbox, deps, event } = await setup('delivered');
    await processEvent(event, deps);
    expect(await inbox.receive()).toHaveLength(1);
    expect(await outboxItems()).toEqual([]);
  });
});
