import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Alert } from '../../shared/alerts/alert';
import type { ClientFactory } from '../../shared/aws/clients';

/** An alert topic with a queue subscribed to it, on the emulator: what a subscriber would receive. */
export const alertInbox = async (
  clients: ClientFactory,
  region: string,
  name = 'cmk-sentinel-alerts',
): Promise<{ topicArn: string; receive: () => Promise<Alert[]> }> => {
  const sns = clients.get(SNSClient, { region });
  const sqs = clients.get(SQSClient, { region });
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn as string;
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-inbox` }))).QueueUrl as string;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })))
    .Attributes?.QueueArn;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn }));
  /** Every alert delivered so far (drains the queue). */
  const receive = async (): Promise<Alert[]> => {
    const received: Alert[] = [];
    for (;;) {
      const msgs =
        (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 })))
          .Messages ?? [];
      if (msgs.length === 0) return received;
      for (const m of msgs)
        received.push(JSON.parse((JSON.parse(m.Body as string) as { Message: string }).Message) as Alert);
    }
  };
  return { topicArn, receive };
};
