import { type Obj, isObj } from '../json';

/**
 * An EMR security configuration is a JSON string that EMR stores as given. Read it
 * defensively: anything unexpected becomes a `problem`, never an exception. Pure.
 */

export interface S3Encryption {
  /** SSE-S3 | SSE-KMS | CSE-KMS | CSE-Custom */
  mode: string;
  keyRef?: string;
}

export interface EncryptionSettings {
  atRest: boolean;
  inTransit: boolean;
  /** The in-transit TLS certificate provider is named (needed to turn in-transit on). */
  tlsCertificate: boolean;
  s3?: S3Encryption & { overrides: (S3Encryption & { bucket: string })[] };
  localDisk?: { provider: string; keyRef?: string; ebs: boolean };
}

export type ParsedConfiguration = { ok: true; doc: Obj; settings: EncryptionSettings } | { ok: false; problem: string };

const kind = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;

class Malformed extends Error {}

const obj = (parent: Obj, key: string, path: string): Obj | undefined => {
  const v = parent[key];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new Malformed(`${path}${key} is ${kind(v)}, expected an object`);
  return v;
};

const bool = (parent: Obj, key: string, path: string): boolean => {
  const v = parent[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new Malformed(`${path}${key} is ${kind(v)}, expected true or false`);
  return v;
};

const text = (parent: Obj, key: string, path: string): string | undefined => {
  const v = parent[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Malformed(`${path}${key} is ${kind(v)}, expected a string`);
  return v.length > 0 ? v : undefined;
};

const readS3 = (s3: Obj, path: string): NonNullable<EncryptionSettings['s3']> => {
  const mode = text(s3, 'EncryptionMode', path);
  if (!mode) throw new Malformed(`${path}EncryptionMode is missing`);
  const raw = s3.Overrides;
  if (raw !== undefined && raw !== null && !Array.isArray(raw))
    throw new Malformed(`${path}Overrides is ${kind(raw)}, expected a list`);
  const overrides = (raw ?? []).map((o, i) => {
    const at = `${path}Overrides[${i}].`;
    if (!isObj(o)) throw new Malformed(`${at.slice(0, -1)} is ${kind(o)}, expected an object`);
    return {
      bucket: text(o, 'BucketName', at) ?? '(unnamed bucket)',
      mode: text(o, 'EncryptionMode', at) ?? '(none)',
      keyRef: text(o, 'AwsKmsKey', at),
    };
  });
  return { mode, keyRef: text(s3, 'AwsKmsKey', path), overrides };
};

/** Parse the configuration string EMR returns; a malformed one is a problem, not a crash. */
export const parseSecurityConfiguration = (raw: unknown): ParsedConfiguration => {
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, problem: 'the configuration is empty' };
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (e) {
    return { ok: false, problem: `the configuration is not valid JSON (${(e as Error).message.slice(0, 120)})` };
  }
  if (!isObj(doc)) return { ok: false, problem: `the configuration is ${kind(doc)}, expected a JSON object` };
  try {
    const ec = obj(doc, 'EncryptionConfiguration', '');
    if (!ec) return { ok: true, doc, settings: { atRest: false, inTransit: false, tlsCertificate: false } };
    const p = 'EncryptionConfiguration.';
    const atRestCfg = obj(ec, 'AtRestEncryptionConfiguration', p);
    const inTransitCfg = obj(ec, 'InTransitEncryptionConfiguration', p);
    const settings: EncryptionSettings = {
      atRest: bool(ec, 'EnableAtRestEncryption', p),
      inTransit: bool(ec, 'EnableInTransitEncryption', p),
      tlsCertificate: inTransitCfg
        ? obj(inTransitCfg, 'TLSCertificateConfiguration', `${p}InTransitEncryptionConfiguration.`) !== undefined
        : false,
    };
    if (atRestCfg) {
      const ap = `${p}AtRestEncryptionConfiguration.`;
      const s3 = obj(atRestCfg, 'S3EncryptionConfiguration', ap);
      if (s3) settings.s3 = readS3(s3, `${ap}S3EncryptionConfiguration.`);
      const disk = obj(atRestCfg, 'LocalDiskEncryptionConfiguration', ap);
      if (disk) {
        const dp = `${ap}LocalDiskEncryptionConfiguration.`;
        const provider = text(disk, 'EncryptionKeyProviderType', dp);
        if (!provider) throw new Malformed(`${dp}EncryptionKeyProviderType is missing`);
        settings.localDisk = {
          provider,
          keyRef: text(disk, 'AwsKmsKey', dp),
          ebs: bool(disk, 'EnableEbsEncryption', dp),
        };
      }
    }
    return { ok: true, doc, settings };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, problem: e.message };
    throw e;
  }
};

/** Every KMS key reference a configuration names (for the resolver), without duplicates. */
export const keyRefsOf = (s: EncryptionSettings): string[] => {
  const refs = [s.s3?.keyRef, ...(s.s3?.overrides ?? []).map((o) => o.keyRef), s.localDisk?.keyRef];
  return [...new Set(refs.filter((r): r is string => !!r))];
};
