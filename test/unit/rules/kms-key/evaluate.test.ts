import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalise } from '../../../../shared/events/normalise';
import type { KeyInfo } from '../../../../shared/kms/key-resolver';
import type { EvaluationContext } from '../../../../shared/rules/contract';
import { evaluateKmsKey, type KmsKeyState, missingKeyUsers } from '../../../../shared/rules/kms-key/evaluate';
import { RULES } from '../../../../shared/rules/registry';
import { testPolicy } from '../../../support/harness';

const R = 'us-east-1';
const A = '111122223333';
const CMK = `arn:aws:kms:${R}:${A}:key/1111aaaa-0000-0000-0000-000000000001`;
const OTHER = `arn:aws:kms:${R}:${A}:key/2222bbbb-0000-0000-0000-000000000002`;
const WEST = `arn:aws:kms:eu-west-1:${A}:key/3333cccc-0000-0000-0000-000000000003`;
const EMR = `arn:aws:iam::${A}:role/emr-instance`;
const cmkInfo: KeyInfo = { arn: CMK, keyId: CMK.split('/')[1] as string, region: R, account: A, managedBy: 'CUSTOMER' };
const ctx = (keyUsers: string[] = []): EvaluationContext => ({
  region: R,
  cmk: cmkInfo,
  policy: testPolicy({ keyUsers }),
});

const fixture = (path: string): unknown =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'fixtures', path), 'utf8'));

const policyDoc = (statements: unknown) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const allowUse = (principal: unknown, action: unknown = ['kms:Decrypt', 'kms:GenerateDataKey*']) => ({
  Effect: 'Allow',
  Principal: principal,
  Action: action,
  Resource: '*',
});

const key = (
  over: Partial<Extract<KmsKeyState, { kind: 'key' }>['key']> = {},
  usage?: Extract<KmsKeyState, { kind: 'key' }>['usage'],
): KmsKeyState => ({
  kind: 'key',
  ref: CMK,
  region: R,
  cmkArn: CMK,
  usage,
  key: {
    arn: CMK,
    keyId: cmkInfo.keyId,
    state: 'Enabled',
    rotation: true,
    policy: policyDoc([allowUse({ AWS: EMR })]),
    ...over,
  },
});

describe('kms-key evaluate', () => {
  it('a healthy CMK is compliant', () => {
    expect(evaluateKmsKey(key(), ctx([EMR]))).toMatchObject({
      status: 'COMPLIANT',
      observedKey: CMK,
      expectedKey: CMK,
    });
  });

  it.each([
    ['another key of the region', OTHER, CMK],
    ['the CMK of another region', WEST, CMK],
    ['a key where the policy has no CMK', CMK, undefined],
  ])('%s is not applicable', (_l, arn, cmkArn) => {
    const s = key({ arn, state: 'Disabled' });
    expect(evaluateKmsKey({ ...s, cmkArn } as KmsKeyState, ctx())).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'NOT_THE_CMK',
    });
  });

  it.each([
    ['PendingDeletion', 'PENDING_DELETION'],
    ['PendingReplicaDeletion', 'PENDING_DELETION'],
    ['Disabled', 'KEY_DISABLED'],
    ['Unavailable', 'KEY_UNUSABLE'],
  ])('state %s is critical (%s)', (state, reason) => {
    const f = evaluateKmsKey(key({ state, rotation: undefined, deletionDate: '2026-12-04T10:00:00.000Z' }), ctx());
    expect(f).toMatchObject({ status: 'NON_COMPLIANT', reason, severity: 'CRITICAL' });
  });

  it('the deletion alert names the date and how many resources use the key, and says when the count is a lower bound', () => {
    const usage = {
      count: 3,
      byType: { 's3-bucket': 2, 'rds-instance': 1, 'emr-cluster': 0 },
      method: 'counted from s3-bucket, rds-instance rule(s), up to 50 per type (s3-bucket capped)',
      incomplete: true,
    };
    const f = evaluateKmsKey(key({ state: 'PendingDeletion', deletionDate: '2026-12-04T10:00:00.000Z' }, usage), ctx());
    expect(f.detail).toContain('on 2026-12-04T10:00:00.000Z');
    expect(f.detail).toContain('At least 3 resource(s) in the region use it (s3-bucket: 2, rds-instance: 1)');
    expect(f.detail).toContain('s3-bucket capped');
  });

  it('rotation off, then missing grants: both named, rotation first', () => {
    const f = evaluateKmsKey(
      key({ rotation: false, policy: policyDoc([allowUse({ AWS: `arn:aws:iam::${A}:root` }, 'kms:*')]) }),
      ctx([EMR]),
    );
    expect(f).toMatchObject({ status: 'NON_COMPLIANT', reason: 'ROTATION_DISABLED' });
    expect(f.severity).toBeUndefined();
    expect(f.detail).toContain(`does not let ${EMR} use it`);
  });

  it('a key policy that is not JSON is unreadable, not a crash', () => {
    expect(evaluateKmsKey(key({ policy: '{"Statement": [' }), ctx([EMR]))).toMatchObject({
      reason: 'KEY_POLICY_UNREADABLE',
    });
    expect(evaluateKmsKey(key({ policy: '"text"' }), ctx([EMR]))).toMatchObject({ reason: 'KEY_POLICY_UNREADABLE' });
    expect(evaluateKmsKey(key({ policy: undefined }), ctx([EMR]))).toMatchObject({ reason: 'KEY_POLICY_UNREADABLE' });
    // No key users in the policy: the key policy is not the question.
    expect(evaluateKmsKey(key({ policy: 'nonsense' }), ctx([]))).toMatchObject({ status: 'COMPLIANT' });
  });
});

