import type { KeyInfo, ObservedKey } from '../../../../shared/kms/key-resolver';
import { compliantCopyName, compliantDocument, isCompliantCopyName } from '../../../../shared/emr/compliant-copy';
import {
  evaluateSecurityConfiguration,
  type SecurityConfigurationState,
} from '../../../../shared/emr/security-configuration';
import { keyRefsOf, parseSecurityConfiguration } from '../../../../shared/emr/parse';
import { testPolicy } from '../../../support/harness';

const R = 'us-east-1';
const ACCT = '123456789012';
const CMK: KeyInfo = {
  arn: `arn:aws:kms:${R}:${ACCT}:key/1a2b3c4d-0000-1111-2222-333344445555`,
  keyId: '1a2b3c4d-0000-1111-2222-333344445555',
  region: R,
  account: ACCT,
  managedBy: 'CUSTOMER',
};
const ctx = { region: R, cmk: CMK, policy: testPolicy() };

// The resolver's view of every key name used below: the CMK in each of its four forms, and the wrong keys.
const KEYS: Record<string, ObservedKey> = {
  [CMK.arn]: { ref: CMK.arn, info: CMK },
  [CMK.keyId]: { ref: CMK.keyId, info: CMK },
  'alias/data-platform': { ref: 'alias/data-platform', info: CMK },
  [`arn:aws:kms:${R}:${ACCT}:alias/data-platform`]: { ref: `arn:aws:kms:${R}:${ACCT}:alias/data-platform`, info: CMK },
  'alias/aws/s3': {
    ref: 'alias/aws/s3',
    info: { arn: 'alias/aws/s3', keyId: 'alias/aws/s3', region: R, account: '', managedBy: 'AWS' },
  },
  'alias/other': { ref: 'alias/other', info: { ...CMK, arn: `arn:aws:kms:${R}:${ACCT}:key/other`, keyId: 'other' } },
  [`arn:aws:kms:eu-west-1:${ACCT}:alias/data-platform`]: {
    ref: `arn:aws:kms:eu-west-1:${ACCT}:alias/data-platform`,
    info: { ...CMK, arn: `arn:aws:kms:eu-west-1:${ACCT}:key/eu`, keyId: 'eu', region: 'eu-west-1' },
  },
  'alias/gone': { ref: 'alias/gone' },
};

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const good = (key = CMK.arn): Doc => ({
  EncryptionConfiguration: {
    EnableInTransitEncryption: true,
    EnableAtRestEncryption: true,
    InTransitEncryptionConfiguration: {
      TLSCertificateConfiguration: { CertificateProviderType: 'PEM', S3Object: 's3://certs/emr.zip' },
    },
    AtRestEncryptionConfiguration: {
      S3EncryptionConfiguration: { EncryptionMode: 'SSE-KMS', AwsKmsKey: key },
      LocalDiskEncryptionConfiguration: {
        EncryptionKeyProviderType: 'AwsKms',
        AwsKmsKey: key,
        EnableEbsEncryption: true,
      },
    },
  },
});

const state = (raw: string | Doc, name = 'cfg'): SecurityConfigurationState => {
  const parsed = parseSecurityConfiguration(typeof raw === 'string' ? raw : JSON.stringify(raw));
  const keys = parsed.ok
    ? Object.fromEntries(
        keyRefsOf(parsed.settings)
          .filter((r) => KEYS[r])
          .map((r) => [r, KEYS[r] as ObservedKey]),
      )
    : {};
  return { name, region: R, parsed, keys };
};

const edit = (f: (d: Doc) => void, key?: string): Doc => {
  const d = good(key);
  f(d);
  return d;
};
const ec = (d: Doc) => d.EncryptionConfiguration;
const atRest = (d: Doc) => d.EncryptionConfiguration.AtRestEncryptionConfiguration;

describe('evaluateSecurityConfiguration: key naming forms', () => {
  it.each<[string, string, string | undefined]>([
    ['the CMK by key ARN', CMK.arn, undefined],
    ['the CMK by key id', CMK.keyId, undefined],
    ['the CMK by alias name', 'alias/data-platform', undefined],
    ['the CMK by alias ARN', `arn:aws:kms:${R}:${ACCT}:alias/data-platform`, undefined],
    ['the AWS-managed aws/s3 key', 'alias/aws/s3', 'AWS_MANAGED_KEY'],
    ['another customer key', 'alias/other', 'WRONG_KEY'],
    ['the same alias in another region', `arn:aws:kms:eu-west-1:${ACCT}:alias/data-platform`, 'WRONG_REGION_KEY'],
    ['a key that does not exist', 'alias/gone', 'UNKNOWN_KEY'],
  ])('%s', (_label, key, reason) => {
    const f = evaluateSecurityConfiguration(state(good(key)), ctx);
    expect(f.status).toBe(reason ? 'NON_COMPLIANT' : 'COMPLIANT');
    expect(f.reason).toBe(reason);
    expect(f.expectedKey).toBe(CMK.arn);
    if (!reason) expect(f.observedKey).toBe(CMK.arn);
  });

  it('reports the canonical ARN of a wrong key and says which part uses it', () => {
    const f = evaluateSecurityConfiguration(
      state(
        edit((d) => {
          atRest(d).LocalDiskEncryptionConfiguration.AwsKmsKey = 'alias/other';
        }),
      ),
      ctx,
    );
    expect(f).toMatchObject({ reason: 'WRONG_KEY', observedKey: `arn:aws:kms:${R}:${ACCT}:key/other` });
    expect(f.detail).toContain('local disk encryption uses a KMS key that is not the regional CMK');
  });
});

