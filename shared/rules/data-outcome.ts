import type { DataOutcome } from './contract';

/** Counting a data pass (S3 objects): pure helpers over DataOutcome. */

const NAMES_KEPT = 20;

export const emptyData = (): DataOutcome => ({
  rekeyed: 0,
  updated: 0,
  copied: 0,
  already: 0,
  skipped: {},
  failedCount: 0,
  failed: [],
  calls: 0,
});

export const addSkip = (d: DataOutcome, reason: string, item: string): void => {
  const s = (d.skipped[reason] ??= { count: 0, items: [] });
  s.count++;
  if (s.items.length < NAMES_KEPT) s.items.push(item);
};

export const addFailure = (d: DataOutcome, item: string, code: string, message: string): void => {
  d.failedCount++;
  if (d.failed.length < NAMES_KEPT) d.failed.push({ item, code, message });
};

export const skippedCount = (d: DataOutcome): number => Object.values(d.skipped).reduce((n, s) => n + s.count, 0);

/** Everything on the CMK: nothing skipped, nothing failed, no job still running. */
export const isComplete = (d: DataOutcome): boolean => d.failedCount === 0 && skippedCount(d) === 0 && !d.job;

/** One readable line (alerts, reports). Pure. */
export const describeData = (d: DataOutcome): string => {
  const parts = [
    `${d.rekeyed} object versions re-keyed (${d.updated} by UpdateObjectEncryption, ${d.copied} copied)`,
    `${d.already} already on the CMK`,
  ];
  const skipped = Object.entries(d.skipped).map(
    ([r, s]) => `${s.count} ${r} (${s.items.slice(0, 3).join(', ')}${s.count > 3 ? ', ...' : ''})`,
  );
  if (skipped.length) parts.push(`skipped: ${skipped.join('; ')}`);
  if (d.failedCount)
    parts.push(
      `${d.failedCount} failed: ${d.failed
        .slice(0, 3)
        .map((f) => `${f.item} ${f.code}: ${f.message}`)
        .join('; ')}${d.failedCount > 3 ? '; ...' : ''}`,
    );
  if (d.job) parts.push(`S3 Batch Operations job ${d.job.id} ${d.job.status}`);
  if (d.notes?.length) parts.push(...d.notes);
  return parts.join('; ');
};
