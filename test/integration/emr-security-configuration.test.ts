import {
  DescribeSecurityConfigurationCommand,
  EMRClient,
  ListSecurityConfigurationsCommand,
} from '@aws-sdk/client-emr';
import { KeyResolver } from '../../shared/kms/key-resolver';
import type { RuleContext } from '../../shared/rules/contract';
import { emrSecurityConfigurationRule } from '../../shared/rules/emr-security-configuration';
import { processEvent } from '../../shared/pipeline/process';
import { createKey } from '../../testbed/estates/estate';
import {
  createSecurityConfiguration,
  emrConfigurationEvent,
  securityConfigurationDoc,
} from '../../testbed/estates/estate-emr';
import { testDeps, testPolicy, useEmulator } from '../support/harness';

const R = 'us-east-1';
const emu = useEmulator();
let cmk: { arn: string; keyId: string };
const copyName = (name: string) => `${name}-cmk-${cmk.keyId.replace(/-/g, '').slice(0, 8)}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const readConfig = async (name: string): Promise<Record<string, any> | undefined> => {
  try {
    const out = await emu
      .clients()
      .get(EMRClient, { region: R })
      .send(new DescribeSecurityConfigurationCommand({ Name: name }));
    return JSON.parse(out.SecurityConfiguration as string);
  } catch {
    return undefined;
  }
};

beforeEach(async () => {
  await emu.current.reset();
  cmk = await createKey(emu.clients(), R, 'alias/data-platform');
});

describe('emr-security-configuration rule on the emulator', () => {
  it('creates a compliant copy beside a non-compliant configuration, verifies it, and says which to use', async () => {
    const clients = emu.clients();
    const original = securityConfigurationDoc(cmk.arn, {
      s3: { mode: 'SSE-S3' },
      localDisk: { provider: 'AwsKms', key: 'alias/aws/ebs', ebs: false },
    });
    (original as Record<string, unknown>).AuthenticationConfiguration = {
      KerberosConfiguration: {
        Provider: 'ClusterDedicatedKdc',
        ClusterDedicatedKdcConfiguration: { TicketLifetimeInHours: 24 },
      },
    };
    await createSecurityConfiguration(clients, R, 'analytics', original);
    const deps = testDeps(clients);
    const result = await processEvent(emrConfigurationEvent('analytics', R, { id: 'evt-1' }), deps);
    const copy = copyName('analytics');
    expect(result.outcomes[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'S3_NOT_KMS',
      action: 'REMEDIATE',
      result: 'VERIFIED',
      expectedKey: cmk.arn,
    });
    expect(result.outcomes[0]?.detail).toContain('EBS volumes unencrypted');
    expect(result.outcomes[0]?.actionDetail).toContain(`launch clusters with ${copy} instead of analytics`);
    const made = await readConfig(copy);
    expect(made?.EncryptionConfiguration.AtRestEncryptionConfiguration).toEqual({
      S3EncryptionConfiguration: { EncryptionMode: 'SSE-KMS', AwsKmsKey: cmk.arn },
      LocalDiskEncryptionConfiguration: {
        EncryptionKeyProviderType: 'AwsKms',
        AwsKmsKey: cmk.arn,
        EnableEbsEncryption: true,
      },
    });
    expect(made?.AuthenticationConfiguration).toEqual(
      (original as Record<string, unknown>).AuthenticationConfiguration,
    );
    // The original cannot be edited and is kept as it was.
    expect(await readConfig('analytics')).toEqual(original);
    expect(deps.alerts.alerts).toHaveLength(1);
    expect(deps.alerts.alerts[0]).toMatchObject({
      resource: {
        type: 'emr-security-configuration',
        id: 'analytics',
        arn: `arn:aws:elasticmapreduce:${R}:123456789012:security-configuration/analytics`,
      },
      action: { taken: 'REMEDIATE', result: 'VERIFIED' },
    });
  });

  it('a second delivery finds the copy and does nothing new; the event of the copy itself is compliant', async () => {
    const clients = emu.clients();
    await createSecurityConfiguration(clients, R, 'twice', securityConfigurationDoc('alias/aws/s3'));
    const deps = testDeps(clients);
    const event = emrConfigurationEvent('twice', R, { id: 'same' });
    await processEvent(event, deps);
    const again = await processEvent(event, deps);
    expect(again.outcomes[0]).toMatchObject({ reason: 'AWS_MANAGED_KEY', action: 'REMEDIATE', result: 'UNCHANGED' });
    expect(again.outcomes[0]?.actionDetail).toContain(`${copyName('twice')} already exists`);
    const own = await processEvent(emrConfigurationEvent(copyName('twice'), R), deps);
    expect(own.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE' });
    expect(deps.alerts.alerts).toHaveLength(1);
  });

  it('treats the CMK by alias name, alias ARN, key id or key ARN as compliant and creates nothing', async () => {
    const clients = emu.clients();
    const forms = {
      alias: 'alias/data-platform',
      aliasArn: `arn:aws:kms:${R}:123456789012:alias/data-platform`,
      id: cmk.keyId,
      arn: cmk.arn,
    };
    for (const [name, key] of Object.entries(forms)) {
      await createSecurityConfiguration(clients, R, name, securityConfigurationDoc(key));
      const deps = testDeps(clients);
      const r = await processEvent(emrConfigurationEvent(name, R), deps);
      expect(r.outcomes[0]).toMatchObject({ status: 'COMPLIANT', action: 'NONE', observedKey: cmk.arn });
      expect(deps.alerts.alerts).toHaveLength(0);
      expect(await readConfig(copyName(name))).toBeUndefined();
    }
  });

  it("copies a configuration on the other region's CMK onto this region's", async () => {
    const clients = emu.clients();
    const eu = await createKey(clients, 'eu-west-1', 'alias/data-platform');
    await createSecurityConfiguration(clients, R, 'eu-key', securityConfigurationDoc(eu.arn));
    const r = await processEvent(emrConfigurationEvent('eu-key', R), testDeps(clients));
    expect(r.outcomes[0]).toMatchObject({ reason: 'WRONG_REGION_KEY', observedKey: eu.arn, result: 'VERIFIED' });
    expect(
      (await readConfig(copyName('eu-key')))?.EncryptionConfiguration.AtRestEncryptionConfiguration
        .S3EncryptionConfiguration.AwsKmsKey,
    ).toBe(cmk.arn);
  });

  it('a malformed configuration is a finding with a reason, never a crash, and nothing is created', async () => {
    const clients = emu.clients();
    await createSecurityConfiguration(
      clients,
      R,
      'broken',
      '{"EncryptionConfiguration": {"EnableAtRestEncryption": tru',
    );
    const deps = testDeps(clients);
    const r = await processEvent(emrConfigurationEvent('broken', R), deps);
    expect(r.outcomes[0]).toMatchObject({
      status: 'NON_COMPLIANT',
      reason: 'MALFORMED_CONFIGURATION',
      action: 'REMEDIATE',
      result: 'VERIFICATION_FAILED',
    });
    expect(r.outcomes[0]?.detail).toContain('not valid JSON');
    expect(r.outcomes[0]?.actionDetail).toContain('No compliant copy made');
    expect(await readConfig(copyName('broken'))).toBeUndefined();
    expect(deps.alerts.alerts[0]?.severity).toBe('HIGH');
  });

  it('cannot turn in-transit encryption on without a TLS provider: says so, creates nothing', async () => {
    const clients = emu.clients();
    await createSecurityConfiguration(
      clients,
      R,
      'no-tls',
      securityConfigurationDoc(cmk.arn, { inTransit: false, tls: false }),
    );
    const r = await processEvent(emrConfigurationEvent('no-tls', R), testDeps(clients));
    expect(r.outcomes[0]).toMatchObject({ reason: 'IN_TRANSIT_ENCRYPTION_DISABLED', result: 'VERIFICATION_FAILED' });
    expect(r.outcomes[0]?.actionDetail).toContain('TLS certificate provider');
    expect(await readConfig(copyName('no-tls'))).toBeUndefined();
  });

  it.each([
    [
      'PEM certificates in S3',
      { type: 'PEM', s3Object: 's3://platform-certs/emr/certs.zip' },
      { CertificateProviderType: 'PEM', S3Object: 's3://platform-certs/emr/certs.zip' },
    ],
    [
      'a custom provider class',
      { type: 'Custom', s3Object: 's3://platform-certs/emr/provider.jar', providerClass: 'com.example.TlsProvider' },
      {
        CertificateProviderType: 'Custom',
        S3Object: 's3://platform-certs/emr/provider.jar',
        CertificateProviderClass: 'com.example.TlsProvider',
      },
    ],
  ])(
    'in transit off with no provider, the policy naming %s: a compliant copy with that provider, verified; the EMR 5.24.0 note',
    async (_l, provider, expected) => {
      const clients = emu.clients();
      await createSecurityConfiguration(
        clients,
        R,
        'no-tls',
        securityConfigurationDoc(cmk.arn, { inTransit: false, tls: false }),
      );
      const policy = testPolicy({ emr: { tlsCertificateProvider: provider } });
      const r = await processEvent(emrConfigurationEvent('no-tls', R), testDeps(clients, { policy }));
      expect(r.outcomes[0]).toMatchObject({
        reason: 'IN_TRANSIT_ENCRYPTION_DISABLED',
        action: 'REMEDIATE',
        result: 'VERIFIED',
      });
      expect(r.outcomes[0]?.actionDetail).toContain(
        `in-transit TLS with the policy's ${provider.type} certificate provider`,
      );
      expect(r.outcomes[0]?.actionDetail).toContain('needs EMR release 5.24.0 or later');
      const made = await readConfig(copyName('no-tls'));
      expect(made?.EncryptionConfiguration.EnableInTransitEncryption).toBe(true);
      expect(made?.EncryptionConfiguration.InTransitEncryptionConfiguration).toEqual({
        TLSCertificateConfiguration: expected,
      });
    },
  );

  it('quarantine mode only alerts (a configuration cannot be changed or tagged); report mode only reports', async () => {
    const clients = emu.clients();
    await createSecurityConfiguration(
      clients,
      R,
      'sse-s3',
      securityConfigurationDoc(cmk.arn, { s3: { mode: 'SSE-S3' } }),
    );
    for (const policy of [
      testPolicy({ types: { 'emr-security-configuration': { mode: 'quarantine' } } }),
      testPolicy({ mode: 'report' }),
    ]) {
      const deps = testDeps(clients, { policy });
      const r = await processEvent(emrConfigurationEvent('sse-s3', R), deps);
      expect(r.outcomes[0]).toMatchObject({ reason: 'S3_NOT_KMS', action: 'REPORT', result: 'NOT_ATTEMPTED' });
      expect(deps.alerts.alerts).toHaveLength(1);
    }
    expect(await readConfig(copyName('sse-s3'))).toBeUndefined();
  });

  it('a configuration deleted before the event arrives is NOT_APPLICABLE, not an error', async () => {
    const deps = testDeps(emu.clients());
    const r = await processEvent(emrConfigurationEvent('never-was', R), deps);
    expect(r.outcomes[0]).toMatchObject({ status: 'NOT_APPLICABLE', reason: 'RESOURCE_GONE', action: 'NONE' });
    expect(deps.alerts.alerts).toHaveLength(0);
  });

  it('a failed CreateSecurityConfiguration call is skipped', async () => {
    const r = await processEvent(
      emrConfigurationEvent('x', R, { errorCode: 'InvalidRequestException' }),
      testDeps(emu.clients()),
    );
    expect(r).toMatchObject({ kind: 'ignored' });
  });
});

