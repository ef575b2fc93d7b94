import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { AuditLog, AuditRecord } from './audit';
import { chainIdOf, linkRecord } from './chain';

/** Local runs (CLI): one JSON line per record, opened in append mode only, chained like the DynamoDB trail. */
export class JsonlAuditLog implements AuditLog {
  private heads?: Map<string, { seq: number; hash: string }>;
  private readonly ids = new Set<string>();
  constructor(private readonly path: string) {}

  /** One process appends to a local file: the heads are read once, then kept. */
  private load(): Map<string, { seq: number; hash: string }> {
    if (this.heads) return this.heads;
    this.heads = new Map();
    for (const r of readJsonl(this.path)) {
      this.ids.add(r.id);
      if (r.chain) this.heads.set(r.chain.id, { seq: r.chain.seq, hash: r.chain.hash });
    }
    return this.heads;
  }

  async append(r: AuditRecord): Promise<boolean> {
    const heads = this.load();
    if (this.ids.has(r.id)) return false;
    const linked = linkRecord(r, heads.get(chainIdOf(r)));
    appendFileSync(this.path, `${JSON.stringify(linked)}\n`, { flag: 'a', mode: 0o600 });
    heads.set(linked.chain.id, { seq: linked.chain.seq, hash: linked.chain.hash });
    this.ids.add(r.id);
    return true;
  }
}

/** The records of a JSONL audit file (a missing file has none). */
export const readJsonl = (path: string): AuditRecord[] => {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as AuditRecord);
};
