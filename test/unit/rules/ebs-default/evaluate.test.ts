import type { KeyInfo, ObservedKey } from '../../../../shared/kms/key-resolver';
import { normalise } from '../../../../shared/events/normalise';
import { ebsDefaultRule } from '../../../../shared/rules/ebs-default';
import { evaluateEbsDefault, type EbsDefaultState } from '../../../../shared/rules/ebs-default/evaluate';
import { RULES } from '../../../../shared/rules/registry';
import { offlineClients, onlyRules, testDeps, testPolicy } from '../../../support/harness';
import { EVENTS_DIR, loadJson } from '../../../support/samples';

onlyRules('ebs-default');

const R = 'us-east-1';
const CMK: KeyInfo = {
  arn: `arn:aws:kms:${R}:123456789012:key/cmk-1`,
  keyId: 'cmk-1',
  region: R,
  account: '123456789012',
  managedBy: 'CUSTOMER',
};
const OTHER = `arn:aws:kms:${R}:123456789012:key/other`;
const observed = (ref: string, info?: Partial<KeyInfo>): ObservedKey => ({
  ref,
  info: info ? { ...CMK, ...info } : undefined,
});
const AWS_EBS = observed('alias/aws/ebs', { managedBy: 'AWS', arn: 'alias/aws/ebs' });

describe('evaluateEbsDefault', () => {
  const ctx = { region: R, cmk: CMK, policy: testPolicy() };
  it.each<[string, EbsDefaultState, string | undefined]>([
    ['off, aws/ebs', { region: R, enabled: false, keyRef: 'alias/aws/ebs', observedKey: AWS_EBS }, 'UNENCRYPTED'],
    [
      'off, though the default key is the CMK',
      { region: R, enabled: false, keyRef: CMK.arn, observedKey: observed(CMK.arn, {}) },
      'UNENCRYPTED',
    ],
    ['on, aws/ebs', { region: R, enabled: true, keyRef: 'alias/aws/ebs', observedKey: AWS_EBS }, 'AWS_MANAGED_KEY'],
    [
      'on, another key',
      { region: R, enabled: true, keyRef: OTHER, observedKey: observed(OTHER, { arn: OTHER }) },
      'WRONG_KEY',
    ],
    [
      'on, the eu-west-1 CMK',
      {
        region: R,
        enabled: true,
        keyRef: 'x',
        observedKey: observed('x', { arn: 'arn:aws:kms:eu-west-1:123456789012:key/eu', region: 'eu-west-1' }),
      },
      'WRONG_REGION_KEY',
    ],
    ['on, the CMK', { region: R, enabled: true, keyRef: CMK.arn, observedKey: observed(CMK.arn, {}) }, undefined],
  ])('%s', (_label, state, reason) => {
    const f = evaluateEbsDefault(state, ctx);
    expect(f.reason).toBe(reason);
    expect(f.status).toBe(reason ? 'NON_COMPLIANT' : 'COMPLIANT');
  });

  it.each(['DisableEbsEncryptionByDefault', 'ModifyEbsDefaultKmsKeyId', 'ResetEbsDefaultKmsKeyId'])(
    "the %s sample names the region's setting",
    (name) => {
      expect(normalise(loadJson(`${EVENTS_DIR}/ebs-default/${name}.json`), RULES)).toMatchObject({
        kind: 'resources',
        refs: [{ type: 'ebs-default', id: R, region: R }],
      });
    },
  );
});

describe('ebs-default listing (the pipeline runs on the emulator in test/integration/ebs-default.test.ts)', () => {
  it("the backfill lists exactly the region's one setting", async () => {
    const deps = testDeps(offlineClients());
    const ids: string[] = [];
    for await (const id of ebsDefaultRule.list({
      clients: deps.clients,
      keys: deps.keys,
      policy: deps.policy,
      scope: { region: 'eu-west-1' },
    }))
      ids.push(id);
    expect(ids).toEqual(['eu-west-1']);
  });
});
