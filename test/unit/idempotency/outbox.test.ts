import type { Alert, Outcome } from '../../../shared/alerts/alert';
import { CollectingAlertSink } from '../../../shared/alerts/publisher';
import type { OnceKey } from '../../../shared/idempotency/once';
import { type AlertOutbox, DynamoDbAlertOutbox, type OutboxEntry } from '../../../shared/idempotency/outbox';
import { buildDeps } from '../../../shared/pipeline/context';
import { handleResource } from '../../../shared/pipeline/process';
import type { ResourceRef } from '../../../shared/rules/contract';
import { ACCOUNT, offlineClients, testDeps, testPolicy } from '../../support/harness';

// The pipeline's side of the outbox; the DynamoDB adapter and the SNS path are in
// test/integration/alert-outbox.test.ts.
// Nothing here may reach AWS: an evaluation would try the unroutable endpoint and come back as an ERROR outcome.
const ref: ResourceRef = { type: 's3-bucket', account: ACCOUNT, region: 'us-east-1', id: 'b' };
const trigger = { eventId: 'evt-1', eventName: 'PutBucketEncryption', source: 'aws.s3' };
const kept: OutboxEntry = {
  alert: { id: 'alert-1', action: { taken: 'REMEDIATE', result: 'VERIFIED' } } as Alert,
  outcome: { ref, status: 'NON_COMPLIANT', reason: 'NOT_KMS', action: 'REMEDIATE', result: 'VERIFIED' } as Outcome,
};

const memoryOutbox = (
  entries = new Map<string, OutboxEntry>(),
  fail: Partial<Record<keyof AlertOutbox, boolean>> = {},
) => {
  const k = (key: OnceKey) => `${key.eventId}|${key.ref.id}`;
  const calls: string[] = [];
  const outbox: AlertOutbox = {
    async put(key, entry) {
      calls.push('put');
      if (fail.put) throw new Error('put failed');
      entries.set(k(key), entry);
    },
    async get(key) {
      calls.push('get');
      if (fail.get) throw new Error('get failed');
      return entries.get(k(key));
    },
    async delete(key) {
      calls.push('delete');
      if (fail.delete) throw new Error('delete failed');
      entries.delete(k(key));
    },
  };
  return { outbox, entries, calls };
};

describe('alert outbox in the pipeline', () => {
  it("a kept alert is sent and that attempt's outcome returned, without evaluating the resource again", async () => {
    const box = memoryOutbox(new Map([['evt-1|b', kept]]));
    const deps = testDeps(offlineClients(), { outbox: box.outbox });
    const outcome = await handleResource(ref, trigger, deps);
    expect(outcome).toEqual(kept.outcome);
    expect(deps.alerts.alerts).toEqual([kept.alert]);
    expect(box.entries.size).toBe(0);
    expect(box.calls).toEqual(['get', 'delete']);
  });

  it('a kept alert the topic refuses again stays kept and the outcome stays retryable', async () => {
    const box = memoryOutbox(new Map([['evt-1|b', kept]]));
    const deps = testDeps(offlineClients(), {
      outbox: box.outbox,
      alerts: { publish: () => Promise.reject(new Error('SNS down')) } as unknown as CollectingAlertSink,
    });
    const outcome = await handleResource(ref, trigger, deps);
    expect(outcome).toMatchObject({
      action: 'REMEDIATE',
      result: 'VERIFIED',
      error: { retryable: true, message: expect.stringMatching(/alert not delivered/) },
    });
    expect(box.entries.size).toBe(1);
  });

  it('an unreadable outbox makes the event retry rather than act and maybe lose an owed alert', async () => {
    const box = memoryOutbox(new Map(), { get: true });
    const deps = testDeps(offlineClients(), { outbox: box.outbox });
    const outcome = await handleResource(ref, trigger, deps);
    expect(outcome).toMatchObject({
      status: 'ERROR',
      action: 'NONE',
      error: { retryable: true, message: expect.stringMatching(/outbox unreadable/) },
    });
    expect(deps.alerts.alerts).toEqual([]);
  });

  it('an alert that cannot be written to the outbox is still published', async () => {
    const box = memoryOutbox(new Map(), { put: true });
    const deps = testDeps(offlineClients(), { outbox: box.outbox });
    // The offline endpoint makes the describe fail: an ERROR outcome, which alerts.
    const outcome = await handleResource(ref, trigger, deps);
    expect(outcome.status).toBe('ERROR');
    expect(deps.alerts.alerts).toHaveLength(1);
    expect(deps.log.lines.map((l) => l.message)).toContain('alert not kept in the outbox');
  });
});

describe('outbox wiring', () => {
  it('the functions that de-duplicate (IDEMPOTENCY_TABLE) keep their alerts in that table; local runs keep none', () => {
    const base = { clients: offlineClients(), policy: testPolicy(), alerts: new CollectingAlertSink() };
    expect(buildDeps(base, { IDEMPOTENCY_TABLE: 'idem', AWS_REGION: 'eu-west-1' }).outbox).toBeInstanceOf(
      DynamoDbAlertOutbox,
    );
    expect(buildDeps(base, {}).outbox).toBeUndefined();
  });
});
