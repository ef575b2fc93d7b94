import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { ClientFactory } from '../aws/clients';
import { translateAwsError } from '../aws/errors';
import { SentinelError } from '../errors';
import type { PipelineDeps } from '../pipeline/context';
import { type EventResult, hasRetryableFailure, processEvent } from '../pipeline/process';
import { redact } from '../redact';
import { isExecutionStatusChange } from '../workflows/rds-reencrypt/ended';
import { isObj } from '../json';

/**
 * Dead letters come in two shapes: Lambda's onFailure destination record
 * ({requestPayload, responsePayload, requestContext}) and EventBridge's target DLQ
 * (the event itself as the body, the cause in ERROR_CODE/ERROR_MESSAGE attributes).
 * Local runs write the Lambda shape, so one redrive reads all three.
 */
export interface DeadLetter {
  event: unknown;
  cause: { code: string; message: string };
}

export const causeOf = (result: EventResult): DeadLetter['cause'] => {
  const failed = result.outcomes.find((o) => o.error?.retryable) ?? result.outcomes.find((o) => o.error);
  if (failed?.error)
    return { code: failed.error.code, message: `${failed.ref.type} ${failed.ref.id}: ${failed.error.message}` };
  if (result.tamper && !result.tamper.delivered)
    return { code: 'AWS_UNAVAILABLE', message: 'tamper alert not delivered' };
  return { code: result.error ? String(result.error.code) : 'UNKNOWN', message: result.message ?? 'failed' };
};

/** The body of a dead letter in Lambda's destination format (what the deployed function's onFailure writes). */
export const deadLetterBody = (event: unknown, cause: DeadLetter['cause'], now: Date, attempts = 1): string =>
  JSON.stringify(
    redact({
      version: '1.0',
      timestamp: now.toISOString(),
      requestContext: {
        requestId: 'local',
        functionArn: 'local:cmk-sentinel:on-change',
        condition: 'RetriesExhausted',
        approximateInvokeCount: attempts,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'SentinelError', errorMessage: cause.message, code: cause.code },
    }),
  );

/** Read a dead letter of any of the three shapes. Total: a body nobody can read is a typed error. */
export const parseDeadLetter = (
  body: string | undefined,
  attributes: Record<string, { StringValue?: string }> = {},
): DeadLetter | SentinelError => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return new SentinelError('INVALID_EVENT', 'dead letter body is not JSON', { details: { field: 'Body' } });
  }
  if (!isObj(parsed))
    return new SentinelError('INVALID_EVENT', 'dead letter body is not a JSON object', { details: { field: 'Body' } });
  if ('requestPayload' in parsed) {
    const r = isObj(parsed.responsePayload) ? parsed.responsePayload : {};
    const code = typeof r.code === 'string' ? r.code : typeof r.errorType === 'string' ? r.errorType : 'UNKNOWN';
    const message = typeof r.errorMessage === 'string' ? r.errorMessage : 'no cause recorded';
    return { event: parsed.requestPayload, cause: { code, message } };
  }
  return {
    event: parsed,
    cause: {
      code: attributes.ERROR_CODE?.StringValue ?? 'UNKNOWN',
      message: attributes.ERROR_MESSAGE?.StringValue ?? 'no cause recorded',
    },
  };
};

const regionOfQueue = (url: string, fallback: string): string =>
  /sqs[.-]([a-z0-9-]+)\.amazonaws\.com/.exec(url)?.[1] ?? fallback;

/** The local equivalent of the function's onFailure destination. */
export const sendDeadLetter = async (
  clients: ClientFactory,
  queueUrl: string,
  region: string,
  event: unknown,
  cause: DeadLetter['cause'],
  now: Date,
): Promise<void> => {
  const sqs = clients.get(SQSClient, { region: regionOfQueue(queueUrl, region) });
  try {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: deadLetterBody(event, cause, now),
        MessageAttributes: {
          ERROR_CODE: { DataType: 'String', StringValue: cause.code },
          ERROR_MESSAGE: { DataType: 'String', StringValue: cause.message.slice(0, 1000) },
        },
      }),
    );
  } catch (e) {
    throw translateAwsError(e, 'sqs:SendMessage', queueUrl);
  }
};

