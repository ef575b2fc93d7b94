import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from '../../../shared/rules/registry';
import { importCycles, importGraph, type ImportGraph } from '../../support/import-graph';

const ROOT = join(__dirname, '..', '..', '..');

// A rule's own folder may organise itself as it likes; everything else is layered.
const RULE_FOLDER = /^shared\/rules\/([^/]+)\//;
const withinOneRuleFolder = (cycle: readonly string[]): boolean => {
  const folders = new Set(cycle.map((f) => RULE_FOLDER.exec(f)?.[1]));
  return folders.size === 1 && !folders.has(undefined);
};

describe('import cycles', () => {
  it('there is none in shared/, functions/ or cli/ (outside a single rule folder)', () => {
    const graph = importGraph(ROOT, ['shared', 'functions', 'cli']);
    // The walk must have seen the sources and their imports, or "no cycle" proves nothing.
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('shared/pipeline/process.ts')).toEqual(
      expect.arrayContaining(['shared/pipeline/context.ts', 'shared/rules/registry.ts']),
    );
    expect(importCycles(graph).filter((c) => !withinOneRuleFolder(c))).toEqual([]);
  });

  it("no rule imports another rule's folder: shared service code lives in shared/aws, shared/kms, shared/tls, ...", () => {
    const graph = importGraph(ROOT, ['shared/rules']);
    // rds-database holds the code rds-instance and rds-cluster share (it is no type of its own).
    const typeFolders = new Set(
      readdirSync(join(ROOT, 'shared', 'rules')).filter(
        (f) => statSync(join(ROOT, 'shared', 'rules', f)).isDirectory() && RULES.some((r) => r.type === f),
      ),
    );
    expect(typeFolders.size).toBeGreaterThan(20);
    const crossing: string[] = [];
    for (const [file, targets] of graph) {
      const own = RULE_FOLDER.exec(file)?.[1];
      for (const t of targets) {
        const other = RULE_FOLDER.exec(t)?.[1];
        if (own && other && other !== own && typeFolders.has(other)) crossing.push(`${file} -> ${t}`);
      }
    }
    expect(crossing).toEqual([]);
  });

  it('the walker finds type-only, dynamic and require() edges', () => {
    const graph = importGraph(ROOT, ['shared']);
    // policy.ts reaches the validator with require() (and its type with `typeof import`).
    expect(graph.get('shared/policy/policy.ts')).toContain('shared/policy/validate.ts');
    // The registry loads each rule with import().
    expect(graph.get('shared/rules/registry.ts')).toContain('shared/rules/kms-key/index.ts');
    // alert.ts imports only types from the contract.
    expect(graph.get('shared/alerts/alert.ts')).toContain('shared/rules/contract.ts');
  });

  it('the detector reports a cycle, however long, and a file importing itself; not a diamond', () => {
    const g: ImportGraph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', ['e.ts', 'f.ts']],
      ['e.ts', ['g.ts']],
      ['f.ts', ['g.ts']],
      ['g.ts', []],
      ['self.ts', ['self.ts']],
    ]);
    expect(importCycles(g)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['self.ts']]);
  });

  it("a cycle inside one rule folder is that folder's business; one through the core is not", () => {
    expect(withinOneRuleFolder(['shared/rules/s3-bucket/index.ts', 'shared/rules/s3-bucket/objects.ts'])).toBe(true);
    expect(withinOneRuleFolder(['shared/rules/kms-key/index.ts', 'shared/rules/registry.ts'])).toBe(false);
    expect(withinOneRuleFolder(['shared/rules/s3-bucket/index.ts', 'shared/rules/s3-tls/index.ts'])).toBe(false);
  });
});
