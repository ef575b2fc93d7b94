import type { AuditRecord } from '../../../shared/audit/audit';
import { canonicalJson, GENESIS, linkRecord, recordHash, verifyChain } from '../../../shared/audit/chain';

const rec = (i: number, region = 'us-east-1'): AuditRecord => ({
  schema: 'cmk-sentinel.audit/v1',
  id: `r${i}`,
  time: `2026-12-01T10:00:0${i}.000Z`,
  resource: { type: 's3-bucket', id: `b${i}`, account: '111122223333', region },
  action: 'REMEDIATE',
  result: 'VERIFIED',
  status: 'NON_COMPLIANT',
  before: { z: 1, a: [1, { y: 2, b: 3 }] },
  trigger: { eventName: 'E', source: 's' },
});
const chainOf = (n: number) => {
  const out: AuditRecord[] = [];
  for (let i = 1; i <= n; i++) {
    const prev = out[out.length - 1]?.chain;
    out.push(linkRecord(rec(i), prev ? { seq: prev.seq, hash: prev.hash } : undefined));
  }
  return out;
};
const C = '111122223333/us-east-1';

describe('audit hash chain (pure)', () => {
  it('canonical JSON does not depend on key order; the hash covers everything but itself', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: undefined } })).toBe('{"a":{"d":[1,2]},"b":1}');
    const [r] = chainOf(1);
    expect(r?.chain).toMatchObject({ id: C, seq: 1, prev: GENESIS });
    expect(recordHash(r as AuditRecord)).toBe(r?.chain?.hash);
    expect(recordHash({ ...(r as AuditRecord), before: { a: [1, { b: 3, y: 2 }], z: 1 } })).toBe(r?.chain?.hash);
    expect(recordHash({ ...(r as AuditRecord), result: 'FAILED' })).not.toBe(r?.chain?.hash);
  });

  it('a complete chain verifies; each kind of damage is named at the first record it touches', () => {
    const rs = chainOf(4);
    const head = { seq: 4, hash: rs[3]?.chain?.hash as string };
    expect(verifyChain(C, rs, head)).toEqual({ ok: true, chain: C, records: 4, head });
    expect(verifyChain(C, [rs[0], rs[2], rs[3]] as AuditRecord[], head)).toMatchObject({
      ok: false,
      problem: 'GAP',
      seq: 2,
      recordId: 'r3',
    });
    expect(
      verifyChain(
        C,
        rs.map((r, i) => (i === 1 ? { ...r, detail: 'edited' } : r)),
        head,
      ),
    ).toMatchObject({ ok: false, problem: 'ALTERED', seq: 2, recordId: 'r2' });
    // Re-hashing an edited record does not help: the next record's prev no longer matches.
    const forged = { ...(rs[1] as AuditRecord), detail: 'edited' };
    forged.chain = { ...(forged.chain as NonNullable<AuditRecord['chain']>), hash: recordHash(forged) };
    expect(
      verifyChain(
        C,
        rs.map((r, i) => (i === 1 ? forged : r)),
        head,
      ),
    ).toMatchObject({ ok: false, problem: 'BROKEN_LINK', seq: 3, recordId: 'r3' });
    expect(verifyChain(C, rs.slice(0, 3), head)).toMatchObject({ ok: false, problem: 'TRUNCATED', seq: 4 });
    expect(verifyChain('111122223333/eu-west-1', rs, head)).toMatchObject({ ok: false, problem: 'WRONG_CHAIN' });
    expect(verifyChain(C, [rec(1)], undefined)).toMatchObject({ ok: false, problem: 'UNLINKED', seq: 1 });
  });
});

describe('local JSONL trail', () => {
  it('is chained on append and audit verify --file names the altered line', async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { JsonlAuditLog } = await import('../../../shared/audit/jsonl');
    const { audit } = await import('../../../cli/audit');
    const file = join(mkdtempSync(join(tmpdir(), 'audit-')), 'audit.jsonl');
    for (let i = 1; i <= 3; i++) expect(await new JsonlAuditLog(file).append(rec(i))).toBe(true);
    expect(await new JsonlAuditLog(file).append(rec(2))).toBe(false);
    const outs: string[] = [];
    expect(await audit(['verify', '--file', file], (s) => outs.push(s), {})).toBe(0);
    expect(JSON.parse(outs[0] as string)).toMatchObject({ ok: true, chains: [{ chain: C, records: 3 }] });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    lines[1] = lines[1]?.replace('"VERIFIED"', '"FAILED"') ?? '';
    writeFileSync(file, `${lines.join('\n')}\n`);
    outs.length = 0;
    expect(await audit(['verify', '--file', file], (s) => outs.push(s), {})).toBe(1);
    expect(outs[1]).toBe(
      `BROKEN ${C}: ALTERED at seq 2 (record r2): record seq 2 (r2) was changed after it was written: its content no longer matches its hash`,
    );
  });
});
