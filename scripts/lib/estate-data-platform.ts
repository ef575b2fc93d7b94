import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ClientFactory } from '../../shared/aws/clients';
import { cloudTrailEvent } from './estate';

/** Estate helpers for the data platform's other stores: tables, streams, volumes, catalog, query results, logs. */

export const dynamodbEvent = (eventName: string, tableName: string, region: string, extra: { id?: string } = {}) =>
  cloudTrailEvent({ source: 'aws.dynamodb', eventSource: 'dynamodb.amazonaws.com', eventName, region, requestParameters: { tableName }, ...extra });

/** `key`: undefined = the AWS-owned default; 'aws' = SSEType KMS without a key (aws/dynamodb); else that key. */
export const createTable = async (clients: ClientFactory, region: string, name: string, key?: string, tags: Record<string, string> = {}): Promise<void> => {
  await clients.get(DynamoDBClient, { region }).send(new CreateTableCommand({
    TableName: name, BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    ...(key ? { SSESpecification: { Enabled: true, SSEType: 'KMS', ...(key === 'aws' ? {} : { KMSMasterKeyId: key }) } } : {}),
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  }));
};
