import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { AuditRecord } from '../../shared/audit/audit';
import { DynamoDbAuditLog } from '../../shared/audit/dynamodb';
import { audit as auditCli } from '../../cli/audit';
import { processEvent } from '../../shared/pipeline/process';
import { createBucket, createKey, s3Event } from '../../testbed/estates/estate';
import { createAuditTable } from '../../testbed/estates/estate-hardening';
import { emulatorClients, testDeps, useEmulator } from '../support/harness';
import { runningAs } from '../../testbed/requests';

/** Issue 18 part 4 on the emulator (DynamoDB): a hash chain per account and region, and `audit verify`. */
const R = 'us-east-1';
const emu = useEmulator();
const CHAIN = `123456789012/${R}`;

const record = (i: number, over: Partial<AuditRecord> = {}): AuditRecord => ({
  schema: 'cmk-sentinel.audit/v1',
  id: `rec-${i}`,
  time: `2026-12-01T10:00:${String(i % 60).padStart(2, '0')}.000Z`,
  resource: { type: 's3-bucket', id: `b${i}`, account: '123456789012', region: R, arn: `arn:aws:s3:::b${i}` },
  action: 'REMEDIATE',
  result: 'VERIFIED',
  status: 'NON_COMPLIANT',
  reason: 'NOT_KMS',
  trigger: { eventName: 'PutBucketEncryption', source: 's3.amazonaws.com' },
  ...over,
});

let log: DynamoDbAuditLog;
// Verification is an operator's read (the CLI), not a function's: its own clients.
const reader = () => new DynamoDbAuditLog(emulatorClients(emu.current.endpoint), 'audit', R);
// Reading a chain back is `cmk-sentinel audit verify`'s job (cli/audit.ts): an operator's read, not a function's.
const verifyChain = () => runningAs('operator', () => reader().verify(CHAIN));
const db = () => emu.clients().get(DynamoDBClient, { region: R });
const link = (seq: number) => ({ pk: { S: `chain#${CHAIN}` }, sk: { S: `L#${String(seq).padStart(12, '0')}` } });
const verify = async () => {
  const lines: string[] = [];
  const code = await auditCli(
    ['verify', '--table', 'audit'],
    (s) => lines.push(s),
    { AWS_REGION: R },
    emulatorClients(emu.current.endpoint),
  );
  return {
    code,
    text: lines.join('\n'),
    json: JSON.parse(lines[0] as string) as {
      ok: boolean;
      chains: { chain: string; ok: boolean; records: number; problem?: string; seq?: number; recordId?: string }[];
    },
  };
};

beforeEach(async () => {
  await emu.current.reset();
  await createAuditTable(emu.clients(), R, 'audit');
  log = new DynamoDbAuditLog(emu.clients(), 'audit', R, () => 1);
});

