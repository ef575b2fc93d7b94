import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { importGraph, RULE_SERVICE_CODE } from './import-graph';

/**
 * The reasons a rule can put on a finding, read from its source with the TypeScript parser, so that a reason a
 * rule gains shows up here without anyone listing it. Where a finding's `reason` comes from:
 * - a `reason:` property (or shorthand) whose value is a string literal, a conditional or `??`/`||` of such, a
 *   local constant holding one, or an element of a local lookup table (`REASON[m]`: the table's values);
 * - the first argument of a local helper whose first parameter is named `reason` (`nonCompliant('NO_TLS', ...)`);
 * - `keyMismatch(...)` (shared/kms/compare.ts): every member of its KeyMismatch union, less a member a
 *   `m === 'NO_KEY' ? 'AWS_MANAGED_KEY' : m` narrows away.
 * A property access (`first.reason`, `finding.reason`) passes on a reason found elsewhere and adds none.
 * Anything else is returned in `unresolved`: the test fails on it, so a new pattern cannot hide a reason.
 */

const STATUSES = new Set(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE']);

export interface FileReasons {
  reasons: Set<string>;
  unresolved: string[];
}

const keyMismatchMembers = (root: string): string[] => {
  const src = ts.createSourceFile(
    'compare.ts',
    readFileSync(join(root, 'shared/kms/compare.ts'), 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const out: string[] = [];
  src.forEachChild((n) => {
    if (ts.isTypeAliasDeclaration(n) && n.name.text === 'KeyMismatch' && ts.isUnionTypeNode(n.type)) {
      for (const t of n.type.types)
        if (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)) out.push(t.literal.text);
    }
  });
  if (out.length === 0) throw new Error('KeyMismatch union not found in shared/kms/compare.ts');
  return out;
};

export const reasonsOfFile = (root: string, file: string): FileReasons => {
  const src = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const reasons = new Set<string>();
  const unresolved: string[] = [];
  const mismatch = keyMismatchMembers(root);
  const variables = new Map<string, ts.Expression>();
  const helpers = new Set<string>();
  const visitDecls = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
      variables.set(n.name.text, n.initializer);
      const fn = n.initializer;
      if (
        (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn)) &&
        fn.parameters[0] &&
        ts.isIdentifier(fn.parameters[0].name) &&
        fn.parameters[0].name.text === 'reason'
      )
        helpers.add(n.name.text);
    }
    if (
      ts.isFunctionDeclaration(n) &&
      n.name &&
      n.parameters[0] &&
      ts.isIdentifier(n.parameters[0].name) &&
      n.parameters[0].name.text === 'reason'
    )
      helpers.add(n.name.text);
    n.forEachChild(visitDecls);
  };
  visitDecls(src);

  const where = (n: ts.Node) =>
    `${file}:${src.getLineAndCharacterOfPosition(n.getStart()).line + 1} ${n.getText().slice(0, 80)}`;
  const isReasonParameter = (name: string, at: ts.Node): boolean => {
    for (let p: ts.Node | undefined = at; p; p = p.parent) {
      if (
        (ts.isArrowFunction(p) || ts.isFunctionExpression(p) || ts.isFunctionDeclaration(p)) &&
        p.parameters.some((q) => ts.isIdentifier(q.name) && q.name.text === name)
      )
        return true;
    }
    return false;
  };

  const values = (e: ts.Expression, without: ReadonlySet<string>, depth = 0): void => {
    if (depth > 8) {
      unresolved.push(where(e));
      return;
    }
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e))
      return values(e.expression, without, depth + 1);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) {
      if (!STATUSES.has(e.text) && !without.has(e.text)) reasons.add(e.text);
      return;
    }
    if (ts.isConditionalExpression(e)) {
      values(e.whenTrue, without, depth + 1);
      // `m === 'NO_KEY' ? 'AWS_MANAGED_KEY' : m`: the false branch cannot be the compared literal.
      const c = e.condition;
      const narrowed = new Set(without);
      if (
        ts.isBinaryExpression(c) &&
        c.operatorToken.kind === ts.SyntaxKind.EqualsEqualsEqualsToken &&
        ts.isStringLiteral(c.right) &&
        c.left.getText() === e.whenFalse.getText()
      )
        narrowed.add(c.right.text);
      return values(e.whenFalse, narrowed, depth + 1);
    }
    if (
      ts.isBinaryExpression(e) &&
      (e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken ||
        e.operatorToken.kind === ts.SyntaxKind.BarBarToken)
    ) {
      values(e.left, without, depth + 1);
      return values(e.right, without, depth + 1);
    }
    if (ts.isPropertyAccessExpression(e)) return; // passes on a reason found elsewhere
    if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'keyMismatch') {
      for (const m of mismatch) if (!without.has(m)) reasons.add(m);
      return;
    }
    // keyReason(m) (shared/kms/compare.ts): a mismatch, NO_KEY read as AWS_MANAGED_KEY.
    if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === 'keyReason') {
      for (const m of mismatch) if (m !== 'NO_KEY' && !without.has(m)) reasons.add(m);
      if (!without.has('AWS_MANAGED_KEY')) reasons.add('AWS_MANAGED_KEY');
      return;
    }
    if (ts.isCallExpression(e) && ts.isIdentifier(e.expression)) {
      // A local function returning the reason (`keyIssueOf(...)`): what its returns can be.
      const fn = variables.get(e.expression.text);
      if (fn && (ts.isArrowFunction(fn) || ts.isFunctionExpression(fn))) {
        if (!ts.isBlock(fn.body)) return values(fn.body, without, depth + 1);
        const returns = (n: ts.Node): void => {
          if (ts.isReturnStatement(n) && n.expression) values(n.expression, without, depth + 1);
          else if (!ts.isFunctionLike(n)) n.forEachChild(returns);
        };
        fn.body.forEachChild(returns);
        return;
      }
    }
    if (ts.isIdentifier(e) && e.text === 'undefined') return;
    if (ts.isElementAccessExpression(e) && ts.isIdentifier(e.expression)) {
      const table = variables.get(e.expression.text);
      if (table && ts.isObjectLiteralExpression(table)) {
        for (const p of table.properties) if (ts.isPropertyAssignment(p)) values(p.initializer, without, depth + 1);
        return;
      }
    }
    if (ts.isIdentifier(e)) {
      const init = variables.get(e.text);
      if (init && !isReasonParameter(e.text, e)) return values(init, without, depth + 1);
      if (isReasonParameter(e.text, e)) return; // a helper's parameter: its call sites are read instead
    }
    unresolved.push(where(e));
  };

  const visit = (n: ts.Node): void => {
    if (
      ts.isPropertyAssignment(n) &&
      (ts.isIdentifier(n.name) || ts.isStringLiteral(n.name)) &&
      n.name.text === 'reason'
    )
      values(n.initializer, new Set());
    if (ts.isShorthandPropertyAssignment(n) && n.name.text === 'reason') values(n.name, new Set());
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && helpers.has(n.expression.text) && n.arguments[0])
      values(n.arguments[0], new Set());
    n.forEachChild(visit);
  };
  visit(src);
  return { reasons, unresolved };
};

