import { SentinelError } from '../errors';
import { MODES, type Mode } from '../policy/modes';
import type { SweepRequest } from './sweep';

const list = (v: unknown, field: string): string[] | undefined => {
  if (v === undefined || v === null) return undefined;
  const arr = typeof v === 'string' ? v.split(',') : v;
  if (!Array.isArray(arr) || !arr.every((x) => typeof x === 'string')) {
    throw new SentinelError('INVALID_EVENT', `"${field}" must be a list of strings (or a comma-separated string)`, { details: { field } });
  }
  const out = arr.map((x) => x.trim()).filter(Boolean);
  return out.length ? out : undefined;
};

/** The invoke payload, checked: `{ regions?, types?, accounts?, dryRun?, mode?, sweepId? }`. */
export const parseSweepRequest = (raw: unknown): SweepRequest => {
  const o = (raw ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object' || Array.isArray(o)) throw new SentinelError('INVALID_EVENT', 'The backfill payload must be an object');
  const unknown = Object.keys(o).filter((k) => !['regions', 'types', 'accounts', 'dryRun', 'mode', 'sweepId'].includes(k));
  if (unknown.length) throw new SentinelError('INVALID_EVENT', `Unknown field(s) ${unknown.join(', ')}; expected regions, types, accounts, dryRun, mode, sweepId`);
  if (o.dryRun !== undefined && typeof o.dryRun !== 'boolean') throw new SentinelError('INVALID_EVENT', '"dryRun" must be true or false');
  if (o.mode !== undefined && !MODES.includes(o.mode as Mode)) throw new SentinelError('INVALID_EVENT', `"mode" must be one of ${MODES.join(', ')}`);
  if (o.sweepId !== undefined && (typeof o.sweepId !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(o.sweepId))) {
    throw new SentinelError('INVALID_EVENT', '"sweepId" must be 1-100 characters of letters, digits, ".", "_" or "-"');
  }
  const accounts = list(o.accounts, 'accounts');
  if (accounts?.some((a) => !/^\d{12}$/.test(a))) throw new SentinelError('INVALID_EVENT', '"accounts" must be 12-digit account ids');
  return {
    regions: list(o.regions, 'regions'),
    types: list(o.types, 'types'),
    accounts,
    dryRun: o.dryRun as boolean | undefined,
    mode: o.mode as Mode | undefined,
    sweepId: o.sweepId as string | undefined,
  };
};
