import { createHash } from 'node:crypto';
import type { AuditRecord, ChainLink } from './audit';

export type { ChainLink };

/**
 * The audit trail as hash chains, one per account and region: each record carries its chain's id, its sequence
 * number, the hash of the record before it and its own hash (SHA-256 over its canonical JSON, its own hash left
 * out). Changing a record breaks its hash; deleting one leaves a gap in the sequence and breaks the next link;
 * cutting the tail off leaves the chain shorter than its head says. Pure: the stores only keep what this computes.
 */

export interface ChainHead {
  seq: number;
  hash: string;
}

export const GENESIS = '0'.repeat(64);

export const chainIdOf = (r: Pick<AuditRecord, 'resource'>): string =>
  `${r.resource.account || 'unknown'}/${r.resource.region || 'unknown'}`;

/** JSON with object keys sorted at every level, undefined members dropped: one text per value. */
export const canonicalJson = (v: unknown): string => {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
};

export const recordHash = (r: AuditRecord): string => {
  const { chain, ...rest } = r;
  const body = chain ? { ...rest, chain: { id: chain.id, seq: chain.seq, prev: chain.prev } } : rest;
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
};

/** The record as the next link after `head` (undefined: the chain's first record). */
export const linkRecord = (r: AuditRecord, head: ChainHead | undefined): AuditRecord & { chain: ChainLink } => {
  const unlinked: AuditRecord = {
    ...r,
    chain: { id: chainIdOf(r), seq: (head?.seq ?? 0) + 1, prev: head?.hash ?? GENESIS, hash: '' },
  };
  return { ...unlinked, chain: { ...(unlinked.chain as ChainLink), hash: recordHash(unlinked) } };
};

export type ChainProblem =
  'GAP' | 'ALTERED' | 'BROKEN_LINK' | 'WRONG_CHAIN' | 'TRUNCATED' | 'MISSING_RECORD' | 'UNLINKED';

export type ChainVerdict =
  | { ok: true; chain: string; records: number; head?: ChainHead }
  | {
      ok: false;
      chain: string;
      records: number;
      problem: ChainProblem;
      seq: number;
      recordId?: string;
      detail: string;
    };

/**
 * Walks a chain's records in sequence order and names the first problem: a missing sequence number (GAP), a
 * record whose content no longer matches its hash (ALTERED), a record whose `prev` is not its predecessor's hash
 * (BROKEN_LINK), or a chain that ends before its head (TRUNCATED). `copies` (optional): a second copy of each
 * record by id (the per-resource item), which must hash the same (ALTERED) and exist (MISSING_RECORD).
 */
export const verifyChain = (
  chain: string,
  records: readonly AuditRecord[],
  head?: ChainHead,
  copies?: ReadonlyMap<string, AuditRecord | undefined>,
): ChainVerdict => {
  let prev = GENESIS;
  let expected = 1;
  for (const r of records) {
    const c = r.chain;
    const at = { chain, records: expected - 1, recordId: r.id };
    if (!c)
      return { ok: false, ...at, problem: 'UNLINKED', seq: expected, detail: `record ${r.id} carries no chain link` };
    if (c.id !== chain)
      return {
        ok: false,
        ...at,
        problem: 'WRONG_CHAIN',
        seq: c.seq,
        detail: `record ${r.id} (seq ${c.seq}) belongs to chain ${c.id}`,
      };
    if (c.seq !== expected)
      return {
        ok: false,
        ...at,
        problem: 'GAP',
        seq: expected,
        detail: `record seq ${expected} is missing: the next one stored is seq ${c.seq} (${r.id})`,
      };
    if (recordHash(r) !== c.hash)
      return {
        ok: false,
        ...at,
        problem: 'ALTERED',
        seq: c.seq,
        detail: `record seq ${c.seq} (${r.id}) was changed after it was written: its content no longer matches its hash`,
      };
    if (c.prev !== prev)
      return {
        ok: false,
        ...at,
        problem: 'BROKEN_LINK',
        seq: c.seq,
        detail: `record seq ${c.seq} (${r.id}) does not follow seq ${c.seq - 1}: its prev hash differs`,
      };
    if (copies) {
      const copy = copies.get(r.id);
      if (!copy)
        return {
          ok: false,
          ...at,
          problem: 'MISSING_RECORD',
          seq: c.seq,
          detail: `record seq ${c.seq} (${r.id}) is gone from the resource's history`,
        };
      if (copy.chain?.hash !== c.hash || recordHash(copy) !== c.hash)
        return {
          ok: false,
          ...at,
          problem: 'ALTERED',
          seq: c.seq,
          detail: `record seq ${c.seq} (${r.id}) was changed in the resource's history: it no longer matches its hash`,
        };
    }
    prev = c.hash;
    expected++;
  }
  const count = expected - 1;
  if (head && (head.seq !== count || head.hash !== prev)) {
    return {
      ok: false,
      chain,
      records: count,
      problem: 'TRUNCATED',
      seq: count + 1,
      detail: `the chain's head says ${head.seq} records ending in ${head.hash.slice(0, 12)}…, the chain holds ${count}${count ? ` ending in ${prev.slice(0, 12)}…` : ''}`,
    };
  }
  return { ok: true, chain, records: count, ...(head ? { head } : {}) };
};
