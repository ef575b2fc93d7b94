import { parseUnitKey, type ResultRow, type SweepMeta } from './store';

export interface GroupSummary {
  account: string;
  region: string;
  type: string;
  total: number;
  compliant: number;
  nonCompliant: number;
  notApplicable: number;
  errors: number;
  /** Non-compliant resources re-keyed and verified by this sweep. */
  fixed: number;
  /** Remediated but with data (S3 objects) not all re-keyed: not fixed; the sweep fails for them. */
  incomplete: number;
  /** Compliant share of the evaluated resources as found, and after this sweep's fixes. */
  compliancePct: number;
  compliancePctAfter: number;
}

export interface SweepReport {
  schema: 'cmk-sentinel.sweep-report/v1';
  sweepId: string;
  startedAt: string;
  finishedAt?: string;
  dryRun: boolean;
  totals: Omit<GroupSummary, 'account' | 'region' | 'type'>;
  groups: GroupSummary[];
  byReason: Record<string, number>;
  unitErrors: { unit: string; error: string }[];
  /** Every non-compliant or failed resource (compliant ones are counted, not listed). */
  findings: ResultRow[];
}

const pct = (num: number, den: number): number => (den === 0 ? 100 : Math.round((num / den) * 1000) / 10);

const empty = () => ({ total: 0, compliant: 0, nonCompliant: 0, notApplicable: 0, errors: 0, fixed: 0, incomplete: 0, compliancePct: 100, compliancePctAfter: 100 });

type Counts = ReturnType<typeof empty>;

const add = (c: Counts, r: ResultRow): void => {
  c.total++;
  if (r.status === 'COMPLIANT') c.compliant++;
  else if (r.status === 'NON_COMPLIANT') c.nonCompliant++;
  else if (r.status === 'NOT_APPLICABLE') c.notApplicable++;
  else c.errors++;
  if (r.status === 'NON_COMPLIANT' && r.result === 'VERIFIED') c.fixed++;
  if (r.result === 'INCOMPLETE') c.incomplete++;
};

const finish = (c: Counts): void => {
  const evaluated = c.compliant + c.nonCompliant + c.errors;
  c.compliancePct = pct(c.compliant, evaluated);
  c.compliancePctAfter = pct(c.compliant + c.fixed, evaluated);
};

/** Aggregate streamed results: counts in memory, only findings kept as rows. */
export const buildReport = async (meta: SweepMeta, rows: AsyncIterable<ResultRow>, unitErrors: { unit: string; error: string }[] = []): Promise<SweepReport> => {
  const groups = new Map<string, GroupSummary>();
  const totals = empty();
  const byReason: Record<string, number> = {};
  const findings: ResultRow[] = [];
  for await (const r of rows) {
    const u = parseUnitKey(r.unit);
    let g = groups.get(r.unit);
    if (!g) { g = { ...u, ...empty() }; groups.set(r.unit, g); }
    add(g, r);
    add(totals, r);
    if (r.status === 'NON_COMPLIANT' || r.status === 'ERROR') {
      const reason = r.reason ?? r.status;
      byReason[reason] = (byReason[reason] ?? 0) + 1;
      findings.push(r);
    }
  }
  for (const g of groups.values()) finish(g);
  finish(totals);
  return {
    schema: 'cmk-sentinel.sweep-report/v1',
    sweepId: meta.sweepId,
    startedAt: meta.startedAt,
    finishedAt: meta.finishedAt,
    dryRun: meta.dryRun,
    totals,
    groups: [...groups.values()].sort((a, b) => `${a.type}${a.region}${a.account}`.localeCompare(`${b.type}${b.region}${b.account}`)),
    byReason,
    unitErrors,
    findings: findings.sort((a, b) => `${a.unit}${a.id}`.localeCompare(`${b.unit}${b.id}`)),
  };
};

export const renderJson = (r: SweepReport): string => JSON.stringify(r, null, 2);

