import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type Tags } from 'yaml';

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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const readServerlessYml = (): Record<string, any> =>
  parse(readFileSync(join(__dirname, '..', '..', 'serverless.yml'), 'utf8'), { customTags: cfnTags });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const roleStatements = (sls: Record<string, any>, roleId: string): Statement[] =>
  (sls.resources.Resources[roleId].Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
    (p) => p.PolicyDocument.Statement,
  );

export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
