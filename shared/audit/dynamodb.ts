import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { ClientFactory } from '../aws/clients';
import { awsErrorName, translateAwsError } from '../aws/errors';
import type { AuditLog, AuditRecord } from './audit';

/**
 * The audit trail in DynamoDB. Every write is a PutItem conditioned on
 * attribute_not_exists, and the role has no UpdateItem/DeleteItem on the table:
 * the service can add records and cannot rewrite one.
 * Key: pk = resource ARN (or type/account/region/id), sk = the record's deterministic
 * id: one resource's history is one Query, and a repeated append meets the condition.
 */
export class DynamoDbAuditLog implements AuditLog {
  constructor(private readonly clients: ClientFactory, private readonly tableName: string, private readonly region: string) {}

  async append(r: AuditRecord): Promise<boolean> {
    const db = this.clients.get(DynamoDBClient, { region: this.region });
    const pk = r.resource.arn ?? `${r.resource.type}/${r.resource.account}/${r.resource.region}/${r.resource.id}`;
    try {
      await db.send(new PutItemCommand({
        TableName: this.tableName,
        Item: {
          pk: { S: pk },
          sk: { S: r.id },
          time: { S: r.time },
          action: { S: r.action },
          result: { S: r.result },
          record: { S: JSON.stringify(r) },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }));
      return true;
    } catch (e) {
      if (awsErrorName(e) === 'ConditionalCheckFailedException') return false;
      throw translateAwsError(e, 'dynamodb:PutItem', this.tableName);
    }
  }
}
