/**
 * Loaded on use by policy.ts: the one module that needs zod and yaml. It returns the validated document,
 * not a Policy: policy.ts wraps it, and this module imports nothing of policy.ts (no import cycle).
 */
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { SentinelError } from '../errors';
import { type PolicyDocument, policySchema } from './schema';

const describeIssue = (issue: z.core.$ZodIssue): string => {
  const path = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  return `${path}: ${issue.message}`;
};

/** Validate a parsed document; the error names every bad field and what was expected. */
export const validatePolicy = (raw: unknown, source = 'policy'): PolicyDocument => {
  const result = policySchema.safeParse(raw ?? {});
  if (!result.success) {
    const problems = result.error.issues.map(describeIssue);
    throw new SentinelError('INVALID_POLICY', `Invalid policy ${source}:\n  - ${problems.join('\n  - ')}`, {
      details: { source, problems },
    });
  }
  return result.data;
};

export const validatePolicyYaml = (text: string, source = 'policy'): PolicyDocument => {
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true });
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}` : '';
    throw new SentinelError(
      'INVALID_POLICY',
      `Invalid policy ${source}: not valid YAML${where}: ${(e as Error).message.split('\n')[0]}`,
      { cause: e, details: { source } },
    );
  }
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new SentinelError('INVALID_POLICY', `Invalid policy ${source}: expected a YAML mapping at the top level`, {
      details: { source },
    });
  }
  return validatePolicy(raw, source);
};
