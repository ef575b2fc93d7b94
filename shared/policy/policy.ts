import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SentinelError } from '../errors';
import type { ResourceType } from '../rules/type-ids';
import { isExpired, matchesResource, type Waiver } from '../waivers/waiver';
import type { Mode } from './modes';
import type { PolicyDocument } from './schema';

export type { Mode, PolicyDocument };

/** The policy that ships with the service; CMK_SENTINEL_POLICY points elsewhere. */
export const DEFAULT_POLICY_PATH = join(__dirname, '..', '..', 'policy.yaml');

/** Marks a policy the build has already validated (`compilePolicy`); anything else is validated on load. */
export const COMPILED_POLICY_FORMAT = 'cmk-sentinel.policy.compiled/v1';

export class Policy {
  /** `source`: the file it was read from, named in reports. */
  constructor(
    readonly doc: PolicyDocument,
    readonly source?: string,
  ) {}

  modeFor(type: ResourceType): Mode {
    return this.doc.types[type]?.mode ?? this.doc.mode;
  }

  /** Regions covered: the explicit list, else the regions of the key maps (the home's and the accounts'). */
  regions(fallback: string): string[] {
    if (this.doc.regions) return this.doc.regions;
    const { keys, accounts } = this.doc.cmk;
    const listed = [
      ...Object.keys(keys ?? {}),
      ...Object.values(accounts ?? {}).flatMap((a) => Object.keys(a.keys ?? {})),
    ];
    return listed.length ? [...new Set(listed)] : [fallback];
  }

  /**
   * How the policy names the CMK of `region` for `account` (absent = the service's own account), or undefined.
   * A member's own entry (cmk.accounts) wins; then `cmk.keys` only where the ARN is in that very account (a member
   * is never re-keyed to the central account's key by default); then `cmk.alias`, which the resolver resolves in
   * the member through its role. `pinned`: an explicit key ARN, not an alias.
   */
  cmkRef(region: string, account?: string): { ref: string; pinned: boolean } | undefined {
    const { keys, alias, accounts } = this.doc.cmk;
    const own = account === undefined ? undefined : accounts?.[account];
    const ownKey = own?.keys?.[region];
    if (ownKey) return { ref: ownKey, pinned: true };
    if (own?.alias) return { ref: own.alias, pinned: false };
    const key = keys?.[region];
    if (key && (account === undefined || key.split(':')[4] === account)) return { ref: key, pinned: true };
    return alias ? { ref: alias, pinned: false } : undefined;
  }

  /** The policy's waivers (a policy compiled before waivers existed has none). */
  get waivers(): readonly Waiver[] {
    return this.doc.waivers ?? [];
  }

  /**
   * Whether the exemption tag names a waiver of the policy that has not expired (and covers `arn`, when given).
   * The tag alone ("true") no longer exempts: shared/waivers/waiver.ts. The pipeline judges waivers per check
   * with `policyWaiver`/`tagWaiver`; this is for a rule that looks at a related resource's tags.
   */
  isExempt(tags: Readonly<Record<string, string>> | undefined, arn?: string, now: Date = new Date()): boolean {
    const value = tags?.[this.doc.exemptTag];
    const w = value === undefined ? undefined : this.waivers.find((x) => x.id === value);
    return w !== undefined && !isExpired(w, now) && (arn === undefined || matchesResource(w, arn));
  }

  /** The role assumed in a member account of the policy; undefined for an account the policy does not list. */
  memberRoleArn(account: string): string | undefined {
    // With `organization`, which accounts belong is the directory's to say (shared/accounts/directory.ts), asked
    // before anything runs in an account; here every account not excluded has the role's name.
    const { ids, roleName, organization, exclude = [] } = this.doc.accounts;
    return (ids.includes(account) || organization === true) && !exclude.includes(account)
      ? `arn:aws:iam::${account}:role/${roleName}`
      : undefined;
  }

  get gates(): PolicyDocument['gates'] {
    return this.doc.gates;
  }
}

/**
 * zod and yaml take ~100 ms to load, half a cold start's budget, so they load here, on use, for a policy
 * still to be validated. A Lambda bundle is built with CMK_SENTINEL_BUNDLE=lambda defined: it reads only
 * the policy its build validated, and the bundler drops the validator (570 KB, ~60 ms to parse) from the zip.
 */
const validator = (source: string): typeof import('./validate') => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (process.env.CMK_SENTINEL_BUNDLE !== 'lambda') return require('./validate') as typeof import('./validate');
  throw new SentinelError(
    'INVALID_POLICY',
    `Policy ${source} is not the compiled policy.json that \`npm run build\` writes; a deployed function reads only that`,
    { details: { source } },
  );
};

/** Validate a parsed document; the error names every bad field and what was expected. */
export const parsePolicy = (raw: unknown, source = 'policy'): Policy =>
  new Policy(validator(source).validatePolicy(raw, source), source);

export const parsePolicyYaml = (text: string, source = 'policy'): Policy =>
  new Policy(validator(source).validatePolicyYaml(text, source), source);

interface CompiledPolicy {
  format: typeof COMPILED_POLICY_FORMAT;
  source: string;
  document: PolicyDocument;
}

const isCompiled = (raw: unknown): raw is CompiledPolicy =>
  typeof raw === 'object' &&
  raw !== null &&
  (raw as CompiledPolicy).format === COMPILED_POLICY_FORMAT &&
  typeof (raw as CompiledPolicy).document === 'object' &&
  (raw as CompiledPolicy).document !== null;

const readPolicyText = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new SentinelError('INVALID_POLICY', `Cannot read policy file ${path}: ${(e as Error).message}`, {
      cause: e,
      details: { source: path },
    });
  }
};

/** YAML (or JSON, its subset) is validated; the build's compiled JSON was validated when it was written. */
export const loadPolicyFile = (path: string): Policy => {
  const text = readPolicyText(path);
  if (path.endsWith('.json')) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new SentinelError('INVALID_POLICY', `Invalid policy ${path}: not valid JSON: ${(e as Error).message}`, {
        cause: e,
        details: { source: path },
      });
    }
    return isCompiled(raw) ? new Policy(raw.document, `${path} (compiled from ${raw.source})`) : parsePolicy(raw, path);
  }
  return parsePolicyYaml(text, path);
};

/** The policy named by CMK_SENTINEL_POLICY, or the default that ships in the repo. */
export const loadPolicy = (env: NodeJS.ProcessEnv = process.env): Policy =>
  loadPolicyFile(env.CMK_SENTINEL_POLICY || DEFAULT_POLICY_PATH);

/** Validate a policy file once, at build time, into the form a function loads without a validator. */
export const compilePolicy = (from: string, to: string): Policy => writeCompiledPolicy(loadPolicyFile(from), from, to);

/** Write a policy validated already (the build validates once, then writes one copy per function). */
export const writeCompiledPolicy = (policy: Policy, from: string, to: string): Policy => {
  const compiled: CompiledPolicy = {
    format: COMPILED_POLICY_FORMAT,
    source: from.split('/').pop() ?? from,
    document: policy.doc,
  };
  writeFileSync(to, `${JSON.stringify(compiled, null, 2)}\n`);
  return policy;
};
