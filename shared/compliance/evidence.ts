import type { Outcome } from '../alerts/alert';
import type { ResultRow } from '../backfill/store';
import { parseUnitKey } from '../backfill/store';
import type { Policy } from '../policy/policy';
import type { ResourceType } from '../rules/type-ids';
import { toAsff } from '../securityhub/asff';
import { waiverRows } from '../waivers/daily-check';
import { checksOf, checksOfType, type FrameworkId, FRAMEWORK_IDS, MAPPING, primaryChecksOfType } from './mapping';

/**
 * Evidence an auditor reads beside a sweep's report (pure): the rows as CSV, as OCSF Compliance Findings (JSON
 * Lines, what the new Security Hub reads), and a compliance summary per framework: for each control, the
 * resources in scope, compliant, waived and failing.
 */

const outcomeOf = (r: ResultRow): Outcome => {
  const u = parseUnitKey(r.unit);
  return {
    ref: { type: u.type as ResourceType, account: u.account, region: u.region, id: r.id },
    arn: r.arn,
    status: r.status,
    reason: r.reason,
    detail: r.detail,
    observedKey: r.observedKey,
    expectedKey: r.expectedKey,
    action: r.action,
    result: r.result,
    ...(r.waiver
      ? {
          waiver: {
            ...r.waiver,
            status: r.waiver.status as 'WAIVED',
            detail: `${r.waiver.status} ${r.waiver.id ?? ''}`.trim(),
          },
        }
      : {}),
  };
};

type Verdict = 'compliant' | 'waived' | 'failing';

/** What a row means for each check it is judged on; nothing for an error or a not-applicable resource. */
const verdicts = (r: ResultRow): [string, Verdict][] => {
  const type = parseUnitKey(r.unit).type;
  if (r.status === 'COMPLIANT') return checksOfType(type).map((c) => [c, 'compliant']);
  if (r.status !== 'NON_COMPLIANT') return [];
  const v: Verdict =
    r.result === 'VERIFIED' && r.action === 'REMEDIATE'
      ? 'compliant'
      : r.waiver?.status === 'WAIVED'
        ? 'waived'
        : 'failing';
  return checksOf(type, r.reason).map((c) => [c, v]);
};

export interface ControlSummary {
  control: string;
  checks: string[];
  inScope: number;
  compliant: number;
  waived: number;
  failing: number;
}
export interface FrameworkSummary {
  framework: FrameworkId;
  name: string;
  controls: ControlSummary[];
  inScope: number;
  compliant: number;
  waived: number;
  failing: number;
}

/** Per framework (or the one asked for): each control with the resources in scope and how they stand after the sweep.
 * */
export const frameworkSummaries = (rows: readonly ResultRow[], only?: FrameworkId): FrameworkSummary[] => {
  // resource → check → verdict (a resource failing a check on any row fails it)
  const byResource = new Map<string, Map<string, Verdict>>();
  const rank: Record<Verdict, number> = { compliant: 0, waived: 1, failing: 2 };
  for (const r of rows) {
    const key = `${r.unit}|${r.id}`;
    const m = byResource.get(key) ?? new Map<string, Verdict>();
    for (const [c, v] of verdicts(r)) if (!m.has(c) || rank[v] > rank[m.get(c) as Verdict]) m.set(c, v);
    byResource.set(key, m);
  }
  return (only ? [only] : FRAMEWORK_IDS).map((f) => {
    const controls = new Map<string, Set<string>>();
    for (const [id, c] of Object.entries(MAPPING.checks))
      for (const ctl of Object.keys(c.controls[f] ?? {})) controls.set(ctl, (controls.get(ctl) ?? new Set()).add(id));
    const out: ControlSummary[] = [...controls.entries()]
      .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
      .map(([control, checks]) => {
        const s = { control, checks: [...checks].sort(), inScope: 0, compliant: 0, waived: 0, failing: 0 };
        for (const m of byResource.values()) {
          const vs = [...checks].map((c) => m.get(c)).filter((v): v is Verdict => v !== undefined);
          if (!vs.length) continue;
          s.inScope++;
          const worst = vs.reduce((a, b) => (rank[b] > rank[a] ? b : a));
          s[worst]++;
        }
        return s;
      });
    // A resource counts once per framework: its worst verdict over the framework's controls.
    const tally = { inScope: 0, compliant: 0, waived: 0, failing: 0 };
    const checksOfF = new Set(out.flatMap((c) => c.checks));
    for (const m of byResource.values()) {
      const vs = [...checksOfF].map((c) => m.get(c)).filter((v): v is Verdict => v !== undefined);
      if (!vs.length) continue;
      tally.inScope++;
      tally[vs.reduce((a, b) => (rank[b] > rank[a] ? b : a))]++;
    }
    return { framework: f, name: MAPPING.frameworks[f].name, controls: out.filter((c) => c.inScope > 0), ...tally };
  });
};

