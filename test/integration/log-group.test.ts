import {
  CloudWatchLogsClient,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { KeyInfo, ObservedKey } from '../../shared/kms/key-resolver';
import { processEvent } from '../../shared/pipeline/process';
import { logGroupRule } from '../../shared/rules/log-group';
import {
  evaluateLogGroup,
  keyPolicyAllowsLogs,
  type LogGroupState,
  logsKeyStatement,
} from '../../shared/rules/log-group/evaluate';
import { createKey } from '../../testbed/estates/estate';
import { allowLogsOnKey, createLogGroup, logsEvent } from '../../testbed/estates/estate-data-platform';
import { ACCOUNT, onlyRules, TEST_WAIVER, testDeps, testPolicy, useEmulator } from '../support/harness';
import { EVENTS_DIR, loadJson } from '../support/samples';

onlyRules('log-group');

const R = 'us-east-1';
const GROUP = '/data-platform/emr/steps';
const groupArn = (name: string) => `arn:aws:logs:${R}:${ACCOUNT}:log-group:${name}`;
const emu = useEmulator();
let cmk: { arn: string; keyId: string };
const logs = () => emu.clients().get(CloudWatchLogsClient, { region: R });
const keyOf = async (name: string) =>
  (await logs().send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }))).logGroups?.find(
    (g) => g.logGroupName === name,
  )?.kmsKeyId;
const tagsOf = async (name: string) =>
  (await logs().send(new ListTagsForResourceCommand({ resourceArn: groupArn(name) }))).tags;
const platform = { logGroups: { prefixes: ['/data-platform/'] } };

beforeEach(async () => {
  await emu.current.reset();
  cmk = await createKey(emu.clients(), R, 'alias/data-platform');
});

