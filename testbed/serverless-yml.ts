import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type Tags } from 'yaml';
import { loadPolicyFile } from '../shared/policy/policy';
import { centralFragment } from '../scripts/deploy/write';

// CloudFormation short forms, read as their long forms.
const cfnTags: Tags = [
  'Ref',
  'GetAtt',
  'Sub',
  'Join',
  'If',
  'Equals',
  'Select',
  'Split',
  'ImportValue',
  'FindInMap',
  'Not',
  'And',
  'Or',
  'Base64',
  'GetAZs',
  'Cidr',
].flatMap((name) => {
  const key = name === 'Ref' ? 'Ref' : `Fn::${name}`;
  const value = (v: unknown) => ({ [key]: name === 'GetAtt' && typeof v === 'string' ? v.split('.') : v });
  return [
    { tag: `!${name}`, resolve: (v: string) => value(v) },
    { tag: `!${name}`, collection: 'seq' as const, resolve: (v: { toJSON(): unknown }) => value(v.toJSON()) },
    { tag: `!${name}`, collection: 'map' as const, resolve: (v: { toJSON(): unknown }) => value(v.toJSON()) },
  ];
});

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const root = join(__dirname, '..');
const GENERATED = /^\$\{file\(\.\/\.build\/deploy\/central\.json\):([\w.]+)\}$/;

/** serverless.yml's `${file(./.build/deploy/central.json):…}` parts, as the build generates them for policy.yaml. */
const withGenerated = (v: unknown, generated: Record<string, unknown>): unknown => {
  if (Array.isArray(v)) return v.map((x) => withGenerated(x, generated));
  if (typeof v === 'string') {
    const m = GENERATED.exec(v);
    if (!m) return v;
    const value = (m[1] as string).split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], generated);
    if (value === undefined) throw new Error(`${v}: the build generates no ${m[1]}`);
    return value;
  }
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withGenerated(x, generated)]));
};

/** serverless.yml with the build's generated parts in place (what `serverless package` reads). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const readServerlessYml = (): Record<string, any> =>
  withGenerated(parse(readFileSync(join(root, 'serverless.yml'), 'utf8'), { customTags: cfnTags }), {
    ...centralFragment(loadPolicyFile(join(root, 'policy.yaml')).doc),
  }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A role's statements: its inline policies and the template's managed policies it attaches (`ManagedPolicyArns`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const roleStatements = (sls: Record<string, any>, roleId: string): Statement[] => {
  const props = sls.resources.Resources[roleId].Properties;
  const inline = ((props.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
  const managed = ((props.ManagedPolicyArns ?? []) as { Ref?: string }[]).flatMap(
    (r) => (sls.resources.Resources[r.Ref ?? '']?.Properties.PolicyDocument.Statement ?? []) as Statement[],
  );
  return [...inline, ...managed];
};

export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
