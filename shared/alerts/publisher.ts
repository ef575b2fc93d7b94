import type { ClientFactory } from '../aws/clients';
import { translateAwsError } from '../aws/errors';
import { lazily } from '../lazy';
import { type Alert, subjectOf } from './alert';

export interface AlertSink {
  publish(alert: Alert): Promise<void>;
}

// Loaded with the first alert: an event about a compliant resource sends none.
const snsSdk = lazily(() => import('@aws-sdk/client-sns'));

/** Publishes to the alert topic, with attributes subscribers can filter on. */
export class SnsAlertSink implements AlertSink {
  constructor(
    private readonly clients: ClientFactory,
    private readonly topicArn: string,
  ) {}

  async publish(alert: Alert): Promise<void> {
    const region = this.topicArn.split(':')[3] ?? 'us-east-1';
    const { PublishCommand, SNSClient } = await snsSdk();
    const sns = this.clients.get(SNSClient, { region });
    const attr = (v: string) => ({ DataType: 'String', StringValue: v });
    try {
      await sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: subjectOf(alert),
          Message: JSON.stringify(alert),
          MessageAttributes: {
            severity: attr(alert.severity),
            type: attr(alert.resource.type),
            action: attr(alert.action.taken),
            status: attr(alert.status),
          },
        }),
      );
    } catch (e) {
      throw translateAwsError(e, 'sns:Publish', this.topicArn);
    }
  }
}

/** Without a topic (local runs), alerts still go somewhere visible. */
export class CollectingAlertSink implements AlertSink {
  readonly alerts: Alert[] = [];
  async publish(alert: Alert): Promise<void> {
    this.alerts.push(alert);
  }
}

export const alertSinkFromEnv = (clients: ClientFactory, env: NodeJS.ProcessEnv = process.env): AlertSink =>
  env.ALERT_TOPIC_ARN ? new SnsAlertSink(clients, env.ALERT_TOPIC_ARN) : new CollectingAlertSink();
