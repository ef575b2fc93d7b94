import { processEvent } from '../../shared/pipeline/process';
import { offlineClients, testDeps } from '../support/harness';

// No AWS is reached on this path: an unroutable endpoint proves it.
const clients = offlineClients();

describe('an event that cannot be read', () => {
  it('gives one structured log line and one MEDIUM alert naming the field, and is not retried', async () => {
    const deps = testDeps(clients);
    const event = { id: 'evt-9', account: '123456789012', region: 'eu-west-1', source: 'aws.s3', 'detail-type': 'AWS API Call via CloudTrail', detail: { eventSource: 's3.amazonaws.com' } };
    const result = await processEvent(event, deps);
    expect(result).toMatchObject({ kind: 'invalid', outcomes: [], error: { code: 'INVALID_EVENT', field: 'detail.eventName' } });
    expect(deps.log.lines).toHaveLength(1);
    expect(deps.log.lines[0]).toMatchObject({ level: 'error', message: 'invalid event', extra: { code: 'INVALID_EVENT', field: 'detail.eventName', alerted: true } });
    expect(deps.alerts.alerts).toHaveLength(1);
    expect(deps.alerts.alerts[0]).toMatchObject({
      severity: 'MEDIUM', status: 'ERROR', reason: 'INVALID_EVENT',
      resource: { type: 'event', id: 'evt-9', account: '123456789012', region: 'eu-west-1' },
      action: { taken: 'INVALID_EVENT', result: 'NOT_ATTEMPTED' },
      trigger: { eventId: 'evt-9', eventName: 'AWS API Call via CloudTrail', source: 'aws.s3' },
    });
  });

  it('still logs (alerted: false) when the alert cannot be delivered', async () => {
    const deps = testDeps(clients, { alerts: { publish: () => Promise.reject(new Error('SNS down')) } } as never);
    const result = await processEvent(null, deps);
    expect(result.kind).toBe('invalid');
    expect(deps.log.lines).toEqual([expect.objectContaining({ message: 'invalid event', extra: expect.objectContaining({ alerted: false }) })]);
  });
});
