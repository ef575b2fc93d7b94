import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { alertInbox } from '../../testbed/estates/alert-inbox';
import { createQueue } from '../../testbed/estates/estate-hardening';
import { SnsAlertSink } from '../../shared/alerts/publisher';
import { deadLetterBody, redrive } from '../../shared/dlq/dead-letter';
import { SentinelError } from '../../shared/errors';
import { testDeps, useEmulator } from '../support/harness';

const R = 'us-east-1';
const emu = useEmulator();
const sample = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'events', 'rds-reencrypt', 'execution-timed-out.json'), 'utf8'),
);
const context = {
  functionName: 'workflow-step',
  awsRequestId: 'req-ended',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;
const saved = { ...process.env };

afterAll(() => {
  process.env = saved;
});

/** The deployed wiring: the workflow-step Lambda handler, its deps from the environment, alerts through SNS on the
 * emulator. */
describe('an execution that timed out, was stopped, or could not alert: the watcher alerts for it', () => {
  let inbox: Awaited<ReturnType<typeof alertInbox>>;
  let handler: (event: unknown, ctx: Context) => Promise<unknown>;

  beforeAll(async () => {
    await emu.current.reset();
    inbox = await alertInbox(emu.clients(), R, 'workflow-ended');
    process.env.AWS_ENDPOINT_URL = emu.current.endpoint;
    process.env.AWS_REGION = R;
    process.env.ALERT_TOPIC_ARN = inbox.topicArn;
    delete process.env.CMK_SENTINEL_POLICY;
    ({ handler } = await import('../../functions/workflow-step/handler'));
  });

  it('a timed-out execution becomes one HIGH alert in the one format, naming the database, the execution and what is kept', async () => {
    await expect(handler(sample, context)).resolves.toMatchObject({ alerted: true, status: 'TIMED_OUT' });
    const [alert, ...more] = await inbox.receive();
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      schema: 'cmk-sentinel.alert/v1',
      resource: { type: 'rds-instance', id: 'orders-db', account: '123456789012', region: R },
      severity: 'HIGH',
      status: 'NON_COMPLIANT',
      action: { taken: 'REMEDIATE', result: 'FAILED' },
      error: { code: 'WORKFLOW_TIMED_OUT' },
      trigger: { eventId: sample.id, source: 'aws.states' },
    });
    expect(alert?.action.detail).toContain(sample.detail.executionArn);
    expect(alert?.action.detail).toContain('orders-db-cmk-src, orders-db-cmk-copy, orders-db-cmk');
  });

  it('a failure the workflow already alerted (its Abort ran) sends nothing more; a failed alert step does', async () => {
    await expect(
      handler(
        { ...sample, id: 'f1', detail: { ...sample.detail, status: 'FAILED', error: 'REENCRYPTION_FAILED' } },
        context,
      ),
    ).resolves.toMatchObject({ alerted: false });
    await expect(
      handler({ ...sample, id: 'f2', detail: { ...sample.detail, status: 'FAILED', error: 'ALERT_FAILED' } }, context),
    ).resolves.toMatchObject({ alerted: true });
    expect((await inbox.receive()).map((a) => a.error?.code)).toEqual(['WORKFLOW_FAILED']);
  });

  it('an unreadable status event is not lost: a MEDIUM invalid-event alert names the field, and nothing is retried', async () => {
    const result = await handler({ ...sample, id: 'bad', detail: { ...sample.detail, input: null } }, context);
    expect(result).toMatchObject({ alerted: true, error: { code: 'INVALID_EVENT', field: 'detail.input' } });
    const [alert] = await inbox.receive();
    expect(alert).toMatchObject({
      severity: 'MEDIUM',
      status: 'ERROR',
      reason: 'INVALID_EVENT',
      resource: { type: 'event', id: 'bad' },
    });
  });

  it('its dead letter is redriven to the same alert (not through the event pipeline, which would drop it); kept while the alert cannot be sent', async () => {
    const clients = emu.clients();
    const queueUrl = await createQueue(clients, R, 'on-change-dlq');
    await clients.get(SQSClient, { region: R }).send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: deadLetterBody(
          { ...sample, id: 'dl-1' },
          { code: 'AWS_UNAVAILABLE', message: 'sns:Publish failed' },
          new Date(),
        ),
      }),
    );
    const refusing = testDeps(clients, {
      alerts: {
        publish: async () => {
          throw new SentinelError('ACCESS_DENIED', 'sns:Publish was denied');
        },
      },
    });
    await expect(redrive(queueUrl, refusing, { region: R })).resolves.toMatchObject({
      received: 1,
      redriven: 0,
      stillFailing: 1,
      results: [{ kind: 'workflow-end', cause: { code: 'ACCESS_DENIED' } }],
    });
    const deps = testDeps(clients, { alerts: new SnsAlertSink(clients, inbox.topicArn) });
    await expect(redrive(queueUrl, deps, { region: R })).resolves.toMatchObject({
      received: 1,
      redriven: 1,
      stillFailing: 0,
    });
    expect((await inbox.receive()).map((a) => [a.trigger.eventId, a.error?.code])).toEqual([
      ['dl-1', 'WORKFLOW_TIMED_OUT'],
    ]);
    expect(
      (
        await clients
          .get(SQSClient, { region: R })
          .send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0 }))
      ).Messages ?? [],
    ).toHaveLength(0);
  });
});