// ListSecurityConfigurations comes from the emulator extension (testbed/emulator/emr_ext.py), 50 per page as
// https://docs.aws.amazon.com/emr/latest/APIReference/API_ListSecurityConfigurations.html states.
describe('emr-security-configuration list (backfill) on the emulator', () => {
  const collect = async (it: AsyncIterable<string>) => {
    const out: string[] = [];
    for await (const x of it) out.push(x);
    return out;
  };

  it('lists every security configuration across pages', async () => {
    const names = Array.from({ length: 53 }, (_, i) => `cfg-${String(i).padStart(2, '0')}`);
    for (const name of names)
      await createSecurityConfiguration(emu.clients(), R, name, securityConfigurationDoc(cmk.arn));
    const emr = emu.clients().get(EMRClient, { region: R });
    const first = await emr.send(new ListSecurityConfigurationsCommand({}));
    expect(first.SecurityConfigurations).toHaveLength(50);
    expect(first.Marker).toBeDefined();
    expect(
      (await emr.send(new ListSecurityConfigurationsCommand({ Marker: first.Marker }))).SecurityConfigurations,
    ).toHaveLength(3);
    const policy = testPolicy();
    const ctx: RuleContext = {
      clients: emu.clients(),
      keys: new KeyResolver(emu.clients(), policy),
      policy,
      scope: { region: R },
    };
    expect((await collect(emrSecurityConfigurationRule.list(ctx))).sort()).toEqual(names);
  });

  it('an empty account lists nothing; a marker not from a previous call is refused', async () => {
    const emr = emu.clients().get(EMRClient, { region: R });
    expect((await emr.send(new ListSecurityConfigurationsCommand({}))).SecurityConfigurations).toEqual([]);
    await expect(emr.send(new ListSecurityConfigurationsCommand({ Marker: 'bogus' }))).rejects.toMatchObject({
      name: 'InvalidRequestException',
    });
  });
});
