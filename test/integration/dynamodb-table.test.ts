import { DescribeTableCommand, DynamoDBClient, ListTagsOfResourceCommand } from '@aws-sdk/client-dynamodb';
import { processEvent } from '../../shared/pipeline/process';
import { dynamodbTableRule } from '../../shared/rules/dynamodb-table';
import { createKey } from '../../testbed/estates/estate';
import { createTable, dynamodbEvent } from '../../testbed/estates/estate-data-platform';
import { ACCOUNT, onlyRules, testDeps, testPolicy, useEmulator, TEST_WAIVER } from '../support/harness';

onlyRules('dynamodb-table');

const R = 'us-east-1';
const emu = useEmulator();
let cmk: { arn: string; keyId: string };
const ddb = () => emu.clients().get(DynamoDBClient, { region: R });
const sseOf = async (name: string) =>
  (await ddb().send(new DescribeTableCommand({ TableName: name }))).Table?.SSEDescription;
const tagsOf = async (name: string) =>
  (await ddb().send(new ListTagsOfResourceCommand({ ResourceArn: `arn:aws:dynamodb:${R}:${ACCOUNT}:table/${name}` })))
    .Tags ?? [];

beforeEach(async () => {
  await emu.current.reset();
  cmk = await createKey(emu.clients(), R, 'alias/data-platform');
});

describe('dynamodb-table rule on the emulator', () => {
  it('a table created with the CMK is compliant; no alert', async () => {
    await createTable(emu.clients(), R, 'device-state', cmk.arn);
    const deps = testDeps(emu.clients());
    const r = await processEvent(dynamodbEvent('CreateTable', 'device-state', R), deps);
    expect(r.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE', observedKey: cmk.arn });
    expect(deps.alerts.alerts).toHaveLength(0);
  });

  it.each<[string, string | undefined, string]>([
    ['the AWS-owned default', undefined, 'NOT_KMS'],
    ['another key of the account', 'other', 'WRONG_KEY'],
  ])('%s is found in report mode and nothing is written', async (_label, key, reason) => {
    const other = await createKey(emu.clients(), R);
    await createTable(emu.clients(), R, 'device-state', key === 'other' ? other.arn : key);
    const before = await sseOf('device-state');
    const r = await processEvent(
      dynamodbEvent('CreateTable', 'device-state', R),
      testDeps(emu.clients(), { policy: testPolicy({ mode: 'report' }) }),
    );
    expect(r.outcomes[0]).toMatchObject({ status: 'NON_COMPLIANT', reason, action: 'REPORT', expectedKey: cmk.arn });
    expect(await sseOf('device-state')).toEqual(before);
  });

  it('remediation re-keys the table in place with the CMK ARN; the fresh re-read verifies it, and the next event is silent', async () => {
    await createTable(emu.clients(), R, 'device-state');
    const deps = testDeps(emu.clients());
    const r = await processEvent(dynamodbEvent('UpdateTable', 'device-state', R), deps);
    expect(r.outcomes[0]).toMatchObject({ reason: 'NOT_KMS', action: 'REMEDIATE', result: 'VERIFIED' });
    expect(await sseOf('device-state')).toEqual({ Status: 'ENABLED', SSEType: 'KMS', KMSMasterKeyArn: cmk.arn });
    const again = await processEvent(dynamodbEvent('UpdateTable', 'device-state', R), deps);
    expect(again.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
  });

  it('a table on another key of the account is re-keyed to the CMK (WRONG_KEY, VERIFIED)', async () => {
    const other = await createKey(emu.clients(), R);
    await createTable(emu.clients(), R, 'device-state', other.arn);
    const r = await processEvent(dynamodbEvent('CreateTable', 'device-state', R), testDeps(emu.clients()));
    expect(r.outcomes[0]).toMatchObject({
      reason: 'WRONG_KEY',
      action: 'REMEDIATE',
      result: 'VERIFIED',
      expectedKey: cmk.arn,
    });
    expect((await sseOf('device-state'))?.KMSMasterKeyArn).toBe(cmk.arn);
  });

  it('quarantine tags the table once, data untouched; an exempt table is not touched', async () => {
    await createTable(emu.clients(), R, 'device-state');
    await createTable(emu.clients(), R, 'legal-hold', undefined, { 'cmk-sentinel:exempt': TEST_WAIVER });
    const deps = testDeps(emu.clients(), { policy: testPolicy({ mode: 'quarantine' }) });
    const q = await processEvent(dynamodbEvent('CreateTable', 'device-state', R), deps);
    expect(q.outcomes[0]).toMatchObject({ action: 'QUARANTINE', result: 'VERIFIED' });
    expect(await tagsOf('device-state')).toEqual([{ Key: 'cmk-sentinel:quarantine', Value: 'NOT_KMS' }]);
    const again = await processEvent(dynamodbEvent('UpdateTable', 'device-state', R), deps);
    expect(again.outcomes[0]).toMatchObject({ action: 'QUARANTINE', result: 'UNCHANGED' });
    const exempt = await processEvent(dynamodbEvent('CreateTable', 'legal-hold', R), deps);
    expect(exempt.outcomes[0]).toMatchObject({ action: 'SKIP_EXEMPT' });
    expect(await tagsOf('legal-hold')).toEqual([{ Key: 'cmk-sentinel:exempt', Value: TEST_WAIVER }]);
  });

  it('lists every table for the backfill; a table that is gone is not applicable', async () => {
    for (const n of ['a', 'b', 'c']) await createTable(emu.clients(), R, n);
    const deps = testDeps(emu.clients());
    const ctx = { clients: deps.clients, keys: deps.keys, policy: deps.policy, scope: { region: R } };
    const names: string[] = [];
    for await (const n of dynamodbTableRule.list(ctx)) names.push(n);
    expect(names.sort()).toEqual(['a', 'b', 'c']);
    const gone = await processEvent(dynamodbEvent('UpdateTable', 'never-existed', R), deps);
    expect(gone.outcomes[0]).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'RESOURCE_GONE' });
  });
});
