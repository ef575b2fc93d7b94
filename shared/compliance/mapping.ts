import data from './controls.json';

/**
 * The project's compliance mapping (controls.json; not mapping.json, which Node's require would pick for
 * './mapping' before this .ts): every reason of every type → the checks it fails → the
 * controls of each framework those checks serve, each control citing its source. Data, not code:
 * test/unit/compliance/mapping.test.ts holds it to the reasons the rules can emit and to the Prowler files.
 */

export type FrameworkId = 'nist-800-53-r5' | 'pci-dss-4' | 'cis-aws-7' | 'hipaa' | 'soc2' | 'iso-27001-2022';
export type ReasonOutcome = 'fail' | 'pass' | 'not-applicable' | 'archived';

export interface CheckMapping {
  title: string;
  securityHub: string | null;
  prowler: string[];
  projectDefined?: boolean;
  /** framework → control id → source (`sh:<control>`, `prowler:<requirement id>` or `project`). */
  controls: Record<FrameworkId, Record<string, string>>;
  notes?: string;
}

export interface ReasonMapping {
  outcome: ReasonOutcome;
  checks: string[];
}

export interface ComplianceMapping {
  schema: string;
  frameworks: Record<FrameworkId, { name: string; prowler: string }>;
  globalReasons: Record<string, ReasonMapping>;
  checks: Record<string, CheckMapping>;
  reasons: Record<string, Record<string, ReasonMapping>>;
}

export const MAPPING = data as unknown as ComplianceMapping;

export const FRAMEWORK_IDS = Object.keys(MAPPING.frameworks) as FrameworkId[];

export const isFrameworkId = (s: string): s is FrameworkId => (FRAMEWORK_IDS as string[]).includes(s);

export const reasonMapping = (type: string, reason: string | undefined): ReasonMapping | undefined =>
  reason === undefined ? undefined : (MAPPING.reasons[type]?.[reason] ?? MAPPING.globalReasons[reason]);

/** The check ids a (type, reason) fails; [] for a reason without a row (an unknown reason maps to nothing). */
export const checksOf = (type: string, reason: string | undefined): string[] =>
  reasonMapping(type, reason)?.checks ?? [];

/** Every check a type is judged on: what a COMPLIANT resource of the type passes. */
export const checksOfType = (type: string): string[] =>
  [...new Set(Object.values(MAPPING.reasons[type] ?? {}).flatMap((r) => r.checks))].sort();

/** The checks a type's findings are filed under: the first (primary) check of each of its failing reasons. */
export const primaryChecksOfType = (type: string): string[] =>
  [
    ...new Set(
      Object.values(MAPPING.reasons[type] ?? {})
        .filter((r) => r.outcome === 'fail')
        .map((r) => r.checks[0])
        .filter((c): c is string => c !== undefined),
    ),
  ].sort();

/** The check whose id a finding is filed under: the first (primary) check of the reason. */
export const primaryCheck = (type: string, reason: string | undefined): string | undefined => checksOf(type, reason)[0];

export interface Controls {
  checks: string[];
  securityHub: string[];
  /** framework → control ids (sorted, unique). */
  frameworks: Partial<Record<FrameworkId, string[]>>;
  projectDefined: boolean;
}

/** The controls a set of checks serves: what alerts, findings and reports carry. */
export const controlsOfChecks = (checks: readonly string[]): Controls => {
  const frameworks: Partial<Record<FrameworkId, string[]>> = {};
  const sh = new Set<string>();
  let projectDefined = false;
  for (const id of checks) {
    const c = MAPPING.checks[id];
    if (!c) continue;
    if (c.securityHub) sh.add(c.securityHub);
    if (c.projectDefined) projectDefined = true;
    for (const f of FRAMEWORK_IDS) {
      const ids = Object.keys(c.controls[f] ?? {});
      if (ids.length) frameworks[f] = [...new Set([...(frameworks[f] ?? []), ...ids])].sort();
    }
  }
  return { checks: [...checks], securityHub: [...sh].sort(), frameworks, projectDefined };
};

export const controlsOf = (type: string, reason: string | undefined): Controls =>
  controlsOfChecks(checksOf(type, reason));
