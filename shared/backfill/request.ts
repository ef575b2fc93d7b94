import { SentinelError } from '../errors';
import { MODES, type Mode } from '../policy/modes';
import { isKnownRegion } from '../policy/regions';
import { RESOURCE_TYPES } from '../rules/type-ids';
import type { SweepRequest } from './sweep';

const FIELDS = ['regions', 'types', 'accounts', 'dryRun', 'mode', 'sweepId'];

/**
 * The invoke payload (and the CLI's flags), checked: `{ regions?, types?, accounts?, dryRun?, mode?, sweepId? }`.
 * Every problem is listed at once (details.problems): a region the SDK does not know (`us-east-9`) would
 * otherwise sweep nothing and report 100% compliant.
 */
export const parseSweepRequest = (raw: unknown): SweepRequest => {
  const o = (raw ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object' || Array.isArray(o))
    throw new SentinelError('INVALID_EVENT', 'The backfill payload must be an object');
  const problems: string[] = [];
  const list = (field: string): string[] | undefined => {
    const v = o[field];
    if (v === undefined || v === null) return undefined;
    const arr = typeof v === 'string' ? v.split(',') : v;
    if (!Array.isArray(arr) || !arr.every((x) => typeof x === 'string')) {
      problems.push(`"${field}" must be a list of strings (or a comma-separated string)`);
      return undefined;
    }
    const out = arr.map((x) => x.trim()).filter(Boolean);
    return out.length ? out : undefined;
  };
  const unknown = Object.keys(o).filter((k) => !FIELDS.includes(k));
  if (unknown.length) problems.push(`Unknown field(s) ${unknown.join(', ')}; expected ${FIELDS.join(', ')}`);
  if (o.dryRun !== undefined && typeof o.dryRun !== 'boolean') problems.push('"dryRun" must be true or false');
  if (o.mode !== undefined && !MODES.includes(o.mode as Mode))
    problems.push(`"mode" must be one of ${MODES.join(', ')} (got ${JSON.stringify(o.mode)})`);
  if (o.sweepId !== undefined && (typeof o.sweepId !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(o.sweepId))) {
    problems.push('"sweepId" must be 1-100 characters of letters, digits, ".", "_" or "-"');
  }
  const regions = list('regions');
  const badRegions = regions?.filter((r) => !isKnownRegion(r)) ?? [];
  if (badRegions.length)
    problems.push(
      `unknown region(s) ${badRegions.join(', ')}: not in the AWS SDK's partition data (e.g. us-east-1, eu-west-1)`,
    );
  const types = list('types');
  const badTypes = types?.filter((t) => !(RESOURCE_TYPES as readonly string[]).includes(t)) ?? [];
  if (badTypes.length)
    problems.push(`unknown resource type(s) ${badTypes.join(', ')}; expected some of ${RESOURCE_TYPES.join(', ')}`);
  const accounts = list('accounts');
  const badAccounts = accounts?.filter((a) => !/^\d{12}$/.test(a)) ?? [];
  if (badAccounts.length) problems.push(`"accounts" must be 12-digit account ids (got ${badAccounts.join(', ')})`);
  if (problems.length) {
    throw new SentinelError('INVALID_EVENT', `Invalid backfill request:\n  - ${problems.join('\n  - ')}`, {
      details: { problems },
    });
  }
  return {
    regions,
    types,
    accounts,
    dryRun: o.dryRun as boolean | undefined,
    mode: o.mode as Mode | undefined,
    sweepId: o.sweepId as string | undefined,
  };
};
