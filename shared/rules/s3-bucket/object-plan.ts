import type { DataOutcome } from '../contract';
import { isComplete, skippedCount } from '../data-outcome';

/** How one object version is encrypted, as HeadObject reports it. */
export type ObjectEncryption = 'NONE' | 'SSE-S3' | 'SSE-KMS' | 'DSSE-KMS' | 'SSE-C';

/** One object version as read (ListObjectVersions + HeadObject): what the plan needs, nothing more. */
export interface ObjectVersionState {
  key: string;
  /** Absent or 'null' in a bucket that was never versioned. */
  versionId?: string;
  latest: boolean;
  /** The bucket has (or had) versioning on: a copy makes a new version and keeps the old one. */
  versioned: boolean;
  size: number;
  storageClass: string;
  encryption: ObjectEncryption;
  kmsKeyArn?: string;
  bucketKey?: boolean;
  /** Glacier Flexible Retrieval / Deep Archive, or an Intelligent-Tiering archive tier, not restored. */
  archived: boolean;
  lock?: { mode?: string; retainUntil?: string; legalHold?: boolean };
}

export type SkipReason =
  | 'SSE_C'
  | 'DSSE_KMS_OTHER_KEY'
  | 'ARCHIVED_UNENCRYPTED'
  | 'OBJECT_LOCKED'
  | 'UNENCRYPTED_OLD_VERSION'
  | 'TOO_LARGE_TO_COPY';

export type ObjectStep =
  | { kind: 'ALREADY' }
  /** `UpdateObjectEncryption` on this version: no data moved; class, dates, ETag and checksums kept. */
  | { kind: 'UPDATE' }
  /** CopyObject onto itself (≤ 5 GiB) or a multipart copy with `partSize`: only for unencrypted sources. */
  | { kind: 'COPY'; multipart: false }
  | { kind: 'COPY'; multipart: true; partSize: number; parts: number }
  | { kind: 'SKIP'; reason: SkipReason; why: string };

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
/** CopyObject copies up to 5 GiB in one request; above, a multipart upload (S3 API reference, CopyObject). */
export const COPY_MAX = 5 * GiB;
/** Multipart: parts 1–10,000, each 5 MiB–5 GiB (S3 user guide, multipart upload limits). */
const MAX_PARTS = 10_000;
const MIN_PART = 5 * MiB;
const MAX_PART = 5 * GiB;
const DEFAULT_PART = 512 * MiB;

/** Parts sized for the object: 512 MiB, or larger so the object fits 10,000 parts; undefined when it cannot. Pure. */
export const partSizeFor = (size: number): number | undefined => {
  const needed = Math.ceil(size / MAX_PARTS / MiB) * MiB;
  const part = Math.max(MIN_PART, DEFAULT_PART, needed);
  return part > MAX_PART ? undefined : part;
};

/** A retention date in the future or a legal hold: the version is protected. Pure (the clock is an argument). */
export const isLocked = (lock: ObjectVersionState['lock'], now: Date): boolean =>
  Boolean(lock?.legalHold) || Boolean(lock?.mode && lock.retainUntil && Date.parse(lock.retainUntil) > now.getTime());

export const itemName = (v: Pick<ObjectVersionState, 'key' | 'versionId'>): string =>
  v.versionId && v.versionId !== 'null' ? `${v.key}?versionId=${v.versionId}` : v.key;

/**
 * What to do with one object version to put it on the CMK. Pure.
 * - On the CMK already (SSE-KMS or DSSE-KMS): nothing.
 * - SSE-S3 or SSE-KMS under another key: `UpdateObjectEncryption`, unless Object Lock protects the version
 *   (a governance or compliance retention, or a legal hold: the API refuses it, S3 API reference).
 * - SSE-C: skipped (the service has no customer key). DSSE-KMS under another key: skipped (the API refuses
 *   DSSE sources, and a copy would be a rewrite the owner did not ask for).
 * - Unencrypted: only a copy can encrypt it, and a copy writes a new current version: noncurrent versions and
 *   archived sources (they would need a restore) are skipped; locked ones are copied with their lock carried.
 */
export const planObject = (v: ObjectVersionState, cmkArn: string, now: Date): ObjectStep => {
  const skip = (reason: SkipReason, why: string): ObjectStep => ({ kind: 'SKIP', reason, why });
  switch (v.encryption) {
    case 'SSE-KMS':
    case 'SSE-S3':
      if (v.encryption === 'SSE-KMS' && v.kmsKeyArn === cmkArn) return { kind: 'ALREADY' };
      if (isLocked(v.lock, now))
        return skip(
          'OBJECT_LOCKED',
          `Object Lock ${v.lock?.legalHold ? 'legal hold' : `${v.lock?.mode} retention until ${v.lock?.retainUntil}`} forbids changing its encryption`,
        );
      return { kind: 'UPDATE' };
    case 'DSSE-KMS':
      return v.kmsKeyArn === cmkArn
        ? { kind: 'ALREADY' }
        : skip('DSSE_KMS_OTHER_KEY', 'DSSE-KMS under another key: UpdateObjectEncryption refuses DSSE-KMS sources');
    case 'SSE-C':
      return skip('SSE_C', 'SSE-C: encrypted with a key only its owner holds');
    case 'NONE': {
      if (!v.latest)
        return skip(
          'UNENCRYPTED_OLD_VERSION',
          'an unencrypted noncurrent version: a copy cannot replace it, and it is not deleted',
        );
      if (v.archived)
        return skip(
          'ARCHIVED_UNENCRYPTED',
          `unencrypted in ${v.storageClass}: it must be restored before it can be copied`,
        );
      if (v.size <= COPY_MAX) return { kind: 'COPY', multipart: false };
      const partSize = partSizeFor(v.size);
      if (!partSize) return skip('TOO_LARGE_TO_COPY', `${v.size} bytes do not fit 10,000 parts of 5 GiB`);
      return { kind: 'COPY', multipart: true, partSize, parts: Math.ceil(v.size / partSize) };
    }
  }
};

/** After a copy in a versioned bucket the unencrypted source stays as a noncurrent version: reported, never deleted. */
export const leavesOldVersion = (v: ObjectVersionState): boolean =>
  v.versioned && v.versionId !== undefined && v.versionId !== 'null';

/** The value of the bucket's objects marker (a tag value: letters, digits, space and `+-=._:/@`). Pure. */
export const markerValue = (d: DataOutcome): string | undefined => {
  if (isComplete(d)) return undefined;
  if (d.job) return `job:${d.job.id}`;
  return `failed=${d.failedCount} skipped=${skippedCount(d)}`;
};
