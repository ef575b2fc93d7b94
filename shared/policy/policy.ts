import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { SentinelError } from '../errors';
import type { ResourceType } from '../rules/type-ids';
import { type Mode, type PolicyDocument, policySchema } from './schema';

export type { Mode, PolicyDocument };

/** The policy that ships with the service; CMK_SENTINEL_POLICY points elsewhere. */
export const DEFAULT_POLICY_PATH = join(__dirname, '..', '..', 'policy.yaml');

export class Policy {
  constructor(readonly doc: PolicyDocument) {}

  modeFor(type: ResourceType): Mode {
    return this.doc.types[type]?.mode ?? this.doc.mode;
  }

  /** Regions covered: the explicit list, else the regions of the key map. */
  regions(fallback: string): string[] {
    return this.doc.regions ?? (this.doc.cmk.keys ? Object.keys(this.doc.cmk.keys) : [fallback]);
  }

  isExempt(tags: Readonly<Record<string, string>> | undefined): boolean {
    return (tags?.[this.doc.exemptTag] ?? '').toLowerCase() === 'true';
  }

  /** The role assumed in a member account of the policy; undefined for an account the policy does not list. */
  memberRoleArn(account: string): string | undefined {
    const { ids, roleName } = this.doc.accounts;
    return ids.includes(account) ? `arn:aws:iam::${account}:role/${roleName}` : undefined;
  }

  get gates(): PolicyDocument['gates'] {
    return this.doc.gates;
  }
}

const describeIssue = (issue: z.core.$ZodIssue): string => {
  const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  return `${path}: ${issue.message}`;
};

/** Validate a parsed document; the error names every bad field and what was expected. */
export const parsePolicy = (raw: unknown, source = 'policy'): Policy => {
  const result = policySchema.safeParse(raw ?? {});
  if (!result.success) {
    const problems = result.error.issues.map(describeIssue);
    throw new SentinelError('INVALID_POLICY', `Invalid policy ${source}:\n  - ${problems.join('\n  - ')}`, { details: { source, problems } });
  }
  return new Policy(result.data);
};

export const parsePolicyYaml = (text: string, source = 'policy'): Policy => {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}` : '';
    throw new SentinelError('INVALID_POLICY', `Invalid policy ${source}: not valid YAML${where}: ${(e as Error).message.split('\n')[0]}`, { cause: e, details: { source } });
  }
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new SentinelError('INVALID_POLICY', `Invalid policy ${source}: expected a YAML mapping at the top level`, { details: { source } });
  }
  return parsePolicy(raw, source);
};

export const loadPolicyFile = (path: string): Policy => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new SentinelError('INVALID_POLICY', `Cannot read policy file ${path}: ${(e as Error).message}`, { cause: e, details: { source: path } });
  }
  return parsePolicyYaml(text, path);
};

/** The policy named by CMK_SENTINEL_POLICY, or the default that ships in the repo. */
export const loadPolicy = (env: NodeJS.ProcessEnv = process.env): Policy =>
  loadPolicyFile(env.CMK_SENTINEL_POLICY || DEFAULT_POLICY_PATH);
