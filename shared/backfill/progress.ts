import type { ResultRow } from './store';

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

/** A progress bar with counts and rate on a terminal; a plain line every few seconds otherwise. */
export class Progress {
  private n = 0;
  private nonCompliant = 0;
  private errors = 0;
  private units = 0;
  private lastPrint = 0;
  private readonly started = Date.now();

  constructor(
    private readonly out: ProgressStream,
    private readonly totalUnits: number,
    private readonly everyMs = 2000,
  ) {}

  result(row: ResultRow): void {
    this.n++;
    if (row.status === 'NON_COMPLIANT') this.nonCompliant++;
    if (row.status === 'ERROR') this.errors++;
    this.tick();
  }

  unitDone(): void {
    this.units++;
    this.tick(true);
  }

  private rate(): number {
    return this.n / Math.max(0.001, (Date.now() - this.started) / 1000);
  }

  line(): string {
    return `${this.n} resources, ${this.nonCompliant} non-compliant, ${this.errors} errors, ${this.units}/${this.totalUnits} units, ${this.rate().toFixed(1)}/s`;
  }

  private tick(force = false): void {
    const now = Date.now();
    if (this.out.isTTY) {
      if (!force && now - this.lastPrint < 100) return;
      this.lastPrint = now;
      const width = 24;
      const filled = this.totalUnits ? Math.round((this.units / this.totalUnits) * width) : 0;
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
      this.out.write(
        `\r${bar} ${this.line()}`
          .slice(0, (this.out.columns ?? 120) - 1)
          .padEnd(Math.min(100, (this.out.columns ?? 120) - 1)),
      );
      return;
    }
    if (force || now - this.lastPrint >= this.everyMs) {
      this.lastPrint = now;
      this.out.write(`backfill: ${this.line()}\n`);
    }
  }

  done(): void {
    if (this.out.isTTY) this.out.write('\n');
    this.out.write(`backfill done: ${this.line()}\n`);
  }
}
