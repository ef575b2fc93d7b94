import { GetDataCatalogEncryptionSettingsCommand, GlueClient } from '@aws-sdk/client-glue';
import type { KeyInfo, ObservedKey } from '../../shared/kms/key-resolver';
import { processEvent } from '../../shared/pipeline/process';
import { glueCatalogRule } from '../../shared/rules/glue-catalog';
import { evaluateGlueCatalog, type GlueCatalogState } from '../../shared/rules/glue-catalog/evaluate';
import { createKey } from '../../testbed/estates/estate';
import { glueEvent, setCatalogEncryption } from '../../testbed/estates/estate-data-platform';
import { onlyRules, testDeps, testPolicy, useEmulator } from '../support/harness';
import { EVENTS_DIR, loadJson } from '../support/samples';

onlyRules('glue-catalog');

const R = 'us-east-1';
const emu = useEmulator();
let cmk: { arn: string; keyId: string };
const settings = async (region = R) =>
  (await emu.clients().get(GlueClient, { region }).send(new GetDataCatalogEncryptionSettingsCommand({})))
    .DataCatalogEncryptionSettings;

beforeEach(async () => {
  await emu.current.reset();
  cmk = await createKey(emu.clients(), R, 'alias/data-platform');
});

describe('evaluateGlueCatalog (pure)', () => {
  const CMK: KeyInfo = {
    arn: `arn:aws:kms:${R}:123456789012:key/cmk-1`,
    keyId: 'cmk-1',
    region: R,
    account: '123456789012',
    managedBy: 'CUSTOMER',
  };
  const key = (arn: string, over: Partial<KeyInfo> = {}): ObservedKey => ({ ref: arn, info: { ...CMK, arn, ...over } });
  const ok: GlueCatalogState = {
    region: R,
    mode: 'SSE-KMS',
    catalogKeyRef: CMK.arn,
    catalogKey: key(CMK.arn),
    passwordsEncrypted: true,
    passwordKeyRef: CMK.arn,
    passwordKey: key(CMK.arn),
  };
  it.each<[string, GlueCatalogState, string | undefined]>([
    ['both under the CMK', ok, undefined],
    ['catalog encryption DISABLED', { ...ok, mode: 'DISABLED', catalogKey: undefined }, 'UNENCRYPTED'],
    ['SSE-KMS with aws/glue', { ...ok, catalogKey: key('alias/aws/glue', { managedBy: 'AWS' }) }, 'AWS_MANAGED_KEY'],
    [
      "SSE-KMS with the other region's CMK",
      { ...ok, catalogKey: key('arn:aws:kms:eu-west-1:123456789012:key/eu', { region: 'eu-west-1' }) },
      'WRONG_REGION_KEY',
    ],
    [
      'catalog fine, passwords not encrypted',
      { ...ok, passwordsEncrypted: false, passwordKey: undefined },
      'UNENCRYPTED',
    ],
    [
      'catalog fine, passwords under another key',
      { ...ok, passwordKey: key(`arn:aws:kms:${R}:123456789012:key/other`) },
      'WRONG_KEY',
    ],
  ])('%s', (_label, state, reason) => {
    const f = evaluateGlueCatalog(state, { region: R, cmk: CMK, policy: testPolicy() });
    expect(f.reason).toBe(reason);
    expect(f.status).toBe(reason ? 'NON_COMPLIANT' : 'COMPLIANT');
  });
});

describe('glue-catalog rule on the emulator', () => {
  it.each<[string, string | undefined, string | undefined, string]>([
    ['a new catalog (encryption DISABLED, passwords in clear)', undefined, undefined, 'UNENCRYPTED'],
    ['SSE-KMS with aws/glue', 'aws', 'cmk', 'AWS_MANAGED_KEY'],
    ['the CMK at rest, passwords under another key', 'cmk', 'other', 'WRONG_KEY'],
  ])(
    '%s: PutDataCatalogEncryptionSettings puts both under the CMK, verified by a fresh read; the next event is quiet',
    async (_l, catalog, passwords, reason) => {
      const other = await createKey(emu.clients(), R);
      const k = (v: string | undefined) => (v === 'cmk' ? cmk.arn : v === 'other' ? other.arn : v);
      await setCatalogEncryption(emu.clients(), R, k(catalog), k(passwords));
      const deps = testDeps(emu.clients());
      const r = await processEvent(loadJson(`${EVENTS_DIR}/glue-catalog/PutDataCatalogEncryptionSettings.json`), deps);
      expect(r.outcomes[0]).toMatchObject({
        ref: { type: 'glue-catalog', id: R },
        reason,
        action: 'REMEDIATE',
        result: 'VERIFIED',
      });
      expect(r.outcomes[0]?.actionDetail).toContain('Metadata already written stays under its old protection');
      expect(await settings()).toEqual({
        EncryptionAtRest: { CatalogEncryptionMode: 'SSE-KMS', SseAwsKmsKeyId: cmk.arn },
        ConnectionPasswordEncryption: { ReturnConnectionPasswordEncrypted: true, AwsKmsKeyId: cmk.arn },
      });
      const again = await processEvent(glueEvent(R), deps);
      expect(again.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
    },
  );

  it('quarantine mode reports (nothing to quarantine) and writes nothing; report mode too', async () => {
    for (const mode of ['quarantine', 'report'] as const) {
      const r = await processEvent(glueEvent(R), testDeps(emu.clients(), { policy: testPolicy({ mode }) }));
      expect(r.outcomes[0]).toMatchObject({ reason: 'UNENCRYPTED', action: 'REPORT', result: 'NOT_ATTEMPTED' });
    }
    expect((await settings())?.EncryptionAtRest?.CatalogEncryptionMode).toBe('DISABLED');
  });

  it('the backfill sees the one catalog of each region', async () => {
    const deps = testDeps(emu.clients());
    const ids: string[] = [];
    for await (const id of glueCatalogRule.list({
      clients: deps.clients,
      keys: deps.keys,
      policy: deps.policy,
      scope: { region: R },
    }))
      ids.push(id);
    expect(ids).toEqual([R]);
  });
});