export interface RedriveReport {
  received: number;
  /** Re-processed without a retryable failure and deleted from the queue. */
  redriven: number;
  /** Still failing for a reason a retry may cure: put back on the queue, visible at once. */
  stillFailing: number;
  /** Bodies nobody can read: put back on the queue for a person. */
  unreadable: number;
  results: {
    messageId?: string;
    cause?: DeadLetter['cause'];
    kind?: EventResult['kind'] | 'workflow-end';
    outcome: 'REDRIVEN' | 'STILL_FAILING' | 'UNREADABLE';
    error?: string;
  }[];
}

/**
 * One dead letter again, where it was first sent: a re-encryption workflow's end (the step Lambda's dead
 * letters share the queue) to its alert, anything else through the event pipeline. Failed = keep it: a
 * workflow end whose alert still cannot be sent is kept whatever the cause, as nothing else reports it.
 */
const reprocess = async (
  event: unknown,
  deps: PipelineDeps,
): Promise<{ failed?: DeadLetter['cause']; kind: NonNullable<RedriveReport['results'][number]['kind']> }> => {
  if (isExecutionStatusChange(event)) {
    const { alertExecutionEnd } = await import('../workflows/rds-reencrypt/steps');
    try {
      await alertExecutionEnd(event, deps);
      return { kind: 'workflow-end' };
    } catch (e) {
      const err = e instanceof SentinelError ? e : translateAwsError(e, 'sns:Publish');
      return { failed: { code: err.code, message: err.message }, kind: 'workflow-end' };
    }
  }
  const result = await processEvent(event, deps);
  return hasRetryableFailure(result) ? { failed: causeOf(result), kind: result.kind } : { kind: result.kind };
};

/** Re-process every dead letter on a queue through the same pipeline; delete each one that now goes through. */
export const redrive = async (
  queueUrl: string,
  deps: PipelineDeps,
  opts: { region: string; max?: number; visibilityTimeout?: number },
): Promise<RedriveReport> => {
  const sqs = deps.clients.get(SQSClient, { region: regionOfQueue(queueUrl, opts.region) });
  const report: RedriveReport = { received: 0, redriven: 0, stillFailing: 0, unreadable: 0, results: [] };
  const max = opts.max ?? 1000;
  const seen = new Set<string>();
  // Each message is tried once per run (`seen`); what is not done goes back on the queue at once.
  const release = (handle: string | undefined) =>
    sqs
      .send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: handle, VisibilityTimeout: 0 }))
      .catch((e: unknown) => {
        throw translateAwsError(e, 'sqs:ChangeMessageVisibility', queueUrl);
      });
  while (report.received < max) {
    const out = await sqs
      .send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, max - report.received),
          WaitTimeSeconds: 0,
          VisibilityTimeout: opts.visibilityTimeout ?? 300,
          MessageAttributeNames: ['All'],
        }),
      )
      .catch((e: unknown) => {
        throw translateAwsError(e, 'sqs:ReceiveMessage', queueUrl);
      });
    const all = out.Messages ?? [];
    const messages = all.filter((m) => !seen.has(m.MessageId ?? ''));
    // A message tried already in this run came round again: hand it back untouched.
    for (const m of all) if (seen.has(m.MessageId ?? '')) await release(m.ReceiptHandle);
    if (messages.length === 0) break;
    for (const m of messages) {
      seen.add(m.MessageId ?? '');
      report.received++;
      const letter = parseDeadLetter(m.Body, m.MessageAttributes);
      if (letter instanceof SentinelError) {
        report.unreadable++;
        await release(m.ReceiptHandle);
        report.results.push({ messageId: m.MessageId, outcome: 'UNREADABLE', error: letter.message });
        continue;
      }
      const { failed, kind } = await reprocess(letter.event, deps);
      if (failed) {
        report.stillFailing++;
        await release(m.ReceiptHandle);
        report.results.push({ messageId: m.MessageId, cause: failed, kind, outcome: 'STILL_FAILING' });
        continue;
      }
      await sqs
        .send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }))
        .catch((e: unknown) => {
          throw translateAwsError(e, 'sqs:DeleteMessage', queueUrl);
        });
      report.redriven++;
      report.results.push({ messageId: m.MessageId, cause: letter.cause, kind, outcome: 'REDRIVEN' });
    }
  }
  return report;
};
