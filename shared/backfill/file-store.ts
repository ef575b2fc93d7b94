import { appendFileSync, createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type ResultRow, retryOnResume, type SweepMeta, type SweepStore, type UnitState } from './store';

type Line = { k: 'unit'; unit: string; state: UnitState } | { k: 'res'; row: ResultRow } | { k: 'fin'; unit: string };

/**
 * Local adapter: `<dir>/<sweepId>/meta.json` and an append-only `log.jsonl` of unit
 * states and results. Appends are synchronous so a kill loses at most the line in flight.
 */
export class FileSweepStore implements SweepStore {
  constructor(readonly dir = '.sweeps') {}

  private path(sweepId: string, file: string): string {
    const d = join(this.dir, sweepId.replace(/[^A-Za-z0-9._-]/g, '_'));
    mkdirSync(d, { recursive: true });
    return join(d, file);
  }

  private append(sweepId: string, line: Line): void {
    appendFileSync(this.path(sweepId, 'log.jsonl'), `${JSON.stringify(line)}\n`);
  }

  private async *lines(sweepId: string): AsyncIterable<Line> {
    const p = this.path(sweepId, 'log.jsonl');
    if (!existsSync(p)) return;
    const rl = createInterface({ input: createReadStream(p), crlfDelay: Infinity });
    for await (const text of rl) {
      if (!text.trim()) continue;
      try {
        yield JSON.parse(text) as Line;
      } catch {
        /* a line torn by a kill: its resource is simply redone */
      }
    }
  }

  async getMeta(sweepId: string): Promise<SweepMeta | undefined> {
    const p = this.path(sweepId, 'meta.json');
    return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as SweepMeta) : undefined;
  }

  async putMeta(meta: SweepMeta): Promise<void> {
    writeFileSync(this.path(meta.sweepId, 'meta.json'), JSON.stringify(meta, null, 2));
  }

  async getUnit(sweepId: string, unit: string): Promise<UnitState | undefined> {
    let last: UnitState | undefined;
    for await (const l of this.lines(sweepId)) if (l.k === 'unit' && l.unit === unit) last = l.state;
    return last;
  }

  async putUnit(sweepId: string, unit: string, state: UnitState): Promise<void> {
    this.append(sweepId, { k: 'unit', unit, state });
  }

  async doneIds(sweepId: string, unit: string): Promise<Set<string>> {
    const ids = new Set<string>();
    for await (const l of this.lines(sweepId)) {
      if (l.k !== 'res' || l.row.unit !== unit) continue;
      // Rows are in order: a later success re-adds what an earlier outage left to retry.
      if (retryOnResume(l.row)) ids.delete(l.row.id);
      else ids.add(l.row.id);
    }
    return ids;
  }

  async putResult(sweepId: string, row: ResultRow): Promise<void> {
    this.append(sweepId, { k: 'res', row });
  }

  async *results(sweepId: string): AsyncIterable<ResultRow> {
    // A resource retried on resume has more than one row: the last one is its result. Two passes keep
    // only an index per resource in memory, not the rows.
    const last = new Map<string, number>();
    let i = 0;
    for await (const l of this.lines(sweepId)) {
      if (l.k === 'res') last.set(`${l.row.unit}|${l.row.id}`, i);
      i++;
    }
    i = 0;
    for await (const l of this.lines(sweepId)) {
      if (l.k === 'res' && last.get(`${l.row.unit}|${l.row.id}`) === i) yield l.row;
      i++;
    }
  }

  async finishUnit(sweepId: string, unit: string): Promise<number | undefined> {
    const meta = await this.getMeta(sweepId);
    const finished = new Set<string>();
    for await (const l of this.lines(sweepId)) if (l.k === 'fin') finished.add(l.unit);
    if (finished.has(unit)) return undefined;
    this.append(sweepId, { k: 'fin', unit });
    finished.add(unit);
    return (meta?.units ?? []).filter((u) => !finished.has(u)).length;
  }
}
