import { AthenaClient, GetWorkGroupCommand, ListTagsForResourceCommand } from '@aws-sdk/client-athena';
import type { KeyInfo, ObservedKey } from '../../shared/kms/key-resolver';
import { processEvent } from '../../shared/pipeline/process';
import { athenaWorkgroupRule } from '../../shared/rules/athena-workgroup';
import { type AthenaWorkgroupState, evaluateAthenaWorkgroup } from '../../shared/rules/athena-workgroup/evaluate';
import { createKey } from '../../testbed/estates/estate';
import { athenaEvent, createWorkgroup } from '../../testbed/estates/estate-data-platform';
import { ACCOUNT, onlyRules, testDeps, testPolicy, useEmulator, TEST_WAIVER } from '../support/harness';
import { EVENTS_DIR, loadJson } from '../support/samples';

onlyRules('athena-workgroup');

const R = 'us-east-1';
const emu = useEmulator();
let cmk: { arn: string; keyId: string };
const athena = () => emu.clients().get(AthenaClient, { region: R });
const configOf = async (name: string) => {
  const c = (await athena().send(new GetWorkGroupCommand({ WorkGroup: name }))).WorkGroup?.Configuration;
  return {
    encryption: c?.ResultConfiguration?.EncryptionConfiguration,
    enforced: c?.EnforceWorkGroupConfiguration,
    output: c?.ResultConfiguration?.OutputLocation,
  };
};

beforeEach(async () => {
  await emu.current.reset();
  cmk = await createKey(emu.clients(), R, 'alias/data-platform');
});

describe('evaluateAthenaWorkgroup (pure)', () => {
  const CMK: KeyInfo = {
    arn: `arn:aws:kms:${R}:123456789012:key/cmk-1`,
    keyId: 'cmk-1',
    region: R,
    account: '123456789012',
    managedBy: 'CUSTOMER',
  };
  const key = (arn: string, over: Partial<KeyInfo> = {}): ObservedKey => ({ ref: arn, info: { ...CMK, arn, ...over } });
  const ok: AthenaWorkgroupState = {
    name: 'analysts',
    arn: 'a',
    region: R,
    encryptionOption: 'SSE_KMS',
    keyRef: CMK.arn,
    observedKey: key(CMK.arn),
    enforced: true,
  };
  it.each<[string, AthenaWorkgroupState, string | undefined]>([
    ['SSE_KMS with the CMK, enforced', ok, undefined],
    ['CSE_KMS with the CMK, enforced', { ...ok, encryptionOption: 'CSE_KMS' }, undefined],
    ['no encryption', { ...ok, encryptionOption: undefined, observedKey: undefined }, 'UNENCRYPTED'],
    ['SSE_S3', { ...ok, encryptionOption: 'SSE_S3', observedKey: undefined }, 'NOT_KMS'],
    [
      'SSE_KMS without a key (aws/s3)',
      { ...ok, keyRef: undefined, observedKey: key('alias/aws/s3', { managedBy: 'AWS' }) },
      'AWS_MANAGED_KEY',
    ],
    [
      "SSE_KMS with the other region's CMK",
      { ...ok, observedKey: key('arn:aws:kms:eu-west-1:123456789012:key/eu', { region: 'eu-west-1' }) },
      'WRONG_REGION_KEY',
    ],
    ['the CMK, not enforced', { ...ok, enforced: false }, 'NOT_ENFORCED'],
  ])('%s', (_label, state, reason) => {
    const f = evaluateAthenaWorkgroup(state, { region: R, cmk: CMK, policy: testPolicy() });
    expect(f.reason).toBe(reason);
    expect(f.status).toBe(reason ? 'NON_COMPLIANT' : 'COMPLIANT');
  });
});

