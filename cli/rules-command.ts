import { SentinelError } from '../shared/errors';
import { RULE_DOCS } from '../shared/rules/docs';
import { RULES } from '../shared/rules/registry';
import { formatOf, type Io, parseArgs } from './args';

export const RULES_USAGE = `Usage: cmk-sentinel rules [TYPE] [--format table|json]

Each resource type: what compliant means, its triggers (CloudTrail events, state changes, Config types), what
remediate and quarantine do, the policy gates it honours, and the IAM actions it needs — from the rules' metadata.`;

/** What one type declares, as data: the rule's meta (triggers, permissions) and its words (RULE_DOCS). */
export const ruleSummary = (r: (typeof RULES)[number]) => ({
  type: r.type,
  service: r.service,
  ...RULE_DOCS[r.type],
  triggers: {
    cloudTrail: r.cloudTrail.flatMap((t) => t.eventNames.map((n) => `${t.eventSource.split('.')[0]}:${n}`)),
    stateChange: (r.stateChange ?? []).map(
      (s) => `${s.source} ${s.detailType}${s.states ? ` (${s.states.join(', ')})` : ''}`,
    ),
    config: [...r.configTypes],
  },
  permissions: r.permissions,
});

export const rulesCommand = async (args: string[], io: Io): Promise<number> => {
  const p = parseArgs(args, { '--format': 'value' }, 1);
  if (p.help) {
    io.out(RULES_USAGE);
    return 0;
  }
  const format = formatOf(p, io.tty);
  const wanted = p.positionals[0];
  const rules = wanted ? RULES.filter((r) => r.type === wanted) : RULES;
  if (!rules.length)
    throw new SentinelError(
      'USAGE',
      `Unknown resource type "${wanted}"; expected one of ${RULES.map((r) => r.type).join(', ')}`,
    );
  const summaries = rules.map(ruleSummary);
  if (format === 'json') {
    io.out(JSON.stringify(summaries, null, 2));
    return 0;
  }
  io.out(
    summaries
      .map((s) =>
        [
          `${s.type} (${s.service})`,
          `  compliant:   ${s.compliant}`,
          `  remediate:   ${s.remediate}`,
          `  quarantine:  ${s.quarantine}`,
          `  gates:       ${s.gates.length ? s.gates.join(', ') : '-'}`,
          `  triggers:    ${[...s.triggers.cloudTrail, ...s.triggers.stateChange, ...s.triggers.config.map((c) => `Config ${c}`)].join(', ') || '-'}`,
          `  permissions: read ${s.permissions.read.join(' ')}; remediate ${s.permissions.remediate.join(' ') || '-'}; quarantine ${s.permissions.quarantine.join(' ') || '-'}`,
        ].join('\n'),
      )
      .join('\n\n'),
  );
  return 0;
};
