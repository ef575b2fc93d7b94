import { SentinelError } from '../shared/errors';

/** Where a command writes its result. */
export interface Io {
  out: (s: string) => void;
  /** stdout is a terminal: tables by default. */
  tty: boolean;
}

/** Each option a command takes: a value (`--x v`, `--x=v`) or a switch. */
export type OptionSpec = Readonly<Record<string, 'value' | 'switch'>>;

export interface Parsed {
  options: Record<string, string | true>;
  positionals: string[];
  help: boolean;
}

const usage = (message: string): SentinelError => new SentinelError('USAGE', message);

/**
 * Strict: an unknown option, a missing value or a stray argument is a usage error (exit 2), never taken for
 * a file name (`handle --help` used to open a file named --help) or dropped. `-h`/`--help` anywhere asks for help.
 */
export const parseArgs = (args: readonly string[], spec: OptionSpec, maxPositionals = 0): Parsed => {
  const options: Parsed['options'] = {};
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    const [flag, inline] = arg.split(/=(.*)/s) as [string, string | undefined];
    const kind = spec[flag];
    if (!kind)
      throw usage(
        `Unknown option "${flag}"${Object.keys(spec).length ? `; expected ${Object.keys(spec).join(', ')}` : ''}`,
      );
    if (flag in options) throw usage(`Option ${flag} given twice`);
    if (kind === 'switch') {
      if (inline !== undefined) throw usage(`Option ${flag} takes no value`);
      options[flag] = true;
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--')))
      throw usage(`Option ${flag} needs a value`);
    options[flag] = value;
  }
  if (!help && positionals.length > maxPositionals)
    throw usage(
      `Unexpected argument(s) ${positionals
        .slice(maxPositionals)
        .map((p) => `"${p}"`)
        .join(' ')}`,
    );
  return { options, positionals, help };
};

export const str = (p: Parsed, flag: string): string | undefined =>
  typeof p.options[flag] === 'string' ? (p.options[flag] as string) : undefined;

/** A whole positive number (`--max 10`); `abc`, `1.5`, `0` and `-3` are usage errors. */
export const positiveInt = (p: Parsed, flag: string): number | undefined => {
  const v = str(p, flag);
  if (v === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(v)) throw usage(`Option ${flag} needs a whole number of at least 1 (got "${v}")`);
  return Number(v);
};

export type Format = 'table' | 'json';

/** `--format table|json`; JSON when stdout is not a terminal (a pipe into jq, a test). */
export const formatOf = (p: Parsed, tty: boolean): Format => {
  const v = str(p, '--format');
  if (v === undefined) return tty ? 'table' : 'json';
  if (v !== 'table' && v !== 'json') throw usage(`Option --format must be table or json (got "${v}")`);
  return v;
};
