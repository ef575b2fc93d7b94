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
  /**
   * Compliant share of the evaluated resources (not-applicable ones are not evaluated) as found, and after this
   * sweep's fixes; null when nothing was evaluated: 0 resources is not "100% compliant".
   */
  compliancePct: number | null;
  compliancePctAfter: number | null;
}

/** One reason's findings as found and still open after the sweep; encryption and TLS reasons apart. */
export interface ReasonCount {
  reason: string;
  kind: 'encryption' | 'tls' | 'error';
  found: number;
  after: number;
}

export interface SweepReport {
  schema: 'cmk-sentinel.sweep-report/v1';
  sweepId: string;
  startedAt: string;
  finishedAt?: string;
  dryRun: boolean;
  /** --mode of the sweep, else "per policy (default X)". */
  mode: string;
  /** The policy file the sweep ran under. */
  policy?: string;
  totals: Omit<GroupSummary, 'account' | 'region' | 'type'>;
  groups: GroupSummary[];
  byReason: Record<string, number>;
  reasons: ReasonCount[];
  unitErrors: { unit: string; error: string }[];
  /** Every non-compliant or failed resource (compliant ones are counted, not listed). */
  findings: ResultRow[];
}

const pct = (num: number, den: number): number | null => (den === 0 ? null : Math.round((num / den) * 1000) / 10);

export const pctText = (v: number | null): string => (v === null ? 'n/a (nothing evaluated)' : `${v}%`);

const empty = () => ({
  total: 0,
  compliant: 0,
  nonCompliant: 0,
  notApplicable: 0,
  errors: 0,
  fixed: 0,
  incomplete: 0,
  compliancePct: null as number | null,
  compliancePctAfter: null as number | null,
});

type Counts = ReturnType<typeof empty>;

const isFixed = (r: ResultRow): boolean => r.status === 'NON_COMPLIANT' && r.result === 'VERIFIED';

const add = (c: Counts, r: ResultRow): void => {
  c.total++;
  if (r.status === 'COMPLIANT') c.compliant++;
  else if (r.status === 'NON_COMPLIANT') c.nonCompliant++;
  else if (r.status === 'NOT_APPLICABLE') c.notApplicable++;
  else c.errors++;
  if (isFixed(r)) c.fixed++;
  if (r.result === 'INCOMPLETE') c.incomplete++;
};

const finish = (c: Counts): void => {
  const evaluated = c.compliant + c.nonCompliant + c.errors;
  c.compliancePct = pct(c.compliant, evaluated);
  c.compliancePctAfter = pct(c.compliant + c.fixed, evaluated);
};

const kindOf = (r: ResultRow): ReasonCount['kind'] =>
  r.status === 'ERROR' ? 'error' : parseUnitKey(r.unit).type.endsWith('-tls') ? 'tls' : 'encryption';

/**
 * A listing's cause as a person reads it: the first line, without the SDK's "inspect the hidden field" advice; an
 * HTML page where an AWS answer was expected (an unsupported operation, a proxy) said in words.
 */
export const readableCause = (error: string): string => {
  const first = error.split('\n')[0]?.trim() ?? error;
  if (/XML parse error|Deserialization error|Unexpected token '<'|<html/i.test(error)) {
    return `${first.replace(/:?\s*@aws-sdk XML parse error.*$/, '').replace(/:?\s*Deserialization error.*$/, '')}: the endpoint answered with a web page, not an AWS response (operation not supported there, or a proxy in the way)`;
  }
  return first;
};

