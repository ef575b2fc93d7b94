import { existsSync, writeFileSync } from 'node:fs';
import { SentinelError } from '../shared/errors';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../shared/policy/policy';
import { type Io, parseArgs } from './args';

export const POLICY_USAGE = `Usage: cmk-sentinel policy validate [FILE]   check a policy (default: CMK_SENTINEL_POLICY or policy.yaml);
                                              every problem listed, exit 2 when there is one
       cmk-sentinel policy init [FILE]       write a starter policy (report mode) to FILE (default policy.yaml);
                                              refuses to overwrite an existing file`;

/** A first policy: report only, every gate off. A type is opted in to changes with `types.<type>.mode`. */
export const STARTER_POLICY = `# cmk-sentinel policy. Reference: README.md#policy
version: 1
cmk:
  # The same alias names the customer-managed key in every region.
  alias: alias/data-platform
regions: [us-east-1]
# report: find and alert, change nothing. Opt a type in to changes below, e.g. s3-bucket: { mode: remediate }.
mode: report
types: {}
exemptTag: cmk-sentinel:exempt
quarantineTag: cmk-sentinel:quarantine
gates:
  deleteOriginals: false
  cutOver: false
  terminateClusters: false
  modifySharedParameterGroups: false
# Roles the CMK's key policy must let use the key: role ARNs or role names.
keyUsers: []
# Member accounts (quoted 12-digit ids) and the role assumed in each.
accounts:
  ids: []
  roleName: cmk-sentinel-member
`;

export const policyCommand = async (args: string[], io: Io): Promise<number> => {
  const [sub, ...rest] = args;
  const p = parseArgs(rest, {}, 1);
  if (p.help || sub === '--help' || sub === '-h' || sub === undefined) {
    io.out(POLICY_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'validate') {
    const file = p.positionals[0] ?? (process.env.CMK_SENTINEL_POLICY || DEFAULT_POLICY_PATH);
    try {
      const { doc } = loadPolicyFile(file);
      const overrides = Object.entries(doc.types)
        .filter(([, t]) => t?.mode)
        .map(([type, t]) => `${type}=${t?.mode}`);
      const gatesOn = Object.entries(doc.gates)
        .filter(([, on]) => on)
        .map(([g]) => g);
      io.out(
        `${file}: valid. mode ${doc.mode}${overrides.length ? ` (${overrides.join(', ')})` : ''}; regions ${(doc.regions ?? Object.keys(doc.cmk.keys ?? {})).join(', ') || "(the CLI's region)"}; gates on: ${gatesOn.join(', ') || 'none'}`,
      );
      return 0;
    } catch (e) {
      if (!(e instanceof SentinelError) || e.code !== 'INVALID_POLICY') throw e;
      const problems = (e.details.problems as string[] | undefined) ?? [
        e.message.replace(/^Invalid policy [^:]*: /, ''),
      ];
      io.out(
        `${file}: invalid (${problems.length} problem${problems.length === 1 ? '' : 's'})\n${problems.map((x) => `  - ${x}`).join('\n')}`,
      );
      return 2;
    }
  }
  if (sub === 'init') {
    const file = p.positionals[0] ?? 'policy.yaml';
    if (existsSync(file)) throw new SentinelError('USAGE', `${file} exists: not overwritten (name another file)`);
    writeFileSync(file, STARTER_POLICY);
    io.out(`${file}: written (mode report; opt a type in with types.<type>.mode: remediate)`);
    return 0;
  }
  throw new SentinelError('USAGE', `Unknown policy command "${sub}"; expected validate or init`);
};