const csvCell = (v: unknown): string => {
  const s = v === undefined || v === null ? '' : String(v);
  // Quoted when needed (RFC 4180); a leading = + - @ is defused so a spreadsheet does not run it as a formula.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** Every row as CSV; with a framework, a column of the controls of that framework each row's checks serve. */
export const renderCsv = (rows: readonly ResultRow[], framework?: FrameworkId): string => {
  const head = [
    'account',
    'region',
    'type',
    'id',
    'arn',
    'status',
    'reason',
    'action',
    'result',
    'observed_key',
    'expected_key',
    'waiver',
    'waiver_expires',
    'waiver_days_left',
    'checks',
    'security_hub',
    ...(framework ? [framework] : []),
    'detail',
    'at',
  ];
  const lines = rows.map((r) => {
    const u = parseUnitKey(r.unit);
    const checks = r.status === 'COMPLIANT' ? primaryChecksOfType(u.type) : checksOf(u.type, r.reason);
    const sh = [...new Set(checks.map((c) => MAPPING.checks[c]?.securityHub).filter(Boolean))].join(' ');
    const ctl = framework
      ? [[...new Set(checks.flatMap((c) => Object.keys(MAPPING.checks[c]?.controls[framework] ?? {})))].join(' ')]
      : [];
    return [
      u.account,
      u.region,
      u.type,
      r.id,
      r.arn,
      r.status,
      r.reason,
      r.action,
      r.result,
      r.observedKey,
      r.expectedKey,
      r.waiver ? `${r.waiver.status} ${r.waiver.id ?? ''}`.trim() : '',
      r.waiver?.expires,
      r.waiver?.daysLeft,
      checks.join(' '),
      sh,
      ...ctl,
      r.detail,
      r.at,
    ]
      .map(csvCell)
      .join(',');
  });
  return `${[head.join(','), ...lines].join('\r\n')}\r\n`;
};

const OCSF_SEVERITY: Record<string, number> = { INFORMATIONAL: 1, LOW: 2, MEDIUM: 3, HIGH: 4, CRITICAL: 5 };
const OCSF_COMPLIANCE: Record<string, number> = { PASSED: 1, WARNING: 2, FAILED: 3, NOT_AVAILABLE: 99 };
const OCSF_STATUS: Record<string, [number, string]> = {
  NEW: [1, 'New'],
  NOTIFIED: [2, 'In Progress'],
  SUPPRESSED: [3, 'Suppressed'],
  RESOLVED: [4, 'Resolved'],
};

/**
 * OCSF 1.1 Compliance Finding (class_uid 2003, category Findings), one JSON line per finding, built from the
 * same ASFF the Security Hub import sends (https://schema.ocsf.io/1.1.0/classes/compliance_finding).
 */
export const renderOcsf = (rows: readonly ResultRow[], now: Date): string =>
  rows
    .flatMap((r) =>
      toAsff(outcomeOf(r), { now }).map((f) => {
        const activity = f.RecordState === 'ARCHIVED' ? 3 : 2;
        const [statusId, status] = OCSF_STATUS[f.Workflow.Status] ?? [99, 'Other'];
        return JSON.stringify({
          class_uid: 2003,
          class_name: 'Compliance Finding',
          category_uid: 2,
          category_name: 'Findings',
          activity_id: activity,
          activity_name: activity === 3 ? 'Close' : 'Update',
          type_uid: 200300 + activity,
          time: Date.parse(r.at) || now.getTime(),
          severity_id: OCSF_SEVERITY[f.Severity.Label] ?? 0,
          severity:
            f.Severity.Label === 'INFORMATIONAL'
              ? 'Informational'
              : f.Severity.Label[0] + f.Severity.Label.slice(1).toLowerCase(),
          status_id: statusId,
          status,
          metadata: { version: '1.1.0', product: { name: 'cmk-sentinel', vendor_name: 'cmk-sentinel' }, uid: f.Id },
          finding_info: { uid: f.Id, title: f.Title, desc: f.Description, types: f.Types },
          compliance: {
            status_id: OCSF_COMPLIANCE[f.Compliance.Status] ?? 0,
            status: f.Compliance.Status,
            control: f.ProductFields['cmk-sentinel/securityHubControl'] ?? f.ProductFields['cmk-sentinel/check'],
            requirements: f.Compliance.RelatedRequirements,
            standards: [...new Set(f.Compliance.RelatedRequirements.map((x) => x.split('/')[0]))],
          },
          resources: f.Resources.map((x) => ({
            uid: x.Id,
            type: x.Type,
            region: x.Region,
            cloud_partition: x.Partition,
            owner: { account: { uid: f.AwsAccountId } },
          })),
          cloud: { provider: 'AWS', region: f.Region, account: { uid: f.AwsAccountId } },
          remediation: { desc: f.Remediation.Recommendation.Text },
          unmapped: f.ProductFields,
        });
      }),
    )
    .map((l) => `${l}\n`)
    .join('');

const n = (x: number) => String(x);

/** The summary as Markdown: per framework, then per control; and the policy's waivers with their days left. */
export const renderComplianceMarkdown = (summaries: readonly FrameworkSummary[], policy: Policy, now: Date): string => {
  const out: string[] = ['# Compliance summary', ''];
  for (const s of summaries) {
    out.push(
      `## ${s.name} (${s.framework})`,
      '',
      `${s.inScope} resources in scope: ${s.compliant} compliant, ${s.waived} waived, ${s.failing} failing.`,
      '',
    );
    out.push('| control | checks | in scope | compliant | waived | failing |', '|---|---|---:|---:|---:|---:|');
    for (const c of s.controls)
      out.push(
        `| ${c.control} | ${c.checks.join(', ')} | ${n(c.inScope)} | ${n(c.compliant)} | ${n(c.waived)} | ${n(c.failing)} |`,
      );
    out.push('');
  }
  const ws = waiverRows(policy, now);
  out.push('## Waivers', '');
  if (!ws.length) out.push('None.');
  else {
    out.push(
      '| waiver | status | expires | days left | owner | approval | resources | checks |',
      '|---|---|---|---:|---|---|---|---|',
    );
    for (const w of ws)
      out.push(
        `| ${w.id} | ${w.status} | ${w.expires} | ${n(w.daysLeft)} | ${w.owner} | ${w.approval} | ${w.resources.join(' ')} | ${w.checks.join(' ')} |`,
      );
  }
  return `${out.join('\n')}\n`;
};