describe('athena-workgroup rule on the emulator (UpdateWorkGroup from the emulator extension)', () => {
  it.each<[string, Parameters<typeof createWorkgroup>[3], string, string]>([
    ['no encryption, not enforced', {}, 'UNENCRYPTED', 'SSE_KMS'],
    ['SSE_S3', { option: 'SSE_S3' }, 'NOT_KMS', 'SSE_KMS'],
    ['CSE_KMS with another key', { option: 'CSE_KMS', key: 'other' }, 'WRONG_KEY', 'CSE_KMS'],
    ['the CMK but not enforced', { option: 'SSE_KMS', key: 'cmk' }, 'NOT_ENFORCED', 'SSE_KMS'],
  ])(
    '%s: UpdateWorkGroup sets the CMK and enforcement, keeps the output location, verified; then quiet',
    async (_l, opts, reason, option) => {
      const other = await createKey(emu.clients(), R);
      await createWorkgroup(emu.clients(), R, 'analysts', {
        ...opts,
        key: opts?.key === 'cmk' ? cmk.arn : opts?.key === 'other' ? other.arn : undefined,
      });
      const deps = testDeps(emu.clients());
      const r = await processEvent(loadJson(`${EVENTS_DIR}/athena-workgroup/CreateWorkGroup.json`), deps);
      expect(r.outcomes[0]).toMatchObject({ reason, action: 'REMEDIATE', result: 'VERIFIED' });
      expect(await configOf('analysts')).toEqual({
        encryption: { EncryptionOption: option, KmsKey: cmk.arn },
        enforced: true,
        output: 's3://query-results/analysts/',
      });
      for (const f of ['UpdateWorkGroup', 'Config-ConfigurationItemChange']) {
        expect(
          (await processEvent(loadJson(`${EVENTS_DIR}/athena-workgroup/${f}.json`), deps)).outcomes[0],
        ).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
      }
    },
  );

  it('quarantine tags once; an exempt workgroup is untouched; a gone one is not applicable', async () => {
    await createWorkgroup(emu.clients(), R, 'analysts');
    await createWorkgroup(emu.clients(), R, 'sandbox', { tags: { 'cmk-sentinel:exempt': TEST_WAIVER } });
    const deps = testDeps(emu.clients(), { policy: testPolicy({ mode: 'quarantine' }) });
    expect((await processEvent(athenaEvent('CreateWorkGroup', 'analysts', R), deps)).outcomes[0]).toMatchObject({
      action: 'QUARANTINE',
      result: 'VERIFIED',
    });
    expect((await processEvent(athenaEvent('UpdateWorkGroup', 'analysts', R), deps)).outcomes[0]).toMatchObject({
      action: 'QUARANTINE',
      result: 'UNCHANGED',
    });
    const tags = (
      await athena().send(
        new ListTagsForResourceCommand({ ResourceARN: `arn:aws:athena:${R}:${ACCOUNT}:workgroup/analysts` }),
      )
    ).Tags;
    expect(tags).toEqual([{ Key: 'cmk-sentinel:quarantine', Value: 'UNENCRYPTED' }]);
    expect((await processEvent(athenaEvent('CreateWorkGroup', 'sandbox', R), deps)).outcomes[0]).toMatchObject({
      action: 'SKIP_EXEMPT',
    });
    expect((await configOf('sandbox')).enforced).toBe(false);
    expect((await processEvent(athenaEvent('UpdateWorkGroup', 'gone', R), deps)).outcomes[0]).toMatchObject({
      status: 'NOT_APPLICABLE',
      reason: 'RESOURCE_GONE',
    });
  });

  it('the backfill lists every workgroup, primary included', async () => {
    await createWorkgroup(emu.clients(), R, 'analysts');
    const deps = testDeps(emu.clients());
    const names: string[] = [];
    for await (const n of athenaWorkgroupRule.list({
      clients: deps.clients,
      keys: deps.keys,
      policy: deps.policy,
      scope: { region: R },
    }))
      names.push(n);
    expect(names.sort()).toEqual(['analysts', 'primary']);
  });
});
