import type { ClientFactory } from '../../shared/aws/clients';
import { type BucketEncryption, createBucket } from './estate';

/** Run `fn` over `items` with at most `n` in flight. */
export const pool = async <T>(items: Iterable<T>, n: number, fn: (t: T) => Promise<void>): Promise<void> => {
  const it = items[Symbol.iterator]();
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (let x = it.next(); !x.done; x = it.next()) await fn(x.value);
    }),
  );
};

/** The mix of a bench estate: about a third non-compliant, in every way the S3 rule knows. */
export const encryptionFor = (i: number, cmkAlias = 'alias/data-platform'): BucketEncryption => {
  switch (i % 9) {
    case 0:
      return { kind: 'none' };
    case 1:
      return { kind: 'sse-s3' };
    case 2:
      return i % 2 ? { kind: 'kms' } : { kind: 'kms', keyId: cmkAlias, bucketKey: false };
    default:
      return { kind: 'kms', keyId: cmkAlias };
  }
};

/** `perRegion` buckets in each region, named bench-<region>-<i>. */
export const buildBucketEstate = async (
  clients: ClientFactory,
  regions: readonly string[],
  perRegion: number,
  concurrency = 24,
): Promise<number> => {
  const jobs = regions.flatMap((r) => Array.from({ length: perRegion }, (_, i) => ({ r, i })));
  await pool(jobs, concurrency, ({ r, i }) => createBucket(clients, r, `bench-${r}-${i}`, encryptionFor(i)));
  return jobs.filter(({ i }) => i % 9 < 3).length;
};
