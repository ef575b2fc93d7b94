import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { ClientFactory } from '../aws/clients';
import { awsErrorName, translateAwsError } from '../aws/errors';
import { SentinelError } from '../errors';
import type { AuditLog, AuditRecord } from './audit';
import { type ChainHead, chainIdOf, type ChainVerdict, linkRecord, verifyChain } from './chain';

/**
 * The audit trail in DynamoDB, as one hash chain per account and region (shared/audit/chain.ts). Three items per
 * append, written in one TransactWriteItems:
 * - the record under its resource (pk = resource ARN, sk = record id): one resource's history is one Query;
 *   conditioned on attribute_not_exists, so a repeated append (same deterministic id) is recognised;
 * - the chain link (pk = `chain#<account>/<region>`, sk = `L#<seq, 12 digits>`) holding the record again;
 *   conditioned on attribute_not_exists: two writers can never both take a sequence number;
 * - the chain head (same pk, sk = `HEAD`: seq and hash of the last record), conditioned on the seq the writer
 *   read (or on not existing for the first record).
 *
 * Concurrency. Every on-change Lambda instance, worker and workflow step of an account and region appends to the
 * same chain, concurrently. The choice: optimistic concurrency on the head item. A writer reads the head
 * (consistent read), links its record to it and commits only if the head is unchanged; a writer that lost the
 * race (TransactionCanceled with ConditionalCheckFailed on the link or the head) re-reads and retries with
 * jittered backoff. No interleaving can fork a chain (two records with one seq, or one prev) silently: the
 * transaction refuses the second. The price is retries under bursts (a burst of k concurrent appends costs up to
 * k rounds for the last one); after MAX_ATTEMPTS the append fails retryably and the event is retried like an
 * undelivered alert. Rejected: per-instance sub-chains (verification would need to know every writer) and a
 * single writer (FIFO queue per chain: better for high volume, one more hop and function; the follow-up if bursts
 * outgrow the retries).
 */
export const MAX_ATTEMPTS = 12;

const HEAD = 'HEAD';
const chainPk = (chain: string) => `chain#${chain}`;
const linkSk = (seq: number) => `L#${String(seq).padStart(12, '0')}`;
const recordPk = (r: AuditRecord) =>
  r.resource.arn ?? `${r.resource.type}/${r.resource.account}/${r.resource.region}/${r.resource.id}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class DynamoDbAuditLog implements AuditLog {
  constructor(
    private readonly clients: ClientFactory,
    private readonly tableName: string,
    private readonly region: string,
    private readonly backoff: (attempt: number) => number = (a) => Math.random() * Math.min(1000, 20 * 2 ** a),
  ) {}

  private get db(): DynamoDBClient {
    return this.clients.get(DynamoDBClient, { region: this.region });
  }

  async head(chain: string): Promise<ChainHead | undefined> {
    try {
      const out = await this.db.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: chainPk(chain) }, sk: { S: HEAD } },
          ConsistentRead: true,
        }),
      );
      return out.Item ? { seq: Number(out.Item.seq?.N ?? '0'), hash: out.Item.hash?.S ?? '' } : undefined;
    } catch (e) {
      throw translateAwsError(e, 'dynamodb:GetItem', this.tableName);
    }
  }

  async append(r: AuditRecord): Promise<boolean> {
    const chain = chainIdOf(r);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const head = await this.head(chain);
      const linked = linkRecord(r, head);
      const json = JSON.stringify(linked);
      try {
        await this.db.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tableName,
                  ConditionExpression: 'attribute_not_exists(pk)',
                  Item: {
                    pk: { S: recordPk(r) },
                    sk: { S: r.id },
                    time: { S: r.time },
                    action: { S: r.action },
                    result: { S: r.result },
                    record: { S: json },
                  },
                },
              },
              {
                Put: {
                  TableName: this.tableName,
                  ConditionExpression: 'attribute_not_exists(pk)',
                  Item: {
                    pk: { S: chainPk(chain) },
                    sk: { S: linkSk(linked.chain.seq) },
                    record: { S: json },
                    recordPk: { S: recordPk(r) },
                    recordSk: { S: r.id },
                  },
                },
              },
              {
                Put: {
                  TableName: this.tableName,
                  Item: {
                    pk: { S: chainPk(chain) },
                    sk: { S: HEAD },
                    seq: { N: String(linked.chain.seq) },
                    hash: { S: linked.chain.hash },
                  },
                  ConditionExpression: head ? 'seq = :seq' : 'attribute_not_exists(pk)',
                  ...(head ? { ExpressionAttributeValues: { ':seq': { N: String(head.seq) } } } : {}),
                },
              },
            ],
          }),
        );
        return true;
      } catch (e) {
        if (awsErrorName(e) === 'TransactionConflictException') {
          await sleep(this.backoff(attempt));
          continue;
        }
        if (awsErrorName(e) !== 'TransactionCanceledException')
          throw translateAwsError(e, 'dynamodb:TransactWriteItems', this.tableName);
        const reasons = (e as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
        // The record itself exists: a repeated append of the same action, stored once.
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return false;
        // Another writer advanced the chain (its link or head is there), or its transaction overlapped ours
        // (TransactionConflict): link to the new head. Anything else is a real failure.
        if (!reasons.some((x) => x.Code === 'ConditionalCheckFailed' || x.Code === 'TransactionConflict'))
          throw translateAwsError(e, 'dynamodb:TransactWriteItems', this.tableName);
        await sleep(this.backoff(attempt));
      }
    }
    throw new SentinelError(
      'AUDIT_CHAIN_CONFLICT',
      `audit chain ${chain}: ${MAX_ATTEMPTS} attempts lost the race for the chain head`,
      { retryable: true },
    );
  }

  /** The chains in the table (one head item each). */
  async chains(): Promise<string[]> {
    const out: string[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :h',
          ExpressionAttributeValues: { ':h': { S: HEAD } },
          ExclusiveStartKey: start,
        }),
      );
      for (const i of page.Items ?? []) out.push((i.pk?.S ?? '').replace(/^chain#/, ''));
      start = page.LastEvaluatedKey;
    } while (start);
    return out.sort();
  }

  /** Reads a chain's links in order, each record's per-resource copy and the head; names the first problem. */
  async verify(chain: string): Promise<ChainVerdict> {
    const records: AuditRecord[] = [];
    let start: Record<string, AttributeValue> | undefined;
    const where = new Map<string, { pk: string; sk: string }>();
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :l)',
          ExpressionAttributeValues: { ':pk': { S: chainPk(chain) }, ':l': { S: 'L#' } },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      for (const i of page.Items ?? []) {
        const r = JSON.parse(i.record?.S ?? '{}') as AuditRecord;
        records.push(r);
        where.set(r.id, { pk: i.recordPk?.S ?? '', sk: i.recordSk?.S ?? '' });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    const copies = new Map<string, AuditRecord | undefined>();
    for (const [id, k] of where) {
      const out = await this.db.send(
        new GetItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: k.pk }, sk: { S: k.sk } },
          ConsistentRead: true,
        }),
      );
      copies.set(id, out.Item?.record?.S ? (JSON.parse(out.Item.record.S) as AuditRecord) : undefined);
    }
    return verifyChain(chain, records, await this.head(chain), copies);
  }
}