describe('tamper-evident audit trail on the emulator', () => {
  it("the pipeline's records form one chain per account and region, and audit verify proves it complete", async () => {
    await createKey(emu.clients(), R, 'alias/data-platform');
    await createKey(emu.clients(), 'eu-west-1', 'alias/data-platform');
    for (const [b, r] of [
      ['chain-b1', R],
      ['chain-b2', R],
      ['chain-b3', 'eu-west-1'],
    ] as const) {
      await createBucket(emu.clients(), r, b, { kind: 'sse-s3' });
      await processEvent(
        s3Event('PutBucketEncryption', b, r, { id: `ev-${b}` }),
        testDeps(emu.clients(), { audit: log }),
      );
    }
    const { code, json } = await verify();
    expect(code).toBe(0);
    expect(json.chains.map((c) => [c.chain, c.ok, c.records])).toEqual([
      ['123456789012/eu-west-1', true, 1],
      [CHAIN, true, 2],
    ]);
  });

  it('two writers racing for the chain head: the loser re-links to the winner, no fork (and a repeat is stored once)', async () => {
    await log.append(record(1));
    // Writer A has read the head (seq 1) and is about to commit when writer B appends seq 2 first. The race is
    // made deterministic: moto's TransactWriteItems is not safe under truly concurrent requests (a failed
    // transaction restores a table snapshot taken before a concurrent one committed, losing its writes).
    const aClients = emulatorClients(emu.current.endpoint);
    const writerA = new DynamoDbAuditLog(aClients, 'audit', R, () => 1);
    const writerB = new DynamoDbAuditLog(emulatorClients(emu.current.endpoint), 'audit', R, () => 1);
    let raced = false;
    const attempts: number[] = [];
    aClients.get(DynamoDBClient, { region: R }).middlewareStack.add(
      (next, ctx) => async (args) => {
        if (ctx.commandName === 'TransactWriteItemsCommand') {
          attempts.push(1);
          if (!raced) {
            raced = true;
            expect(await writerB.append(record(2))).toBe(true);
          }
        }
        return next(args);
      },
      { step: 'initialize', name: 'race' },
    );
    expect(await writerA.append(record(3))).toBe(true);
    expect(attempts).toHaveLength(2); // refused once (head moved), then linked after B's record
    const v = await verifyChain();
    expect(v).toMatchObject({ ok: true, records: 3, head: { seq: 3 } });
    expect(await log.append(record(2))).toBe(false);
    expect(await verifyChain()).toMatchObject({ ok: true, records: 3 });
  });

  it('many writers one after another keep one chain', async () => {
    for (let i = 0; i < 12; i++)
      expect(await new DynamoDbAuditLog(emu.clients(), 'audit', R, () => 1).append(record(i))).toBe(true);
    expect(await verifyChain()).toMatchObject({ ok: true, records: 12, head: { seq: 12 } });
  });

  it("changing one record makes audit verify fail naming it (in the chain, or in the resource's history)", async () => {
    for (let i = 1; i <= 5; i++) await log.append(record(i));
    const item = (await db().send(new GetItemCommand({ TableName: 'audit', Key: link(3) }))).Item as Record<
      string,
      { S: string }
    >;
    const changed = { ...(JSON.parse(item.record?.S ?? '{}') as object), result: 'FAILED' };
    await db().send(
      new PutItemCommand({ TableName: 'audit', Item: { ...item, record: { S: JSON.stringify(changed) } } }),
    );
    let v = await verify();
    expect(v.code).toBe(1);
    expect(v.json.chains[0]).toMatchObject({ ok: false, problem: 'ALTERED', seq: 3, recordId: 'rec-3' });
    expect(v.text).toMatch(/BROKEN 123456789012\/us-east-1: ALTERED at seq 3 \(record rec-3\)/);

    await db().send(new PutItemCommand({ TableName: 'audit', Item: item }));
    expect((await verify()).code).toBe(0);
    // The per-resource copy changed instead.
    const copy = (
      await db().send(
        new GetItemCommand({ TableName: 'audit', Key: { pk: { S: 'arn:aws:s3:::b4' }, sk: { S: 'rec-4' } } }),
      )
    ).Item as Record<string, { S: string }>;
    await db().send(
      new PutItemCommand({
        TableName: 'audit',
        Item: {
          ...copy,
          record: {
            S: JSON.stringify({ ...(JSON.parse(copy.record?.S ?? '{}') as object), detail: 'nothing to see' }),
          },
        },
      }),
    );
    v = await verify();
    expect(v.json.chains[0]).toMatchObject({ ok: false, problem: 'ALTERED', seq: 4, recordId: 'rec-4' });
  });

  it('deleting a record makes audit verify fail naming the gap; cutting the tail off is caught by the head', async () => {
    for (let i = 1; i <= 5; i++) await log.append(record(i));
    await db().send(new DeleteItemCommand({ TableName: 'audit', Key: link(2) }));
    let v = await verify();
    expect(v.code).toBe(1);
    expect(v.json.chains[0]).toMatchObject({ ok: false, problem: 'GAP', seq: 2, recordId: 'rec-3' });

    await emu.current.reset();
    await createAuditTable(emu.clients(), R, 'audit');
    for (let i = 1; i <= 5; i++) await log.append(record(i));
    await db().send(new DeleteItemCommand({ TableName: 'audit', Key: link(5) }));
    v = await verify();
    expect(v.json.chains[0]).toMatchObject({ ok: false, problem: 'TRUNCATED', seq: 5 });

    await emu.current.reset();
    await createAuditTable(emu.clients(), R, 'audit');
    for (let i = 1; i <= 3; i++) await log.append(record(i));
    await db().send(
      new DeleteItemCommand({ TableName: 'audit', Key: { pk: { S: 'arn:aws:s3:::b2' }, sk: { S: 'rec-2' } } }),
    );
    expect((await verify()).json.chains[0]).toMatchObject({
      ok: false,
      problem: 'MISSING_RECORD',
      seq: 2,
      recordId: 'rec-2',
    });
  });
});
