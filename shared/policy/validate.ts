/** Loaded on use by policy.ts: the one module that needs zod and yaml. */
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { SentinelError } from '../errors';
import { Policy } from './policy';
import { policySchema } from './schema';

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
  return new Policy(result.data, source);
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
