import type { ConfigInventory, ConfigItem } from '../contract';
import type { BucketDefaultEncryption, S3BucketState } from './evaluate';
import { OBJECTS_MARKER } from './s3-tags';

/** Config's supplementary values are JSON text (some, as recorded, JSON text of JSON text). */
const parseJson = (text: string | undefined): unknown => {
  if (text === undefined) return undefined;
  try {
    let v: unknown = JSON.parse(text);
    if (typeof v === 'string') v = JSON.parse(v);
    return v;
  } catch {
    return undefined;
  }
};

interface RecordedRule {
  applyServerSideEncryptionByDefault?: { sseAlgorithm?: string; kmsMasterKeyID?: string | null };
  bucketKeyEnabled?: boolean;
}

/**
 * The bucket's default encryption as AWS Config records it: supplementary ServerSideEncryptionConfiguration
 * = {rules: [{applyServerSideEncryptionByDefault: {sseAlgorithm, kmsMasterKeyID}, bucketKeyEnabled}]} (AWS Config
 * resource schema, AWS::S3::Bucket). Absent or unreadable = Config cannot tell (every bucket has a default since
 * 2023-01-05, so a recorded item without one is not evidence of none).
 */
export const recordedEncryption = (item: ConfigItem): BucketDefaultEncryption | undefined => {
  const sse = parseJson(item.supplementaryConfiguration?.ServerSideEncryptionConfiguration) as
    { rules?: RecordedRule[] } | undefined;
  const rule = sse?.rules?.find((r) => r.applyServerSideEncryptionByDefault?.sseAlgorithm);
  const def = rule?.applyServerSideEncryptionByDefault;
  if (!def?.sseAlgorithm) return undefined;
  return {
    algorithm: def.sseAlgorithm,
    keyRef: def.kmsMasterKeyID || undefined,
    bucketKey: rule?.bucketKeyEnabled === true,
  };
};

/** Items of buckets that exist and are recorded: a deleted or no-longer-recorded one is re-read. */
const LIVE = new Set(['OK', 'ResourceDiscovered']);

export const s3BucketInventory: ConfigInventory<S3BucketState> = {
  configType: 'AWS::S3::Bucket',
  // The objects marker makes a bucket with a compliant default non-compliant (dataOnly); Config's batch reads
  // filter tags out, so buckets carrying it are found with one tagging listing and re-read.
  verdictTags: {
    keys: [OBJECTS_MARKER],
    taggingType: 's3:bucket',
    idOf: (arn) => /^arn:aws[a-z-]*:s3:::([^/]+)$/.exec(arn)?.[1],
  },
  async fromConfig(item, ref, ctx) {
    if (item.status && !LIVE.has(item.status)) return undefined;
    const encryption = recordedEncryption(item);
    if (!encryption) return undefined;
    const observedKey = encryption.algorithm.startsWith('aws:kms')
      ? await ctx.keys.observe(encryption.keyRef ?? 'alias/aws/s3', ref.region)
      : undefined;
    return { bucket: ref.id, region: ref.region, account: ref.account, encryption, observedKey };
  },
};
