import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { ClientFactory } from '../../shared/aws/clients';

/** The tables and queue the hardening parts use, as serverless.yml declares them (for the emulator). */

/** Powertools' default schema: partition key `id`, TTL on `expiration`. */
export const createIdempotencyTable = async (clients: ClientFactory, region: string, name: string): Promise<void> => {
  const db = clients.get(DynamoDBClient, { region });
  await db.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
  await db.send(
    new UpdateTimeToLiveCommand({
      TableName: name,
      TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiration' },
    }),
  );
};

export const createAuditTable = async (clients: ClientFactory, region: string, name: string): Promise<void> => {
  await clients.get(DynamoDBClient, { region }).send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
};

export const createQueue = async (clients: ClientFactory, region: string, name: string): Promise<string> =>
  (await clients.get(SQSClient, { region }).send(new CreateQueueCommand({ QueueName: name }))).QueueUrl as string;