describe('log-group evaluate and key policy check (pure)', () => {
  const CMK: KeyInfo = {
    arn: `arn:aws:kms:${R}:123456789012:key/cmk-1`,
    keyId: 'cmk-1',
    region: R,
    account: ACCOUNT,
    managedBy: 'CUSTOMER',
  };
  const key = (arn: string, over: Partial<KeyInfo> = {}): ObservedKey => ({ ref: arn, info: { ...CMK, arn, ...over } });
  const g = (over: Partial<LogGroupState> = {}): LogGroupState => ({
    name: GROUP,
    arn: groupArn(GROUP),
    region: R,
    ...over,
  });
  it.each<[string, LogGroupState, Record<string, unknown>, string | undefined, string]>([
    ["no key (CloudWatch Logs' own encryption)", g(), {}, 'NOT_KMS', 'NON_COMPLIANT'],
    [
      'another key',
      g({ keyRef: 'k', observedKey: key(`arn:aws:kms:${R}:${ACCOUNT}:key/other`) }),
      {},
      'WRONG_KEY',
      'NON_COMPLIANT',
    ],
    [
      "the other region's CMK",
      g({ keyRef: 'k', observedKey: key('arn:aws:kms:eu-west-1:123456789012:key/eu', { region: 'eu-west-1' }) }),
      {},
      'WRONG_REGION_KEY',
      'NON_COMPLIANT',
    ],
    ['the CMK', g({ keyRef: CMK.arn, observedKey: key(CMK.arn) }), {}, undefined, 'COMPLIANT'],
    [
      "outside the policy's prefixes",
      g({ name: '/aws/lambda/someone-else' }),
      platform,
      'NOT_PLATFORM',
      'NOT_APPLICABLE',
    ],
    ["inside the policy's prefixes", g(), platform, 'NOT_KMS', 'NON_COMPLIANT'],
  ])('%s', (_label, state, over, reason, status) => {
    const f = evaluateLogGroup(state, { region: R, cmk: CMK, policy: testPolicy(over) });
    expect([f.status, f.reason]).toEqual([status, reason]);
  });

  it('the policy refuses an empty or blank prefix list, naming the field', () => {
    expect(() => testPolicy({ logGroups: { prefixes: [] } })).toThrow(
      /logGroups\.prefixes: expected at least one prefix/,
    );
    expect(() => testPolicy({ logGroups: { prefixes: [''] } })).toThrow(
      /logGroups\.prefixes\.0: expected a log group name prefix/,
    );
  });

  const policyWith = (...st: unknown[]) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
        ...st,
      ],
    });
  it.each<[string, string, boolean]>([
    ['the default key policy (account root only)', policyWith(), false],
    ['the statement the service asks for', policyWith(logsKeyStatement(R, ACCOUNT)), true],
    ['the statement for another region', policyWith(logsKeyStatement('eu-west-1', ACCOUNT)), false],
    [
      'a condition naming other log groups',
      policyWith({
        ...logsKeyStatement(R, ACCOUNT),
        Condition: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${R}:${ACCOUNT}:log-group:/other/*` },
        },
      }),
      false,
    ],
    [
      'missing kms:GenerateDataKey*',
      policyWith({ ...logsKeyStatement(R, ACCOUNT), Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:Describe*'] }),
      false,
    ],
    [
      'kms:* for the service, no condition',
      policyWith({
        Effect: 'Allow',
        Principal: { Service: `logs.${R}.amazonaws.com` },
        Action: 'kms:*',
        Resource: '*',
      }),
      true,
    ],
    ['not JSON', '{', false],
  ])('key policy: %s', (_label, policy, allowed) => {
    expect(keyPolicyAllowsLogs(policy, R, groupArn(GROUP))).toBe(allowed);
  });
});

describe('log-group rule on the emulator (AssociateKmsKey from the emulator extension)', () => {
  it("the CMK's policy does not allow CloudWatch Logs: quarantined, and the alert names the statement to add; once added, associated", async () => {
    await createLogGroup(emu.clients(), R, GROUP);
    const deps = testDeps(emu.clients(), { policy: testPolicy(platform) });
    const r = await processEvent(loadJson(`${EVENTS_DIR}/log-group/CreateLogGroup.json`), deps);
    expect(r.outcomes[0]).toMatchObject({ reason: 'NOT_KMS', action: 'QUARANTINE', result: 'VERIFIED' });
    expect(r.outcomes[0]?.actionDetail).toContain(`"Principal":{"Service":"logs.${R}.amazonaws.com"}`);
    expect(await keyOf(GROUP)).toBeUndefined();
    expect(await tagsOf(GROUP)).toEqual({ 'cmk-sentinel:quarantine': 'NOT_KMS' });

    await allowLogsOnKey(emu.clients(), R, cmk.keyId, logsKeyStatement(R, ACCOUNT));
    const fixed = await processEvent(loadJson(`${EVENTS_DIR}/log-group/DisassociateKmsKey.json`), deps);
    expect(fixed.outcomes[0]).toMatchObject({ reason: 'NOT_KMS', action: 'REMEDIATE', result: 'VERIFIED' });
    expect(fixed.outcomes[0]?.actionDetail).toContain('events already stored keep their previous encryption');
    expect(await keyOf(GROUP)).toBe(cmk.arn);
    expect(
      (await processEvent(loadJson(`${EVENTS_DIR}/log-group/DisassociateKmsKey-by-arn.json`), deps)).outcomes[0],
    ).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
  });

  it('a group on another key is re-associated; one outside the prefixes is not applicable; exempt is untouched; gone is not applicable', async () => {
    const other = await createKey(emu.clients(), R);
    await allowLogsOnKey(emu.clients(), R, cmk.keyId, logsKeyStatement(R, ACCOUNT));
    await createLogGroup(emu.clients(), R, '/data-platform/ingest', other.arn);
    await createLogGroup(emu.clients(), R, '/aws/lambda/unrelated');
    await createLogGroup(emu.clients(), R, '/data-platform/legacy', undefined, { 'cmk-sentinel:exempt': TEST_WAIVER });
    const deps = testDeps(emu.clients(), { policy: testPolicy(platform) });
    expect(
      (await processEvent(logsEvent('CreateLogGroup', '/data-platform/ingest', R), deps)).outcomes[0],
    ).toMatchObject({ reason: 'WRONG_KEY', result: 'VERIFIED' });
    expect(await keyOf('/data-platform/ingest')).toBe(cmk.arn);
    expect(
      (await processEvent(logsEvent('CreateLogGroup', '/aws/lambda/unrelated', R), deps)).outcomes[0],
    ).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'NOT_PLATFORM' });
    expect(
      (await processEvent(logsEvent('CreateLogGroup', '/data-platform/legacy', R), deps)).outcomes[0],
    ).toMatchObject({ action: 'SKIP_EXEMPT' });
    expect(await keyOf('/data-platform/legacy')).toBeUndefined();
    expect(
      (await processEvent(logsEvent('DisassociateKmsKey', '/data-platform/gone', R), deps)).outcomes[0],
    ).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'RESOURCE_GONE' });
  });

  it("the backfill lists only the platform's groups (every group without prefixes)", async () => {
    for (const n of ['/data-platform/a', '/data-platform/b', '/aws/lambda/x'])
      await createLogGroup(emu.clients(), R, n);
    const list = async (over: Record<string, unknown>) => {
      const deps = testDeps(emu.clients(), { policy: testPolicy(over) });
      const names: string[] = [];
      for await (const n of logGroupRule.list({
        clients: deps.clients,
        keys: deps.keys,
        policy: deps.policy,
        scope: { region: R },
      }))
        names.push(n);
      return names.sort();
    };
    expect(await list(platform)).toEqual(['/data-platform/a', '/data-platform/b']);
    expect(await list({})).toEqual(['/aws/lambda/x', '/data-platform/a', '/data-platform/b']);
  });
});
