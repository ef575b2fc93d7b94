import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ClientFactory } from '../aws/clients';
import { awsErrorName, translateAwsError } from '../aws/errors';
import { type ResultRow, retryOnResume, type SweepMeta, type SweepStore, type UnitState } from './store';

/**
 * AWS adapter: one table, partition key `sweep` (the sweep id), sort key `sk`:
 * `meta`, `unit#<unit>`, `res#<unit>#<id>`. Items expire through the `expiresAt` TTL.
 */
export class DynamoSweepStore implements SweepStore {
  constructor(
    private readonly clients: ClientFactory,
    private readonly table: string,
    private readonly region: string,
    private readonly ttlDays = 30,
  ) {}

  private get db(): DynamoDBClient {
    return this.clients.get(DynamoDBClient, { region: this.region });
  }

  private expires(): AttributeValue {
    return { N: String(Math.floor(Date.now() / 1000) + this.ttlDays * 86_400) };
  }

  private async put(
    sweepId: string,
    sk: string,
    body: unknown,
    extra: Record<string, AttributeValue> = {},
  ): Promise<void> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            sweep: { S: sweepId },
            sk: { S: sk },
            body: { S: JSON.stringify(body) },
            expiresAt: this.expires(),
            ...extra,
          },
        }),
      );
    } catch (e) {
      throw translateAwsError(e, 'dynamodb:PutItem', this.table);
    }
  }

  private async get<T>(sweepId: string, sk: string): Promise<T | undefined> {
    try {
      const out = await this.db.send(
        new GetItemCommand({
          TableName: this.table,
          Key: { sweep: { S: sweepId }, sk: { S: sk } },
          ConsistentRead: true,
        }),
      );
      const body = out.Item?.body?.S;
      return body ? (JSON.parse(body) as T) : undefined;
    } catch (e) {
      throw translateAwsError(e, 'dynamodb:GetItem', this.table);
    }
  }

  private async *query(
    sweepId: string,
    prefix: string,
    projection?: string,
  ): AsyncIterable<Record<string, AttributeValue>> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      let out;
      try {
        out = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'sweep = :s AND begins_with(sk, :p)',
            ExpressionAttributeValues: { ':s': { S: sweepId }, ':p': { S: prefix } },
            ...(projection ? { ProjectionExpression: projection } : {}),
            ExclusiveStartKey: start,
          }),
        );
      } catch (e) {
        throw translateAwsError(e, 'dynamodb:Query', this.table);
      }
      for (const item of out.Items ?? []) yield item;
      start = out.LastEvaluatedKey;
    } while (start);
  }

  getMeta(sweepId: string): Promise<SweepMeta | undefined> {
    return this.get<SweepMeta>(sweepId, 'meta');
  }

  async putMeta(meta: SweepMeta): Promise<void> {
    await this.put(meta.sweepId, 'meta', meta, meta.units.length ? { open: { SS: meta.units } } : {});
  }

  getUnit(sweepId: string, unit: string): Promise<UnitState | undefined> {
    return this.get<UnitState>(sweepId, `unit#${unit}`);
  }

  putUnit(sweepId: string, unit: string, state: UnitState): Promise<void> {
    return this.put(sweepId, `unit#${unit}`, state);
  }

  async doneIds(sweepId: string, unit: string): Promise<Set<string>> {
    const ids = new Set<string>();
    const prefix = `res#${unit}#`;
    // One item per resource (a retry overwrites it): skip those an outage left to retry.
    for await (const item of this.query(sweepId, prefix)) {
      const row = item.body?.S ? (JSON.parse(item.body.S) as ResultRow) : undefined;
      if (!row || !retryOnResume(row)) ids.add((item.sk?.S ?? '').slice(prefix.length));
    }
    return ids;
  }

  putResult(sweepId: string, row: ResultRow): Promise<void> {
    return this.put(sweepId, `res#${row.unit}#${row.id}`, row);
  }

  async *results(sweepId: string): AsyncIterable<ResultRow> {
    for await (const item of this.query(sweepId, 'res#')) if (item.body?.S) yield JSON.parse(item.body.S) as ResultRow;
  }

  async finishUnit(sweepId: string, unit: string): Promise<number | undefined> {
    // Atomic: remove the unit from the open set; the worker that empties it writes the report.
    try {
      const out = await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { sweep: { S: sweepId }, sk: { S: 'meta' } },
          UpdateExpression: 'DELETE #open :u',
          ExpressionAttributeNames: { '#open': 'open' },
          ConditionExpression: 'contains(#open, :one)',
          ExpressionAttributeValues: { ':u': { SS: [unit] }, ':one': { S: unit } },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes?.open?.SS?.length ?? 0;
    } catch (e) {
      // Already counted (a redelivered message): not this worker's turn to finish the sweep.
      if (awsErrorName(e) === 'ConditionalCheckFailedException') return undefined;
      throw translateAwsError(e, 'dynamodb:UpdateItem', this.table);
    }
  }
}
