import { ClientFactory } from '../shared/aws/clients';
import type { ChainVerdict } from '../shared/audit/chain';
import { DynamoDbAuditLog } from '../shared/audit/dynamodb';

export const AUDIT_USAGE = `  cmk-sentinel audit verify [--table TABLE] [--chain ACCOUNT/REGION]
                                  prove each audit hash chain (one per account and region) complete, or name the
                                  first gap, altered or missing record; table from --table or AUDIT_TABLE`;

const option = (args: string[], name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

/** `audit verify`: exit 0 when every chain verifies, 1 when one does not, 2 on bad usage. */
export const audit = async (args: string[], out: (s: string) => void, env: NodeJS.ProcessEnv = process.env, clients = new ClientFactory()): Promise<number> => {
  const [sub, ...rest] = args;
  const table = option(rest, '--table') ?? env.AUDIT_TABLE;
  if (sub !== 'verify' || !table) {
    out(`Usage:\n${AUDIT_USAGE}`);
    return 2;
  }
  const log = new DynamoDbAuditLog(clients, table, env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1');
  const only = option(rest, '--chain');
  const chains = only ? [only] : await log.chains();
  const verdicts: ChainVerdict[] = [];
  for (const c of chains) verdicts.push(await log.verify(c));
  const broken = verdicts.filter((v) => !v.ok);
  out(JSON.stringify({ table, ok: broken.length === 0, chains: verdicts }, null, 2));
  for (const v of broken) if (!v.ok) out(`BROKEN ${v.chain}: ${v.problem} at seq ${v.seq}${v.recordId ? ` (record ${v.recordId})` : ''}: ${v.detail}`);
  return broken.length === 0 ? 0 : 1;
};
