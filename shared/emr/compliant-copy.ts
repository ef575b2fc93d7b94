import type { KeyInfo } from '../kms/key-resolver';
import type { ParsedConfiguration } from './parse';
import { type Obj, isObj } from '../json';

/** EMR allows long names; keep ours well inside any limit and readable. */
const MAX_NAME = 200;

/**
 * The deterministic name of the compliant copy of `name` for this CMK: the same
 * original and key always give the same name, so a repeat finds the copy it made.
 * The key id is part of it so a new CMK leads to a new copy, not a stale one.
 */
export const compliantCopyName = (name: string, cmk: Pick<KeyInfo, 'keyId'>): string => {
  const suffix = `-cmk-${cmk.keyId.replace(/[^A-Za-z0-9]/g, '').slice(0, 8)}`;
  return `${name.slice(0, MAX_NAME - suffix.length)}${suffix}`;
};

export const isCompliantCopyName = (name: string, cmk: Pick<KeyInfo, 'keyId'>): boolean =>
  name.endsWith(compliantCopyName('', cmk));

// Fields that only belong to a custom key provider: dropped when the copy uses KMS.
const CUSTOM_PROVIDER_FIELDS = ['S3Object', 'EncryptionKeyProviderClass'];

const withoutCustom = (o: Obj): Obj =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !CUSTOM_PROVIDER_FIELDS.includes(k)));

const kmsMode = (mode: unknown): string => (mode === 'CSE-KMS' ? 'CSE-KMS' : 'SSE-KMS');

/** The policy's TLS certificate provider (policy `emr.tlsCertificateProvider`). */
export type TlsCertificateProvider =
  { type: 'PEM'; s3Object: string } | { type: 'Custom'; s3Object: string; providerClass: string };

/** As EMR's security configuration JSON names it: InTransitEncryptionConfiguration.TLSCertificateConfiguration. */
export const tlsCertificateConfiguration = (p: TlsCertificateProvider): Obj =>
  p.type === 'PEM'
    ? { CertificateProviderType: 'PEM', S3Object: p.s3Object }
    : { CertificateProviderType: 'Custom', S3Object: p.s3Object, CertificateProviderClass: p.providerClass };

/**
 * The original's settings with encryption made compliant: at rest on, S3 with
 * SSE-KMS (CSE-KMS kept) and every override on the CMK, local disk AwsKms with the
 * CMK and EBS on, in transit on. Everything else (authentication, authorization,
 * metadata service, the TLS provider) is copied unchanged. Pure.
 * In-transit encryption needs a TLS certificate provider: the original's, else the one
 * the policy names for the platform; without either, no compliant copy can be made.
 */
export const compliantDocument = (
  parsed: ParsedConfiguration,
  cmk: Pick<KeyInfo, 'arn'>,
  tlsProvider?: TlsCertificateProvider,
): { ok: true; doc: Obj } | { ok: false; why: string } => {
  if (!parsed.ok) return { ok: false, why: `the original cannot be copied: ${parsed.problem}` };
  const needsProvider = !parsed.settings.inTransit && !parsed.settings.tlsCertificate;
  if (needsProvider && !tlsProvider) {
    return {
      ok: false,
      why: 'in-transit encryption is off and neither the original nor the policy (emr.tlsCertificateProvider) names a TLS certificate provider (PEM certificates in S3 or a custom provider); only its owner can choose one',
    };
  }
  const doc = structuredClone(parsed.doc);
  const ec: Obj = isObj(doc.EncryptionConfiguration) ? doc.EncryptionConfiguration : {};
  if (needsProvider && tlsProvider) {
    const inTransit: Obj = isObj(ec.InTransitEncryptionConfiguration) ? ec.InTransitEncryptionConfiguration : {};
    ec.InTransitEncryptionConfiguration = {
      ...inTransit,
      TLSCertificateConfiguration: tlsCertificateConfiguration(tlsProvider),
    };
  }
  const atRest: Obj = isObj(ec.AtRestEncryptionConfiguration) ? ec.AtRestEncryptionConfiguration : {};
  const s3: Obj = isObj(atRest.S3EncryptionConfiguration) ? atRest.S3EncryptionConfiguration : {};
  const disk: Obj = isObj(atRest.LocalDiskEncryptionConfiguration) ? atRest.LocalDiskEncryptionConfiguration : {};
  const overrides = Array.isArray(s3.Overrides)
    ? s3.Overrides.filter(isObj).map((o) => ({
        ...withoutCustom(o),
        EncryptionMode: kmsMode(o.EncryptionMode),
        AwsKmsKey: cmk.arn,
      }))
    : undefined;
  doc.EncryptionConfiguration = {
    ...ec,
    EnableAtRestEncryption: true,
    EnableInTransitEncryption: true,
    AtRestEncryptionConfiguration: {
      ...atRest,
      S3EncryptionConfiguration: {
        ...withoutCustom(s3),
        EncryptionMode: kmsMode(s3.EncryptionMode),
        AwsKmsKey: cmk.arn,
        ...(overrides ? { Overrides: overrides } : {}),
      },
      LocalDiskEncryptionConfiguration: {
        ...withoutCustom(disk),
        EncryptionKeyProviderType: 'AwsKms',
        AwsKmsKey: cmk.arn,
        EnableEbsEncryption: true,
      },
    },
  };
  return { ok: true, doc };
};