describe('evaluateSecurityConfiguration: each missing part', () => {
  it.each<[string, Doc, string]>([
    [
      'at rest off',
      edit((d) => {
        ec(d).EnableAtRestEncryption = false;
      }),
      'AT_REST_ENCRYPTION_DISABLED',
    ],
    [
      'at rest flag absent',
      edit((d) => {
        delete ec(d).EnableAtRestEncryption;
      }),
      'AT_REST_ENCRYPTION_DISABLED',
    ],
    [
      'no S3 encryption',
      edit((d) => {
        delete atRest(d).S3EncryptionConfiguration;
      }),
      'S3_ENCRYPTION_MISSING',
    ],
    [
      'S3 with SSE-S3',
      edit((d) => {
        atRest(d).S3EncryptionConfiguration = { EncryptionMode: 'SSE-S3' };
      }),
      'S3_NOT_KMS',
    ],
    [
      'S3 with CSE-Custom',
      edit((d) => {
        atRest(d).S3EncryptionConfiguration = {
          EncryptionMode: 'CSE-Custom',
          S3Object: 's3://p/x.jar',
          EncryptionKeyProviderClass: 'x.Y',
        };
      }),
      'S3_NOT_KMS',
    ],
    [
      'SSE-KMS without a key',
      edit((d) => {
        delete atRest(d).S3EncryptionConfiguration.AwsKmsKey;
      }),
      'NO_KEY',
    ],
    [
      'a per-bucket override with SSE-S3',
      edit((d) => {
        atRest(d).S3EncryptionConfiguration.Overrides = [{ BucketName: 'raw', EncryptionMode: 'SSE-S3' }];
      }),
      'S3_NOT_KMS',
    ],
    [
      'a per-bucket override with another key',
      edit((d) => {
        atRest(d).S3EncryptionConfiguration.Overrides = [
          { BucketName: 'raw', EncryptionMode: 'SSE-KMS', AwsKmsKey: 'alias/other' },
        ];
      }),
      'WRONG_KEY',
    ],
    [
      'no local disk encryption',
      edit((d) => {
        delete atRest(d).LocalDiskEncryptionConfiguration;
      }),
      'LOCAL_DISK_ENCRYPTION_MISSING',
    ],
    [
      'local disk with a custom provider',
      edit((d) => {
        atRest(d).LocalDiskEncryptionConfiguration = {
          EncryptionKeyProviderType: 'Custom',
          S3Object: 's3://p/k.jar',
          EncryptionKeyProviderClass: 'x.K',
        };
      }),
      'LOCAL_DISK_NOT_KMS',
    ],
    [
      'local disk on the aws-managed key',
      edit((d) => {
        atRest(d).LocalDiskEncryptionConfiguration.AwsKmsKey = 'alias/aws/s3';
      }),
      'AWS_MANAGED_KEY',
    ],
    [
      'EBS encryption off',
      edit((d) => {
        atRest(d).LocalDiskEncryptionConfiguration.EnableEbsEncryption = false;
      }),
      'EBS_ENCRYPTION_DISABLED',
    ],
    [
      'EBS flag absent',
      edit((d) => {
        delete atRest(d).LocalDiskEncryptionConfiguration.EnableEbsEncryption;
      }),
      'EBS_ENCRYPTION_DISABLED',
    ],
    [
      'in transit off',
      edit((d) => {
        ec(d).EnableInTransitEncryption = false;
      }),
      'IN_TRANSIT_ENCRYPTION_DISABLED',
    ],
    [
      'no encryption section at all (Kerberos only)',
      { AuthenticationConfiguration: { KerberosConfiguration: { Provider: 'ClusterDedicatedKdc' } } },
      'AT_REST_ENCRYPTION_DISABLED',
    ],
  ])('%s', (_label, doc, reason) => {
    const f = evaluateSecurityConfiguration(state(doc), ctx);
    expect(f).toMatchObject({ status: 'NON_COMPLIANT', reason, expectedKey: CMK.arn });
    expect(f.detail).toMatch(/^EMR security configuration cfg /);
  });

  it('CSE-KMS with the CMK is compliant', () => {
    expect(
      evaluateSecurityConfiguration(
        state(
          edit((d) => {
            atRest(d).S3EncryptionConfiguration.EncryptionMode = 'CSE-KMS';
          }),
        ),
        ctx,
      ).status,
    ).toBe('COMPLIANT');
  });

  it('names every problem in the detail, the first as the reason', () => {
    const f = evaluateSecurityConfiguration(
      state(
        edit((d) => {
          ec(d).EnableInTransitEncryption = false;
          atRest(d).LocalDiskEncryptionConfiguration.EnableEbsEncryption = false;
          atRest(d).S3EncryptionConfiguration.EncryptionMode = 'SSE-S3';
        }),
      ),
      ctx,
    );
    expect(f.reason).toBe('S3_NOT_KMS');
    expect(f.detail).toContain('SSE-S3');
    expect(f.detail).toContain('EBS volumes unencrypted');
    expect(f.detail).toContain('in-transit encryption is off');
  });
});

