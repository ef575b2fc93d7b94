import type { KeyInfo, ObservedKey } from '../../../../shared/kms/key-resolver';
import { evaluateDynamodbTable, type DynamodbTableState } from '../../../../shared/rules/dynamodb-table/evaluate';
import { normalise } from '../../../../shared/events/normalise';
import { RULES } from '../../../../shared/rules/registry';
import { testPolicy } from '../../../support/harness';
import { loadJson, EVENTS_DIR } from '../../../support/samples';

const R = 'us-east-1';
const CMK: KeyInfo = {
  arn: `arn:aws:kms:${R}:123456789012:key/cmk-1`,
  keyId: 'cmk-1',
  region: R,
  account: '123456789012',
  managedBy: 'CUSTOMER',
};
const ctx = { region: R, cmk: CMK, policy: testPolicy() };
const observed = (ref: string, info?: Partial<KeyInfo>): ObservedKey => ({
  ref,
  info: info ? { ...CMK, ...info } : undefined,
});
const table = (over: Partial<DynamodbTableState> = {}): DynamodbTableState => ({
  name: 'device-state',
  arn: `arn:aws:dynamodb:${R}:123456789012:table/device-state`,
  region: R,
  status: 'ACTIVE',
  ...over,
});
const kms = (key: ObservedKey | undefined, status = 'ENABLED') =>
  table({ sse: { status, type: 'KMS', keyArn: key?.info?.arn }, observedKey: key });

describe('evaluateDynamodbTable', () => {
  it.each<[string, DynamodbTableState, string | undefined]>([
    ['no SSEDescription: the AWS-owned key', table(), 'NOT_KMS'],
    ['SSE disabled: the AWS-owned key', table({ sse: { status: 'DISABLED', type: 'KMS' } }), 'NOT_KMS'],
    [
      'KMS with the aws/dynamodb key',
      kms(observed('alias/aws/dynamodb', { managedBy: 'AWS', arn: 'alias/aws/dynamodb' })),
      'AWS_MANAGED_KEY',
    ],
    [
      'KMS with a key that does not resolve',
      kms(observed('arn:aws:kms:us-east-1:123456789012:key/gone')),
      'UNKNOWN_KEY',
    ],
    ['another customer key', kms(observed('other', { arn: `arn:aws:kms:${R}:123456789012:key/other` })), 'WRONG_KEY'],
    [
      'the CMK of another region',
      kms(observed('eu', { arn: 'arn:aws:kms:eu-west-1:123456789012:key/eu', region: 'eu-west-1' })),
      'WRONG_REGION_KEY',
    ],
    [
      'a wrong key while UPDATING',
      kms(observed('other', { arn: `arn:aws:kms:${R}:123456789012:key/other` }), 'UPDATING'),
      'ENCRYPTION_IN_PROGRESS',
    ],
    ['the CMK', kms(observed(CMK.arn, {})), undefined],
    ['the CMK while UPDATING (already reports it)', kms(observed(CMK.arn, {}), 'UPDATING'), undefined],
  ])('%s', (_label, state, reason) => {
    const f = evaluateDynamodbTable(state, ctx);
    expect(f.reason).toBe(reason);
    expect(f.status).toBe(reason ? 'NON_COMPLIANT' : 'COMPLIANT');
    expect(f.expectedKey).toBe(CMK.arn);
  });

  it('a table whose key is inaccessible is reported with the date DynamoDB saw it', () => {
    const f = evaluateDynamodbTable(
      table({
        sse: { status: 'ENABLED', type: 'KMS', keyArn: CMK.arn, inaccessibleSince: '2026-11-20T00:00:00.000Z' },
        observedKey: observed(CMK.arn, {}),
      }),
      ctx,
    );
    expect(f).toMatchObject({ status: 'NON_COMPLIANT', reason: 'KEY_INACCESSIBLE' });
    expect(f.detail).toContain('2026-11-20');
  });

  it.each(['CreateTable', 'UpdateTable', 'Config-ConfigurationItemChange'])('the %s sample names the table', (name) => {
    const n = normalise(loadJson(`${EVENTS_DIR}/dynamodb-table/${name}.json`), RULES);
    expect(n).toMatchObject({
      kind: 'resources',
      refs: [{ type: 'dynamodb-table', id: 'device-state', region: R, account: '123456789012' }],
    });
  });
});
