import { readFileSync } from 'node:fs';
import { isSentinelError } from '../shared/errors';
import { buildDeps } from '../shared/pipeline/context';
import { processEvent } from '../shared/pipeline/process';

const USAGE = `cmk-sentinel — keeps AWS data stores on the regional customer-managed KMS key

Usage:
  cmk-sentinel handle FILE|-      run one EventBridge event (as Lambda receives it) through the pipeline
  cmk-sentinel help

Environment: AWS_REGION, AWS_ENDPOINT_URL (e.g. a local emulator), CMK_SENTINEL_POLICY (policy file),
ALERT_TOPIC_ARN (SNS topic; without it alerts are printed).`;

const readInput = (file: string): string => (file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8'));

export const handle = async (file: string, out: (s: string) => void): Promise<number> => {
  let event: unknown;
  try {
    event = JSON.parse(readInput(file));
  } catch (e) {
    out(JSON.stringify({ kind: 'invalid', error: { code: 'INVALID_EVENT', message: `Cannot read an event from ${file}: ${(e as Error).message}` } }, null, 2));
    return 1;
  }
  const deps = buildDeps();
  const result = await processEvent(event, deps);
  const alerts = 'alerts' in deps.alerts ? (deps.alerts as { alerts: unknown[] }).alerts : undefined;
  out(JSON.stringify({ ...result, ...(alerts ? { alerts } : {}) }, null, 2));
  return result.kind === 'invalid' || result.outcomes.some((o) => o.status === 'ERROR') ? 1 : 0;
};

export const main = async (argv: string[], out: (s: string) => void = (s) => process.stdout.write(`${s}\n`)): Promise<number> => {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'handle':
        if (!rest[0]) { out(USAGE); return 2; }
        return await handle(rest[0], out);
      case undefined:
      case 'help':
      case '--help':
        out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        out(`Unknown command "${command}".\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (isSentinelError(e)) {
      out(JSON.stringify({ error: e.toJSON() }, null, 2));
      return 2;
    }
    throw e;
  }
};
