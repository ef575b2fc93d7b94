import type { KeyInfo, ObservedKey } from '../../../../shared/kms/key-resolver';
import { evaluateKinesisStream, type KinesisStreamState } from '../../../../shared/rules/kinesis-stream/evaluate';
import { normalise } from '../../../../shared/events/normalise';
import { RULES } from '../../../../shared/rules/registry';
import { testPolicy } from '../../../support/harness';
import { EVENTS_DIR, loadJson } from '../../../support/samples';

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
const stream = (over: Partial<KinesisStreamState> = {}): KinesisStreamState => ({
  name: 'iot',
  arn: `arn:aws:kinesis:${R}:123456789012:stream/iot`,
  region: R,
  status: 'ACTIVE',
  encryptionType: 'NONE',
  ...over,
});
const kms = (key: ObservedKey, status = 'ACTIVE') =>
  stream({ encryptionType: 'KMS', keyRef: key.ref, observedKey: key, status });

describe('evaluateKinesisStream', () => {
  it.each<[string, KinesisStreamState, string | undefined]>([
    ['EncryptionType NONE', stream(), 'UNENCRYPTED'],
    [
      'the aws/kinesis alias',
      kms(observed('alias/aws/kinesis', { managedBy: 'AWS', arn: 'alias/aws/kinesis' })),
      'AWS_MANAGED_KEY',
    ],
    ['a key that does not resolve', kms(observed('alias/gone')), 'UNKNOWN_KEY'],
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
    ['the CMK by alias', kms(observed('alias/data-platform', {})), undefined],
  ])('%s', (_label, state, reason) => {
    const f = evaluateKinesisStream(state, ctx);
    expect(f.reason).toBe(reason);
    expect(f.status).toBe(reason ? 'NON_COMPLIANT' : 'COMPLIANT');
  });

  it.each(['CreateStream', 'StopStreamEncryption', 'StartStreamEncryption-by-arn', 'Config-ConfigurationItemChange'])(
    'the %s sample names the stream',
    (name) => {
      expect(normalise(loadJson(`${EVENTS_DIR}/kinesis-stream/${name}.json`), RULES)).toMatchObject({
        kind: 'resources',
        refs: [{ type: 'kinesis-stream', id: 'iot-telemetry' }],
      });
    },
  );
});
