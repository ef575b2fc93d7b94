import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import type { Alert, Outcome } from '../alerts/alert';
import type { ClientFactory } from '../aws/clients';
import { translateAwsError } from '../aws/errors';
import type { OnceKey } from './once';

/** An alert written down before it is published, with the outcome it reports. */
export interface OutboxEntry {
  alert: Alert;
  outcome: Outcome;
}

/**
 * Alerts not yet known to be delivered, per (event, resource). Written before publishing and
 * removed once the topic took the alert: a retry finds what its failed attempt could not send and
 * sends that, instead of re-reading a resource that the first attempt already fixed.
 */
export interface AlertOutbox {
  put(key: OnceKey, entry: OutboxEntry): Promise<void>;
  get(key: OnceKey): Promise<OutboxEntry | undefined>;
  delete(key: OnceKey): Promise<void>;
}

const keyOf = (k: OnceKey): string =>
  createHash('sha256').update([k.eventId, k.ref.type, k.ref.account, k.ref.region, k.ref.id].join('|')).digest('hex');

/**
 * Kept in the idempotency table beside Powertools' records (its own `id` prefix, the table's TTL
 * attribute `expiration`): the functions that de-duplicate already hold GetItem/PutItem/DeleteItem
 * on it, and an entry outlives every retry of its event (Lambda's async retries end within 6 hours).
 */
export class DynamoDbAlertOutbox implements AlertOutbox {
  constructor(
    private readonly clients: ClientFactory,
    private readonly tableName: string,
    private readonly region: string,
    private readonly expiresAfterSeconds = 24 * 3600,
    private readonly now: () => number = Date.now,
  ) {}

  private get db(): DynamoDBClient {
    return this.clients.get(DynamoDBClient, { region: this.region });
  }

  private id(key: OnceKey) {
    return { id: { S: `cmk-sentinel.outbox#${keyOf(key)}` } };
  }

  async put(key: OnceKey, entry: OutboxEntry): Promise<void> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...this.id(key),
            entry: { S: JSON.stringify(entry) },
            expiration: { N: String(Math.floor(this.now() / 1000) + this.expiresAfterSeconds) },
          },
        }),
      );
    } catch (e) {
      throw translateAwsError(e, 'dynamodb:PutItem', this.tableName);
    }
  }

  async get(key: OnceKey): Promise<OutboxEntry | undefined> {
    try {
      const out = await this.db.send(
        new GetItemCommand({ TableName: this.tableName, Key: this.id(key), ConsistentRead: true }),
      );
      const raw = out.Item?.entry?.S;
      return raw ? (JSON.parse(raw) as OutboxEntry) : undefined;
    } catch (e) {
      throw translateAwsError(e, 'dynamodb:GetItem', this.tableName);
    }
  }

  async delete(key: OnceKey): Promise<void> {
    try {
      await this.db.send(new DeleteItemCommand({ TableName: this.tableName, Key: this.id(key) }));
    } catch (e) {
      throw translateAwsError(e, 'dynamodb:DeleteItem', this.tableName);
    }
  }
}