/** The files a rule folder's entry module reaches inside shared/rules/ (and the service modules it imports), stopping
 * at other rule folders unless `uses`
 * names them. */
export const ruleFiles = (
  root: string,
  entryDir: string,
  ruleDirs: ReadonlySet<string>,
  uses: readonly string[] = [],
  skip: readonly string[] = [],
): string[] => {
  const graph = importGraph(root, ['shared']);
  const dirOf = (f: string) => relative('shared/rules', dirname(f)).split('\\').join('/');
  const allowed = new Set([entryDir, ...uses]);
  const seen = new Set<string>();
  const stack = [`shared/rules/${entryDir}/index.ts`];
  while (stack.length) {
    const f = stack.pop() as string;
    if (seen.has(f) || skip.includes(f)) continue;
    // The service modules rules share (shared/emr, shared/tls, ...) hold findings too; the core holds none.
    if (RULE_SERVICE_CODE.test(f)) {
      seen.add(f);
      stack.push(...(graph.get(f) ?? []));
      continue;
    }
    if (!f.startsWith('shared/rules/')) continue;
    const d = dirOf(f);
    if (ruleDirs.has(d) && !allowed.has(d)) continue;
    if (d === '') continue; // contract.ts, registry.ts, type-ids.ts: no findings
    seen.add(f);
    stack.push(...(graph.get(f) ?? []));
  }
  return [...seen].sort();
};