describe('missingKeyUsers', () => {
  it.each([
    ['an exact role ARN', [allowUse({ AWS: EMR })], [EMR], []],
    ['a role name entry', [allowUse({ AWS: [EMR] })], ['emr-instance'], []],
    ['kms:* covers both actions', [allowUse({ AWS: EMR }, 'kms:*')], [EMR], []],
    ['a wildcard principal', [allowUse('*', '*')], [EMR], []],
    ['a single Statement object', allowUse({ AWS: EMR }), [EMR], []],
    [
      'use split over two statements',
      [allowUse({ AWS: EMR }, 'kms:Decrypt'), allowUse({ AWS: EMR }, 'kms:GenerateDataKey')],
      [EMR],
      [],
    ],
    ['Decrypt only', [allowUse({ AWS: EMR }, 'kms:Decrypt')], [EMR], [EMR]],
    [
      'a conditional grant',
      [{ ...allowUse({ AWS: EMR }), Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } }],
      [EMR],
      [EMR],
    ],
    ['a Deny is no grant', [{ ...allowUse({ AWS: EMR }), Effect: 'Deny' }], [EMR], [EMR]],
    ['another role', [allowUse({ AWS: `arn:aws:iam::${A}:role/other` })], [EMR, 'redshift'], [EMR, 'redshift']],
  ])('%s', (_l, statements, users, missing) => {
    expect(missingKeyUsers(policyDoc(statements), users)).toEqual(missing);
  });
});

describe('kms-key alias evaluate', () => {
  const target = (arn: string): KeyInfo => ({ ...cmkInfo, arn });
  const alias = (over: Partial<Extract<KmsKeyState, { kind: 'alias' }>>): KmsKeyState => ({
    kind: 'alias',
    alias: 'alias/data-platform',
    region: R,
    policyAlias: 'alias/data-platform',
    ...over,
  });

  it.each([
    ['another alias', alias({ alias: 'alias/scratch', target: target(OTHER) }), 'NOT_APPLICABLE', undefined],
    ['a policy without alias', alias({ policyAlias: undefined, target: target(OTHER) }), 'NOT_APPLICABLE', undefined],
    ['alias deleted', alias({ pinned: CMK }), 'NON_COMPLIANT', 'ALIAS_MISSING'],
    [
      'repointed from the pinned key',
      alias({ pinned: CMK, target: target(OTHER) }),
      'NON_COMPLIANT',
      'ALIAS_REPOINTED',
    ],
    [
      'repointed from what this instance knew',
      alias({ previous: CMK, target: target(OTHER) }),
      'NON_COMPLIANT',
      'ALIAS_REPOINTED',
    ],
    ['changed with no record before', alias({ target: target(OTHER) }), 'NON_COMPLIANT', 'ALIAS_CHANGED'],
    ['still on the pinned key', alias({ pinned: CMK, previous: OTHER, target: target(CMK) }), 'COMPLIANT', undefined],
  ])('%s', (_l, state, status, reason) => {
    const f = evaluateKmsKey(state, ctx());
    expect(f).toMatchObject({ status, ...(reason ? { reason, severity: 'CRITICAL' } : {}) });
  });
});

describe('kms-key triggers over the real CloudTrail samples', () => {
  const refsOf = (path: string) => {
    const n = normalise(fixture(path), RULES);
    return n.kind === 'resources' ? n.refs : n.kind;
  };

  it('prefers the key ARN from resources[] (it carries the key region) over a bare id', () => {
    expect(refsOf('aws-docs/kms-DisableKey.json')).toEqual([
      {
        type: 'kms-key',
        account: A,
        region: 'us-east-1',
        id: 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      },
    ]);
  });

  it.each([
    [
      'aws-docs/kms-DisableKeyRotation.json',
      'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ],
    [
      'aws-docs/kms-ScheduleKeyDeletion.json',
      'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ],
    [
      'aws-docs/kms-ScheduleKeyDeletion-multi-region.json',
      'arn:aws:kms:us-west-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab',
    ],
    [
      'aws-docs/kms-ScheduleKeyDeletion-custom-key-store.json',
      'arn:aws:kms:us-west-2:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321',
    ],
    ['aws-docs/kms-PutKeyPolicy.json', 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
    ['aws-docs/kms-UpdateAlias.json', 'alias/my_alias'],
  ])('%s', (path, id) => {
    expect(refsOf(path)).toEqual([expect.objectContaining({ type: 'kms-key', id })]);
  });

  it('CreateAlias is not an event the guard handles', () => {
    expect(refsOf('aws-docs/kms-CreateAlias.json')).toBe('ignored');
  });

  it('arn() names keys, aliases and ARNs', () => {
    const rule = RULES.find((r) => r.type === 'kms-key');
    expect(rule?.arn({ type: 'kms-key', account: A, region: R, id: 'alias/data-platform' })).toBe(
      `arn:aws:kms:${R}:${A}:alias/data-platform`,
    );
    expect(rule?.arn({ type: 'kms-key', account: A, region: R, id: 'abcd' })).toBe(`arn:aws:kms:${R}:${A}:key/abcd`);
    expect(rule?.arn({ type: 'kms-key', account: A, region: R, id: CMK })).toBe(CMK);
  });
});
