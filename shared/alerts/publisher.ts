import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { ClientFactory } from '../aws/clients';
import { translateAwsError } from '../aws/errors';
import { type Alert, subjectOf } from './alert';

export interface AlertSink {
  publish(alert: Alert): Promise<void>;
}

/** Publishes to the alert topic, with attributes subscribers can filter on. */
export class SnsAlertSink implements AlertSink {
  constructor(private readonly clients: ClientFactory, private readonly topicArn: string) {}

  async publish(alert: Alert): Promise<void> {
    const region = this.topicArn.split(':')[3] ?? 'us-east-1';
    const sns = this.clients.get(SNSClient, { region });
    const attr = (v: string) => ({ DataType: 'String', StringValue: v });
    try {
      await sns.send(new PublishCommand({
        TopicArn: this.topicArn,
        Subject: subjectOf(alert),
        Message: JSON.stringify(alert),
        MessageAttributes: {
          severity: attr(alert.severity),
          type: attr(alert.resource.type),
          action: attr(alert.action.taken),
          status: attr(alert.status),
        },
      }));
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