describe('evaluateSecurityConfiguration: malformed input is a finding, never a crash', () => {
  it.each<[string, string, RegExp]>([
    ['not JSON', '{"EncryptionConfiguration": {', /not valid JSON/],
    ['empty', '', /empty/],
    ['a JSON array', '[1,2]', /an array, expected a JSON object/],
    ['a JSON string', '"SSE-KMS"', /a string, expected a JSON object/],
    ['JSON null', 'null', /null, expected a JSON object/],
    [
      'EncryptionConfiguration a string',
      '{"EncryptionConfiguration":"on"}',
      /EncryptionConfiguration is a string, expected an object/,
    ],
    [
      'EnableAtRestEncryption the string "true"',
      JSON.stringify(
        edit((d) => {
          ec(d).EnableAtRestEncryption = 'true';
        }),
      ),
      /EnableAtRestEncryption is a string, expected true or false/,
    ],
    [
      'EnableEbsEncryption a number',
      JSON.stringify(
        edit((d) => {
          atRest(d).LocalDiskEncryptionConfiguration.EnableEbsEncryption = 1;
        }),
      ),
      /EnableEbsEncryption is a number/,
    ],
    [
      'AwsKmsKey an object',
      JSON.stringify(
        edit((d) => {
          atRest(d).S3EncryptionConfiguration.AwsKmsKey = { arn: CMK.arn };
        }),
      ),
      /AwsKmsKey is an object, expected a string/,
    ],
    [
      'EncryptionMode missing',
      JSON.stringify(
        edit((d) => {
          delete atRest(d).S3EncryptionConfiguration.EncryptionMode;
        }),
      ),
      /EncryptionMode is missing/,
    ],
    [
      'Overrides not a list',
      JSON.stringify(
        edit((d) => {
          atRest(d).S3EncryptionConfiguration.Overrides = { BucketName: 'x' };
        }),
      ),
      /Overrides is an object, expected a list/,
    ],
    [
      'an override not an object',
      JSON.stringify(
        edit((d) => {
          atRest(d).S3EncryptionConfiguration.Overrides = ['x'];
        }),
      ),
      /Overrides\[0\] is a string/,
    ],
    [
      'key provider type missing',
      JSON.stringify(
        edit((d) => {
          delete atRest(d).LocalDiskEncryptionConfiguration.EncryptionKeyProviderType;
        }),
      ),
      /EncryptionKeyProviderType is missing/,
    ],
    [
      'AtRestEncryptionConfiguration an array',
      JSON.stringify(
        edit((d) => {
          ec(d).AtRestEncryptionConfiguration = [];
        }),
      ),
      /AtRestEncryptionConfiguration is an array/,
    ],
  ])('%s', (_label, raw, detail) => {
    const f = evaluateSecurityConfiguration(state(raw), ctx);
    expect(f).toMatchObject({ status: 'NON_COMPLIANT', reason: 'MALFORMED_CONFIGURATION', expectedKey: CMK.arn });
    expect(f.detail).toMatch(detail);
  });

  it('a configuration that is not a string at all', () => {
    expect(parseSecurityConfiguration(undefined)).toEqual({ ok: false, problem: 'the configuration is empty' });
    expect(parseSecurityConfiguration(42)).toMatchObject({ ok: false });
  });
});

