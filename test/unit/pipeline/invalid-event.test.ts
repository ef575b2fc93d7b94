import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processEvent } from '../../../shared/pipeline/process';
import { offlineClients, testDeps } from '../../support/harness';

// No AWS is reached on this path: an unroutable endpoint proves it.
const clients = offlineClients();

describe('an event that cannot be read', () => {
  it('gives one structured log line and one MEDIUM alert naming the field, and is not retried', async () => {
    const deps = testDeps(clients);
    const event = {
      id: 'evt-9',
      account: '123456789012',
      region: 'eu-west-1',
      source: 'aws.s3',
      'detail-type': 'AWS API Call via CloudTrail',
      detail: { eventSource: 's3.amazonaws.com' },
    };
    const result = await processEvent(event, deps);
    expect(result).toMatchObject({
      kind: 'invalid',
      outcomes: [],
      error: { code: 'INVALID_EVENT', field: 'detail.eventName' },
    });
    expect(deps.log.lines).toHaveLength(1);
    expect(deps.log.lines[0]).toMatchObject({
      level: 'error',
      message: 'invalid event',
      extra: { code: 'INVALID_EVENT', field: 'detail.eventName', alerted: true },
    });
    expect(deps.alerts.alerts).toHaveLength(1);
    expect(deps.alerts.alerts[0]).toMatchObject({
      severity: 'MEDIUM',
      status: 'ERROR',
      reason: 'INVALID_EVENT',
      resource: { type: 'event', id: 'evt-9', account: '123456789012', region: 'eu-west-1' },
      action: { taken: 'INVALID_EVENT', result: 'NOT_ATTEMPTED' },
      trigger: { eventId: 'evt-9', eventName: 'AWS API Call via CloudTrail', source: 'aws.s3' },
    });
  });

  it('still logs (alerted: false) when the alert cannot be delivered', async () => {
    const deps = testDeps(clients, { alerts: { publish: () => Promise.reject(new Error('SNS down')) } } as never);
    const result = await processEvent(null, deps);
    expect(result.kind).toBe('invalid');
    expect(deps.log.lines).toEqual([
      expect.objectContaining({ message: 'invalid event', extra: expect.objectContaining({ alerted: false }) }),
    ]);
  });
});

describe('events the pipeline will not process say why (issue 16 item 5)', () => {
  const sample = (path: string) => JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'events', path), 'utf8'));

  it('the INVALID_EVENT alert names the field, read from the error details', async () => {
    const deps = testDeps(clients);
    await processEvent(
      { id: 'e1', 'detail-type': 'AWS API Call via CloudTrail', detail: { eventSource: 's3.amazonaws.com' } },
      deps,
    );
    expect(deps.alerts.alerts[0]?.action.detail).toBe('Not processed; field detail.eventName');
  });

  it('a wrongly typed id (bucketName: 42) is an invalid event naming the field, with an alert, not ignored', async () => {
    const deps = testDeps(clients);
    const event = sample('s3-bucket/CreateBucket.json');
    event.detail.requestParameters.bucketName = 42;
    const result = await processEvent(event, deps);
    expect(result).toMatchObject({
      kind: 'invalid',
      error: { code: 'INVALID_EVENT', field: 'detail.requestParameters.bucketName' },
    });
    expect(result.message).toMatch(/bucketName is a number, expected a string/);
    expect(deps.alerts.alerts[0]?.action.detail).toBe('Not processed; field detail.requestParameters.bucketName');
  });

  it('an ignored event logs its reason under a key Powertools keeps (not the reserved "message")', async () => {
    const deps = testDeps(clients);
    await processEvent(sample('s3-bucket/CreateBucket-failed.json'), deps);
    expect(deps.log.lines).toEqual([
      expect.objectContaining({
        message: 'event ignored',
        extra: expect.objectContaining({ reason: 'FAILED_CALL', why: expect.stringContaining('failed') }),
      }),
    ]);
    expect(deps.log.lines[0]?.extra).not.toHaveProperty('message');
  });

  it('an event from a region outside policy.regions is ignored with a reason, not failed KEY_NOT_FOUND', async () => {
    const deps = testDeps(clients);
    const event = sample('s3-bucket/CreateBucket.json');
    event.region = 'ap-southeast-2';
    event.detail.awsRegion = 'ap-southeast-2';
    const result = await processEvent(event, deps);
    expect(result).toMatchObject({ kind: 'ignored', reason: 'OUTSIDE_POLICY_REGIONS', outcomes: [] });
    expect(result.message).toMatch(/ap-southeast-2: not one of the policy's regions \(us-east-1, eu-west-1\)/);
    expect(deps.alerts.alerts).toEqual([]);
  });

  it('a tamper event says tampering was detected, not "not an event cmk-sentinel handles"', async () => {
    const deps = testDeps(clients);
    const result = await processEvent(sample('tamper/StopLogging.json'), deps);
    expect(result.tamper?.alert.severity).toBe('CRITICAL');
    expect(result.message).toMatch(/^Tampering with cmk-sentinel detected \(TAMPER_TRAIL\).*CRITICAL alert sent/);
    expect(result.message).not.toMatch(/not an event/);
  });
});