/** Aggregate streamed results: counts in memory, only findings kept as rows. */
export const buildReport = async (
  meta: SweepMeta,
  rows: AsyncIterable<ResultRow>,
  unitErrors: { unit: string; error: string }[] = [],
): Promise<SweepReport> => {
  const groups = new Map<string, GroupSummary>();
  const totals = empty();
  const byReason: Record<string, number> = {};
  const reasons = new Map<string, ReasonCount>();
  const findings: ResultRow[] = [];
  for await (const r of rows) {
    const u = parseUnitKey(r.unit);
    let g = groups.get(r.unit);
    if (!g) {
      g = { ...u, ...empty() };
      groups.set(r.unit, g);
    }
    add(g, r);
    add(totals, r);
    if (r.status === 'NON_COMPLIANT' || r.status === 'ERROR') {
      const reason = r.reason ?? r.status;
      byReason[reason] = (byReason[reason] ?? 0) + 1;
      const kind = kindOf(r);
      const key = `${kind}|${reason}`;
      const c = reasons.get(key) ?? { reason, kind, found: 0, after: 0 };
      c.found++;
      if (!isFixed(r)) c.after++;
      reasons.set(key, c);
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
    mode: meta.mode ?? `per policy (default ${meta.policyMode ?? 'report'})`,
    policy: meta.policy,
    totals,
    groups: [...groups.values()].sort((a, b) =>
      `${a.type}${a.region}${a.account}`.localeCompare(`${b.type}${b.region}${b.account}`),
    ),
    byReason,
    reasons: [...reasons.values()].sort((a, b) => a.kind.localeCompare(b.kind) || b.found - a.found),
    unitErrors: unitErrors.map((u) => ({ unit: u.unit, error: readableCause(u.error) })),
    findings: findings.sort((a, b) => `${a.unit}${a.id}`.localeCompare(`${b.unit}${b.id}`)),
  };
};

/** What the resource was found with when it names no key: SSE-S3 and "none" are answers, not blanks. */
export const observedLabel = (f: Pick<ResultRow, 'observedKey' | 'reason'>): string => {
  if (f.observedKey) return f.observedKey;
  if (f.reason === 'NOT_KMS') return 'SSE-S3 (AES256, no KMS key)';
  if (f.reason === 'UNENCRYPTED') return 'none (unencrypted)';
  if (f.reason === 'AWS_MANAGED_KEY') return 'AWS-managed key';
  return '-';
};

const header = (r: SweepReport): string =>
  `Mode: ${r.mode}. Policy: ${r.policy ?? '(not recorded)'}. ${r.dryRun ? 'Dry run: nothing was changed; the action column says what would happen.' : 'Not a dry run: actions were taken.'}`;

export const renderJson = (r: SweepReport): string => JSON.stringify(r, null, 2);

const md = (s: string | undefined): string => (s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

export const renderMarkdown = (r: SweepReport): string => {
  const t = r.totals;
  const lines = [
    `# cmk-sentinel sweep ${r.sweepId}${r.dryRun ? ' (dry run)' : ''}`,
    '',
    header(r),
    '',
    `Started ${r.startedAt}${r.finishedAt ? `, finished ${r.finishedAt}` : ''}. ${t.total} resources: ${t.compliant} compliant, ${t.nonCompliant} non-compliant (${t.fixed} fixed${t.incomplete ? `, ${t.incomplete} with objects not all re-keyed` : ''}), ${t.notApplicable} not applicable (not counted as compliant), ${t.errors} errors. Compliance ${pctText(t.compliancePct)} as found, ${pctText(t.compliancePctAfter)} after the sweep.`,
    '',
    '## Summary per type and region',
    '',
    '| type | account | region | resources | compliant | non-compliant | fixed | not applicable | errors | compliance | after |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.groups.map(
      (g) =>
        `| ${g.type} | ${g.account} | ${g.region} | ${g.total} | ${g.compliant} | ${g.nonCompliant} | ${g.fixed} | ${g.notApplicable} | ${g.errors} | ${pctText(g.compliancePct)} | ${pctText(g.compliancePctAfter)} |`,
    ),
    '',
    '## Findings by reason',
    '',
    '| kind | reason | found | after the sweep |',
    '|---|---|---:|---:|',
    ...r.reasons.map((c) => `| ${c.kind} | ${md(c.reason)} | ${c.found} | ${c.after} |`),
    ...(r.unitErrors.length
      ? ['', '## Listings that failed', '', ...r.unitErrors.map((u) => `- ${u.unit}: ${md(u.error)}`)]
      : []),
    '',
    '## Non-compliant resources',
    '',
    '| type | account/region | resource | reason | observed key | expected key | action | result | detail |',
    '|---|---|---|---|---|---|---|---|---|',
    ...r.findings.map((f) => {
      const u = parseUnitKey(f.unit);
      return `| ${u.type} | ${u.account}/${u.region} | ${md(f.id)} | ${md(f.reason)} | ${md(observedLabel(f))} | ${md(f.expectedKey)} | ${f.action} | ${f.result} | ${md(f.detail)}${f.data ? `; objects: ${md(f.data)}` : ''} |`;
    }),
    '',
  ];
  return lines.join('\n');
};

const esc = (s: string | number | undefined): string =>
  String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const KIND_LABEL: Record<ReasonCount['kind'], string> = {
  encryption: 'Encryption at rest',
  tls: 'Transport (TLS)',
  error: 'Errors',
};

/**
 * Findings by reason as inline SVG (no script, no external assets): per reason a bar for what the sweep found and
 * one for what is still open after it, grouped under encryption at rest, TLS and errors.
 */
export const reasonChart = (reasons: readonly ReasonCount[]): string => {
  const max = Math.max(1, ...reasons.map((c) => c.found));
  const row = 30;
  const width = 640;
  const label = 220;
  const parts: string[] = [];
  let y = 5;
  for (const kind of ['encryption', 'tls', 'error'] as const) {
    const mine = reasons.filter((c) => c.kind === kind);
    if (!mine.length) continue;
    parts.push(`<text x="4" y="${y + 14}" font-weight="bold">${esc(KIND_LABEL[kind])}</text>`);
    y += 22;
    for (const c of mine) {
      const w = (v: number) => Math.max(v ? 2 : 0, Math.round(((width - label - 70) * v) / max));
      parts.push(
        `<g class="reason" data-kind="${kind}"><text x="${label - 8}" y="${y + 16}" text-anchor="end">${esc(c.reason)}</text>` +
          `<rect class="found" x="${label}" y="${y + 2}" width="${w(c.found)}" height="11" fill="#c0392b"></rect><text x="${label + w(c.found) + 6}" y="${y + 12}">${c.found} found</text>` +
          `<rect class="after" x="${label}" y="${y + 15}" width="${w(c.after)}" height="11" fill="#7f8c8d"></rect><text x="${label + w(c.after) + 6}" y="${y + 25}">${c.after} after</text></g>`,
      );
      y += row;
    }
  }
  const h = Math.max(row, y) + 5;
  return `<svg id="chart" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" role="img" aria-label="Findings by reason, found and after the sweep" font-family="sans-serif" font-size="13">${parts.join('') || '<text x="10" y="18">No findings</text>'}</svg>`;
};

export const renderHtml = (r: SweepReport): string => {
  const t = r.totals;
  const cell = (v: string | number | undefined, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${esc(v)}</td>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>cmk-sentinel sweep ${esc(r.sweepId)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:100%}
table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;vertical-align:top}
th{background:#f4f4f4;text-align:left}
td.n{text-align:right}
.big{font-size:2rem;font-weight:bold}
code{font-size:12px}
#findings{table-layout:fixed;width:100%}
#findings td{overflow-wrap:anywhere;word-break:break-word}
#findings col.narrow{width:8%}#findings col.id{width:14%}#findings col.key{width:13%}#findings col.detail{width:26%}
#chart{max-width:100%;height:auto}
</style>
</head>
<body>
<h1>cmk-sentinel sweep <code>${esc(r.sweepId)}</code>${r.dryRun ? ' (dry run)' : ''}</h1>
<p id="run">${esc(header(r))}</p>
<p>Started ${esc(r.startedAt)}${r.finishedAt ? `, finished ${esc(r.finishedAt)}` : ''}.</p>
<p><span class="big" id="compliance">${esc(pctText(t.compliancePct))}</span> compliant as found, <span id="compliance-after">${esc(pctText(t.compliancePctAfter))}</span> after the sweep, of ${t.compliant + t.nonCompliant + t.errors} resources evaluated (${t.notApplicable} not applicable, not counted).</p>
<table id="totals"><tr><th>resources</th><th>compliant</th><th>non-compliant</th><th>fixed</th><th>not applicable</th><th>errors</th></tr>
<tr>${cell(t.total, 'n')}${cell(t.compliant, 'n')}${cell(t.nonCompliant, 'n')}${cell(t.fixed, 'n')}${cell(t.notApplicable, 'n')}${cell(t.errors, 'n')}</tr></table>
<h2>Summary per type and region</h2>
<table id="groups"><tr><th>type</th><th>account</th><th>region</th><th>resources</th><th>compliant</th><th>non-compliant</th><th>fixed</th><th>not applicable</th><th>errors</th><th>compliance</th><th>after</th></tr>
${r.groups.map((g) => `<tr>${cell(g.type)}${cell(g.account)}${cell(g.region)}${cell(g.total, 'n')}${cell(g.compliant, 'n')}${cell(g.nonCompliant, 'n')}${cell(g.fixed, 'n')}${cell(g.notApplicable, 'n')}${cell(g.errors, 'n')}${cell(pctText(g.compliancePct), 'n')}${cell(pctText(g.compliancePctAfter), 'n')}</tr>`).join('\n')}
</table>
<h2>Findings by reason: found, and still open after the sweep</h2>
${reasonChart(r.reasons)}
${r.unitErrors.length ? `<h2>Listings that failed</h2><ul id="unit-errors">${r.unitErrors.map((u) => `<li>${esc(u.unit)}: ${esc(u.error)}</li>`).join('')}</ul>` : ''}
<h2>Non-compliant resources</h2>
<table id="findings"><colgroup><col class="narrow" /><col class="narrow" /><col class="id" /><col class="narrow" /><col class="key" /><col class="key" /><col class="narrow" /><col class="narrow" /><col class="detail" /></colgroup>
<tr><th>type</th><th>account/region</th><th>resource</th><th>reason</th><th>observed key</th><th>expected key</th><th>action</th><th>result</th><th>detail</th></tr>
${r.findings
  .map((f) => {
    const u = parseUnitKey(f.unit);
    return `<tr>${cell(u.type)}${cell(`${u.account}/${u.region}`)}${cell(f.arn ?? f.id)}${cell(f.reason)}${cell(observedLabel(f))}${cell(f.expectedKey)}${cell(f.action)}${cell(f.result)}${cell(`${f.detail ?? ''}${f.data ? `; objects: ${f.data}` : ''}`)}</tr>`;
  })
  .join('\n')}
</table>
</body>
</html>
`;
};