describe('compliant copy', () => {
  it('has a deterministic name per original and CMK, recognisable as a copy', () => {
    const name = compliantCopyName('analytics', CMK);
    expect(name).toBe('analytics-cmk-1a2b3c4d');
    expect(compliantCopyName('analytics', CMK)).toBe(name);
    expect(compliantCopyName('analytics', { keyId: 'ffffeeee-1' })).not.toBe(name);
    expect(isCompliantCopyName(name, CMK)).toBe(true);
    expect(isCompliantCopyName('analytics', CMK)).toBe(false);
    expect(compliantCopyName('x'.repeat(500), CMK).length).toBeLessThanOrEqual(200);
  });

  it('makes every part compliant and keeps everything else, including CSE-KMS and the TLS provider', () => {
    const original = edit((d) => {
      ec(d).EnableAtRestEncryption = false;
      atRest(d).S3EncryptionConfiguration = {
        EncryptionMode: 'CSE-KMS',
        AwsKmsKey: 'alias/other',
        Overrides: [{ BucketName: 'raw', EncryptionMode: 'SSE-S3' }],
      };
      atRest(d).LocalDiskEncryptionConfiguration = {
        EncryptionKeyProviderType: 'Custom',
        S3Object: 's3://p/k.jar',
        EncryptionKeyProviderClass: 'x.K',
      };
      d.AuthenticationConfiguration = {
        KerberosConfiguration: {
          Provider: 'ClusterDedicatedKdc',
          ClusterDedicatedKdcConfiguration: { TicketLifetimeInHours: 24 },
        },
      };
      d.InstanceMetadataServiceConfiguration = { MinimumInstanceMetadataServiceVersion: 2, HttpPutResponseHopLimit: 2 };
    }, 'alias/other');
    const copy = compliantDocument(parseSecurityConfiguration(JSON.stringify(original)), CMK);
    if (!copy.ok) throw new Error(copy.why);
    expect(copy.doc.AuthenticationConfiguration).toEqual(original.AuthenticationConfiguration);
    expect(copy.doc.InstanceMetadataServiceConfiguration).toEqual(original.InstanceMetadataServiceConfiguration);
    expect((copy.doc as Doc).EncryptionConfiguration.InTransitEncryptionConfiguration).toEqual(
      ec(original).InTransitEncryptionConfiguration,
    );
    expect((copy.doc as Doc).EncryptionConfiguration.AtRestEncryptionConfiguration).toEqual({
      S3EncryptionConfiguration: {
        EncryptionMode: 'CSE-KMS',
        AwsKmsKey: CMK.arn,
        Overrides: [{ BucketName: 'raw', EncryptionMode: 'SSE-KMS', AwsKmsKey: CMK.arn }],
      },
      LocalDiskEncryptionConfiguration: {
        EncryptionKeyProviderType: 'AwsKms',
        AwsKmsKey: CMK.arn,
        EnableEbsEncryption: true,
      },
    });
    // And the copy, read back as EMR would return it, evaluates compliant.
    expect(evaluateSecurityConfiguration(state(copy.doc, 'copy'), ctx).status).toBe('COMPLIANT');
    // The original is not modified in place.
    expect(ec(original).EnableAtRestEncryption).toBe(false);
  });

  it('cannot turn in-transit on without a TLS certificate provider, nor copy a malformed original', () => {
    const noTls = edit((d) => {
      ec(d).EnableInTransitEncryption = false;
      delete ec(d).InTransitEncryptionConfiguration;
    });
    expect(compliantDocument(parseSecurityConfiguration(JSON.stringify(noTls)), CMK)).toMatchObject({
      ok: false,
      why: expect.stringContaining('TLS certificate provider'),
    });
    expect(compliantDocument(parseSecurityConfiguration('{oops'), CMK)).toMatchObject({
      ok: false,
      why: expect.stringContaining('not valid JSON'),
    });
  });

  it('turns in-transit on when the original names a TLS provider but has it off', () => {
    const off = edit((d) => {
      ec(d).EnableInTransitEncryption = false;
    });
    const copy = compliantDocument(parseSecurityConfiguration(JSON.stringify(off)), CMK);
    expect(copy.ok && (copy.doc as Doc).EncryptionConfiguration.EnableInTransitEncryption).toBe(true);
  });
});

describe('policy emr.tlsCertificateProvider', () => {
  it('accepts PEM (s3Object) and Custom (s3Object + providerClass) only', () => {
    expect(
      testPolicy({ emr: { tlsCertificateProvider: { type: 'PEM', s3Object: 's3://b/certs.zip' } } }).doc.emr
        ?.tlsCertificateProvider,
    ).toEqual({ type: 'PEM', s3Object: 's3://b/certs.zip' });
    expect(() =>
      testPolicy({ emr: { tlsCertificateProvider: { type: 'Custom', s3Object: 's3://b/p.jar' } } }),
    ).toThrow();
    expect(() => testPolicy({ emr: { tlsCertificateProvider: { type: 'PEM', s3Object: 'certs.zip' } } })).toThrow(
      /s3:\/\/bucket\/key/,
    );
  });
});
