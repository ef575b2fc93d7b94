import { isObj } from '../json';

/**
 * Can a role use a KMS key, judged from the key policy and the key's grants alone?
 * Pure. The key policy is never rewritten: this only reads.
 *
 * Deliberately strict: an Allow for the account root delegates to IAM policies,
 * which are not read here, so it does not count as naming the role.
 */

export interface Grant {
  grantee?: string;
  operations: readonly string[];
}

/** What EMR's EC2 instance role needs from the CMK for S3 SSE-KMS/CSE-KMS and local disks. */
export const REQUIRED_KEY_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'] as const;

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

const globToRegExp = (pattern: string): RegExp =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );

const actionCovers = (patterns: unknown[], action: string): boolean =>
  patterns.some((p) => typeof p === 'string' && globToRegExp(p).test(action));

const principalNames = (principal: unknown, roleArn: string): boolean => {
  if (principal === '*') return false;
  if (!isObj(principal)) return false;
  return list(principal.AWS).some((p) => p === roleArn);
};

export type KeyAccess =
  { allowed: true; via: 'KEY_POLICY' | 'GRANT' } | { allowed: false; missing: string[]; why: string };

export const roleKeyAccess = (roleArn: string, keyPolicy: string | undefined, grants: readonly Grant[]): KeyAccess => {
  const viaPolicy = new Set<string>();
  const denied = new Set<string>();
  let policyProblem: string | undefined;
  if (keyPolicy !== undefined) {
    let doc: unknown;
    try {
      doc = JSON.parse(keyPolicy);
    } catch {
      policyProblem = 'the key policy is not valid JSON';
    }
    if (doc !== undefined && !isObj(doc)) policyProblem = 'the key policy is not a JSON object';
    if (isObj(doc)) {
      for (const st of list(doc.Statement)) {
        if (!isObj(st) || !principalNames(st.Principal, roleArn)) continue;
        const actions = list(st.Action);
        for (const a of REQUIRED_KEY_ACTIONS) {
          if (!actionCovers(actions, a)) continue;
          if (st.Effect === 'Deny') denied.add(a);
          else if (st.Effect === 'Allow') viaPolicy.add(a);
        }
      }
    }
  }
  const viaGrant = new Set<string>();
  for (const g of grants) {
    if (g.grantee !== roleArn) continue;
    for (const a of REQUIRED_KEY_ACTIONS) {
      const op = a.slice('kms:'.length);
      // GenerateDataKey is granted by name; the WithoutPlaintext variant alone is not enough.
      if (g.operations.includes(op)) viaGrant.add(a);
    }
  }
  const missing = REQUIRED_KEY_ACTIONS.filter((a) => denied.has(a) || (!viaPolicy.has(a) && !viaGrant.has(a)));
  if (missing.length === 0)
    return { allowed: true, via: REQUIRED_KEY_ACTIONS.every((a) => viaPolicy.has(a)) ? 'KEY_POLICY' : 'GRANT' };
  const why =
    denied.size > 0
      ? `the key policy denies ${[...denied].join(', ')} to ${roleArn}`
      : (policyProblem ?? `neither the key policy nor a grant allows ${roleArn} ${missing.join(' and ')}`);
  return { allowed: false, missing: [...missing], why };
};
