/** A plain fixed-width table for terminal output. */
export const table = (headers: string[], rows: string[][]): string => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
};

/** Shorten a key ARN to something a person can compare at a glance. */
export const shortKey = (k: string | undefined, names: Record<string, string> = {}): string => {
  if (!k) return '-';
  if (names[k]) return names[k] as string;
  const m = /^arn:aws:kms:([a-z0-9-]+):\d+:(key|alias)\/(.+)$/.exec(k);
  return m ? `${m[1]}:${m[2]}/${(m[3] as string).slice(0, 8)}` : k;
};
