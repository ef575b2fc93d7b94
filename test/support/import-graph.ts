import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** file (relative to the root, `/`-separated) → the project files it imports. */
export type ImportGraph = Map<string, string[]>;

const tsFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : tsFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });

const resolveImport = (from: string, spec: string): string | undefined => {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(from), spec);
  return [`${base}.ts`, join(base, 'index.ts')].find((p) => existsSync(p));
};

/**
 * Every relative import of the TypeScript sources under `dirs`: static imports and re-exports, `import type`
 * (a type-only cycle still ties two modules' designs together), dynamic `import()` and `require()`.
 * TypeScript's own pre-processor finds them, so comments and strings are not mistaken for imports.
 */
export const importGraph = (root: string, dirs: readonly string[]): ImportGraph => {
  const graph: ImportGraph = new Map();
  const rel = (p: string) => relative(root, p).split('\\').join('/');
  for (const file of dirs.flatMap((d) => tsFiles(join(root, d)))) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((i) => resolveImport(file, i.fileName))
      .filter((p): p is string => p !== undefined);
    graph.set(rel(file), [...new Set(targets.map(rel))]);
  }
  return graph;
};

/** The strongly connected components with more than one file (or a file importing itself): each is a cycle. Tarjan's
 * algorithm. */
export const importCycles = (graph: ImportGraph): string[][] => {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
};

/** The service modules rules share (shared/aws, shared/emr, shared/tls, shared/kms/key-access): code a rule reaches
 * through its imports counts as that rule's (its calls against its permissions, its reasons against the mapping). */
export const RULE_SERVICE_CODE = /^shared\/(aws|emr|tls)\/|^shared\/kms\/key-access\.ts$/;