const md = (s: string | undefined): string => (s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

export const renderMarkdown = (r: SweepReport): string => {
  const t = r.totals;
  const lines = [
    `# cmk-sentinel sweep ${r.sweepId}${r.dryRun ? ' (dry run)' : ''}`,
    '',
    `Started ${r.startedAt}${r.finishedAt ? `, finished ${r.finishedAt}` : ''}. ${t.total} resources: ${t.compliant} compliant, ${t.nonCompliant} non-compliant (${t.fixed} fixed${t.incomplete ? `, ${t.incomplete} with objects not all re-keyed` : ''}), ${t.notApplicable} not applicable, ${t.errors} errors. Compliance ${t.compliancePct}% as found, ${t.compliancePctAfter}% after the sweep.`,
    '',
    '## Summary per type and region',
    '',
    '| type | account | region | resources | compliant | non-compliant | fixed | errors | compliance | after |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...r.groups.map((g) => `| ${g.type} | ${g.account} | ${g.region} | ${g.total} | ${g.compliant} | ${g.nonCompliant} | ${g.fixed} | ${g.errors} | ${g.compliancePct}% | ${g.compliancePctAfter}% |`),
    '',
    '## Findings by reason',
    '',
    '| reason | count |',
    '|---|---:|',
    ...Object.entries(r.byReason).sort((a, b) => b[1] - a[1]).map(([k, v]) => `| ${md(k)} | ${v} |`),
    ...(r.unitErrors.length ? ['', '## Listings that failed', '', ...r.unitErrors.map((u) => `- ${u.unit}: ${md(u.error)}`)] : []),
    '',
    '## Non-compliant resources',
    '',
    '| type | account/region | resource | reason | observed key | expected key | action | result | detail |',
    '|---|---|---|---|---|---|---|---|---|',
    ...r.findings.map((f) => {
      const u = parseUnitKey(f.unit);
      return `| ${u.type} | ${u.account}/${u.region} | ${md(f.id)} | ${md(f.reason)} | ${md(f.observedKey)} | ${md(f.expectedKey)} | ${f.action} | ${f.result} | ${md(f.detail)}${f.data ? `; objects: ${md(f.data)}` : ''} |`;
    }),
    '',
  ];
  return lines.join('\n');
};

const esc = (s: string | number | undefined): string =>
  String(s ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** A horizontal bar chart of findings by reason, as inline SVG (no script, no external assets). */
export const reasonChart = (byReason: Record<string, number>): string => {
  const entries = Object.entries(byReason).sort((a, b) => b[1] - a[1]);
  const max = Math.max(1, ...entries.map(([, v]) => v));
  const row = 26;
  const width = 640;
  const label = 200;
  const h = Math.max(row, entries.length * row) + 10;
  const bars = entries.map(([k, v], i) => {
    const w = Math.max(2, Math.round(((width - label - 60) * v) / max));
    const y = 5 + i * row;
    return `<g><text x="${label - 8}" y="${y + 16}" text-anchor="end">${esc(k)}</text><rect x="${label}" y="${y + 3}" width="${w}" height="${row - 8}" fill="#c0392b"></rect><text x="${label + w + 6}" y="${y + 16}">${v}</text></g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" role="img" aria-label="Findings by reason" font-family="sans-serif" font-size="13">${bars.join('') || `<text x="10" y="18">No findings</text>`}</svg>`;
};

export const renderHtml = (r: SweepReport): string => {
  const t = r.totals;
  const cell = (v: string | number | undefined, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${esc(v)}</td>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<title>cmk-sentinel sweep ${esc(r.sweepId)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px}th{background:#f4f4f4}td.n{text-align:right}.big{font-size:2rem;font-weight:bold}code{font-size:12px}
</style>
</head>
<body>
<h1>cmk-sentinel sweep <code>${esc(r.sweepId)}</code>${r.dryRun ? ' (dry run)' : ''}</h1>
<p>Started ${esc(r.startedAt)}${r.finishedAt ? `, finished ${esc(r.finishedAt)}` : ''}.</p>
<p><span class="big" id="compliance">${t.compliancePct}%</span> compliant as found, <span id="compliance-after">${t.compliancePctAfter}%</span> after the sweep.</p>
<table id="totals"><tr><th>resources</th><th>compliant</th><th>non-compliant</th><th>fixed</th><th>not applicable</th><th>errors</th></tr>
<tr>${cell(t.total, 'n')}${cell(t.compliant, 'n')}${cell(t.nonCompliant, 'n')}${cell(t.fixed, 'n')}${cell(t.notApplicable, 'n')}${cell(t.errors, 'n')}</tr></table>
<h2>Summary per type and region</h2>
<table id="groups"><tr><th>type</th><th>account</th><th>region</th><th>resources</th><th>compliant</th><th>non-compliant</th><th>fixed</th><th>errors</th><th>compliance</th><th>after</th></tr>
${r.groups.map((g) => `<tr>${cell(g.type)}${cell(g.account)}${cell(g.region)}${cell(g.total, 'n')}${cell(g.compliant, 'n')}${cell(g.nonCompliant, 'n')}${cell(g.fixed, 'n')}${cell(g.errors, 'n')}${cell(`${g.compliancePct}%`, 'n')}${cell(`${g.compliancePctAfter}%`, 'n')}</tr>`).join('\n')}
</table>
<h2>Findings by reason</h2>
${reasonChart(r.byReason)}
${r.unitErrors.length ? `<h2>Listings that failed</h2><ul>${r.unitErrors.map((u) => `<li>${esc(u.unit)}: ${esc(u.error)}</li>`).join('')}</ul>` : ''}
<h2>Non-compliant resources</h2>
<table id="findings"><tr><th>type</th><th>account/region</th><th>resource</th><th>reason</th><th>observed key</th><th>expected key</th><th>action</th><th>result</th><th>detail</th></tr>
${r.findings.map((f) => { const u = parseUnitKey(f.unit); return `<tr>${cell(u.type)}${cell(`${u.account}/${u.region}`)}${cell(f.id)}${cell(f.reason)}${cell(f.observedKey)}${cell(f.expectedKey)}${cell(f.action)}${cell(f.result)}${cell(`${f.detail ?? ''}${f.data ? `; objects: ${f.data}` : ''}`)}</tr>`; }).join('\n')}
</table>
</body>
</html>
`;
};
