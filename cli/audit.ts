import { ClientFactory } from '../shared/aws/clients';
import type { ChainVerdict } from '../shared/audit/chain';
import { type ChainHead, chainIdOf, verifyChain } from '../shared/audit/chain';
import { DynamoDbAuditLog } from '../shared/audit/dynamodb';
import { readJsonl } from '../shared/audit/jsonl';

export const AUDIT_USAGE = `  cmk-sentinel audit verify [--table TABLE | --file FILE] [--chain ACCOUNT/REGION]
                                  prove each audit hash chain (one per account and region) complete, or name the
                                  first gap, altered or missing record; DynamoDB table from --table or AUDIT_TABLE,
                                  or a local JSONL trail from --file or CMK_SENTINEL_AUDIT_FILE`;

/** A local JSONL trail: the file's order is each chain's order; a file has no head, so a cut-off tail is not seen. */
const verifyFile = (path: string, only?: string): ChainVerdict[] => {
  const byChain = new Map<string, ReturnType<typeof readJsonl>>();
  for (const r of readJsonl(path)) {
    const c = r.chain?.id ?? chainIdOf(r);
    byChain.set(c, [...(byChain.get(c) ?? []), r]);
  }
  return [...byChain.keys()]
    .filter((c) => !only || c === only)
    .sort()
    .map((c) => verifyChain(c, byChain.get(c) ?? [], undefined as ChainHead | undefined));
};

const option = (args: string[], name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

/** `audit verify`: exit 0 when every chain verifies, 1 when one does not, 2 on bad usage. */
export const audit = async (
  args: string[],
  out: (s: string) => void,
  env: NodeJS.ProcessEnv = process.env,
  clients = new ClientFactory(),
): Promise<number> => {
  const [sub, ...rest] = args;
  const file = option(rest, '--file') ?? (option(rest, '--table') ? undefined : env.CMK_SENTINEL_AUDIT_FILE);
  const table = option(rest, '--table') ?? env.AUDIT_TABLE;
  if (sub !== 'verify' || (!table && !file)) {
    out(`Usage:\n${AUDIT_USAGE}`);
    return 2;
  }
  const only = option(rest, '--chain');
  const verdicts: ChainVerdict[] = [];
  if (file) {
    verdicts.push(...verifyFile(file, only));
  } else {
    const log = new DynamoDbAuditLog(clients, table as string, env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1');
    for (const c of only ? [only] : await log.chains()) verdicts.push(await log.verify(c));
  }
  const broken = verdicts.filter((v) => !v.ok);
  out(JSON.stringify({ ...(file ? { file } : { table }), ok: broken.length === 0, chains: verdicts }, null, 2));
  for (const v of broken)
    if (!v.ok)
      out(`BROKEN ${v.chain}: ${v.problem} at seq ${v.seq}${v.recordId ? ` (record ${v.recordId})` : ''}: ${v.detail}`);
  return broken.length === 0 ? 0 : 1;
};
