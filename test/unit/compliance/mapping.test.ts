import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checksOf, controlsOf, FRAMEWORK_IDS, MAPPING } from '../../../shared/compliance/mapping';
import { RULES } from '../../../shared/rules/registry';
import { reasonsOfFile, ruleFiles } from '../../support/rule-reasons';

/**
 * The mapping file (shared/compliance/controls.json) must have a row for every reason the rules can emit, read
 * from the rules' source (test/support/rule-reasons.ts), so a reason a rule gains fails here until it is mapped;
 * and each control it cites from Prowler must be there in Prowler's file.
 */
const ROOT = join(__dirname, '..', '..', '..');

/** Rule folders whose findings another type re-uses as its own (none now: shared judgements live in shared/tls, ...).
 * */
const USES: Record<string, string[]> = {};
/** Shared judgements a type wraps in a reason of its own (emr-cluster reports SECURITY_CONFIGURATION_NON_COMPLIANT). */
const WRAPS: Record<string, string[]> = { 'emr-cluster': ['shared/emr/security-configuration.ts'] };

const dirOf = (load: () => unknown): string => {
  const m = /['"]\.\/([a-z0-9-]+)['"]/.exec(load.toString());
  if (!m?.[1]) throw new Error(`cannot tell the folder of a rule from ${load.toString()}`);
  return m[1];
};
const RULE_DIRS = new Set(RULES.map((r) => dirOf(r.load)));

const emitted = (type: string): { reasons: string[]; unresolved: string[] } => {
  const rule = RULES.find((r) => r.type === type);
  if (!rule) throw new Error(type);
  const reasons = new Set<string>();
  const unresolved: string[] = [];
  for (const f of ruleFiles(ROOT, dirOf(rule.load), RULE_DIRS, USES[type] ?? [], WRAPS[type] ?? [])) {
    const r = reasonsOfFile(ROOT, f);
    r.reasons.forEach((x) => reasons.add(x));
    unresolved.push(...r.unresolved);
  }
  return { reasons: [...reasons].sort(), unresolved };
};

describe('compliance mapping', () => {
  it.each(RULES.map((r) => r.type))(
    '%s: one row per reason its rule can emit, no row for a reason it cannot',
    (type) => {
      const { reasons, unresolved } = emitted(type);
      expect(unresolved).toEqual([]);
      expect(reasons.length).toBeGreaterThan(0);
      expect(Object.keys(MAPPING.reasons[type] ?? {}).sort()).toEqual(reasons);
    },
  );

  it('lists no type the registry does not have', () => {
    expect(Object.keys(MAPPING.reasons).sort()).toEqual(RULES.map((r) => r.type).sort());
  });

  it("the pipeline's own reasons are mapped for every type", () => {
    const pipeline = reasonsOfFile(ROOT, 'shared/pipeline/process.ts');
    expect(pipeline.unresolved).toEqual([]);
    expect([...pipeline.reasons].sort()).toEqual(Object.keys(MAPPING.globalReasons).sort());
  });

  it('every failing reason names at least one known check; every check serves some framework and is used', () => {
    const used = new Set<string>();
    for (const [type, rows] of Object.entries(MAPPING.reasons)) {
      for (const [reason, row] of Object.entries(rows)) {
        if (row.outcome === 'fail')
          expect({ type, reason, checks: row.checks.length > 0 }).toEqual({ type, reason, checks: true });
        for (const c of row.checks) {
          expect({ type, reason, check: c, known: c in MAPPING.checks }).toEqual({
            type,
            reason,
            check: c,
            known: true,
          });
          used.add(c);
        }
      }
    }
    for (const [id, c] of Object.entries(MAPPING.checks)) {
      expect({ id, used: used.has(id) }).toEqual({ id, used: true });
      expect({ id, frameworks: Object.keys(c.controls).sort() }).toEqual({ id, frameworks: [...FRAMEWORK_IDS].sort() });
      expect({ id, some: Object.values(c.controls).some((x) => Object.keys(x).length > 0) }).toEqual({
        id,
        some: true,
      });
    }
  });

  it('the project-defined checks are anchored to NIST SC-12/SC-28, PCI DSS 3.6/3.7 and ISO A.8.24, marked project', () => {
    for (const id of ['own-region-cmk', 'replica-key']) {
      const c = MAPPING.checks[id];
      expect(c?.projectDefined).toBe(true);
      expect(c?.controls['nist-800-53-r5']).toEqual({ 'SC-12': 'project', 'SC-28': 'project' });
      expect(c?.controls['pci-dss-4']).toEqual({ '3.6': 'project', '3.7': 'project' });
      expect(c?.controls['iso-27001-2022']).toEqual({ 'A.8.24': 'project' });
    }
    // The known gaps of the sources are fixed, not copied (MAPPING.md).
    expect(MAPPING.checks['emr-at-rest-cmk']?.controls['nist-800-53-r5']['SC-28']).toBe('project');
    expect(Object.keys(MAPPING.checks['s3-at-rest-cmk']?.controls['iso-27001-2022'] ?? {})).not.toContain('A.8.11');
    expect(MAPPING.checks['s3-at-rest-cmk']?.controls.soc2['CC6.1']).toBe('project');
  });

  it("every control cited from Prowler is in that framework's Prowler file, under that requirement, with the check", () => {
    const cited: string[] = [];
    for (const [id, c] of Object.entries(MAPPING.checks)) {
      for (const f of FRAMEWORK_IDS) {
        for (const [control, source] of Object.entries(c.controls[f])) {
          expect(source).toMatch(/^(sh:[A-Za-z0-9]+\.\d+|prowler:.+|project)$/);
          if (source.startsWith('sh:'))
            expect({
              id,
              control,
              sh: source.slice(3) === c.securityHub || /^sh:(RDS|S3|KMS|EMR|Redshift)\.\d+$/.test(source),
            }).toEqual({ id, control, sh: true });
          if (!source.startsWith('prowler:')) continue;
          const file = MAPPING.frameworks[f].prowler;
          const doc = JSON.parse(
            readFileSync(join(ROOT, 'test', 'fixtures', 'compliance', 'prowler', file), 'utf8'),
          ) as { Requirements: { Id: string; Checks?: string[] }[] };
          const req = doc.Requirements.find((r) => r.Id === source.slice('prowler:'.length));
          expect({
            id,
            control,
            file,
            requirement: source,
            checks: (req?.Checks ?? []).filter((x) => c.prowler.includes(x)).length > 0,
          }).toEqual({ id, control, file, requirement: source, checks: true });
          cited.push(`${id} ${control}`);
        }
      }
    }
    expect(cited.length).toBeGreaterThan(20);
  });

  it("answers per finding: a bucket on another region's key fails S3.17 and the project-defined own-region check", () => {
    expect(checksOf('s3-bucket', 'WRONG_REGION_KEY')).toEqual(['s3-at-rest-cmk', 'own-region-cmk']);
    const c = controlsOf('s3-bucket', 'WRONG_REGION_KEY');
    expect(c).toMatchObject({ securityHub: ['S3.17'], projectDefined: true });
    expect(c.frameworks['pci-dss-4']).toEqual(['3.5.1', '3.6', '3.7']);
    expect(controlsOf('s3-bucket', 'NO_SUCH_REASON').checks).toEqual([]);
  });
});
